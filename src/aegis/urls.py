from django.urls import include, path

from . import views
from .api import ROOT, api

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("demo-mail/", views.demo_mail, name="demo_mail"),
    path("accounts/", include("aegis.accounts.urls")),
    path("audit/", include("aegis.audit.urls")),
    path("cases/", include("aegis.cases.urls")),
    path("incidents/", include("aegis.incidents.urls")),
    path("evidence/", include("aegis.evidence.urls")),
    path("risk/", include("aegis.risk.urls")),
    path("safety/", include("aegis.safety.urls")),
    path("", include("aegis.alerts.urls")),
    path("", include("aegis.intake.urls")),
    path("support/", include("aegis.support.urls")),
    path("advocacy/", include("aegis.advocacy.urls")),
    path("", include("aegis.reports.urls")),
    path("exchange/", include("aegis.exchange.urls")),
    path("monitoring/", include("aegis.monitoring.urls")),
    path("retention/", include("aegis.retention.urls")),
    path(ROOT, api.urls),
    path("i18n/setlang/", views.set_language, name="set_language"),
]

handler400 = views.bad_request
handler403 = views.not_allowed
handler404 = views.not_found
