from django.urls import include, path

from . import views
from .api import api

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("aegis.accounts.urls")),
    path("audit/", include("aegis.audit.urls")),
    path("api/v1/", api.urls),
    path("i18n/setlang/", views.set_language, name="set_language"),
]
