from django.urls import path

from . import views

app_name = "retention"
urlpatterns = [
    path("", views.expiring, name="expiring"),
    path("settings/", views.settings_page, name="settings"),
    path("holds/", views.holds, name="holds"),
    path("holds/new/", views.hold_new, name="hold-new"),
    path("holds/<int:hold_id>/lift/", views.hold_lift, name="hold-lift"),
]
