"""Included at the root: the acknowledgement link lives at /ack/<token>/ (DESIGN.md)."""

from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("alerts/", views.console, name="console"),
    path("alerts/panic/", views.panic, name="panic"),
    path("alerts/people/<int:person_id>/raise/", views.manual, name="manual"),
    path("alerts/<int:alert_id>/", views.detail, name="detail"),
    path("alerts/<int:alert_id>/resolve/", views.resolve, name="resolve"),
    path("ack/<str:token>/", views.ack, name="ack"),
]
