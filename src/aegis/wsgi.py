import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aegis.settings")
application = get_wsgi_application()
# The URLconf, and with it every view and the API's schemas, is imported as the server's
# process starts rather than by the first request it serves, which would wait 1-3 s for it.
get_resolver().url_patterns  # noqa: B018
