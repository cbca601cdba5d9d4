from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("<str:incident_ref>/", views.incident_detail, name="detail"),
    path("<str:incident_ref>/edit/", views.incident_edit, name="edit"),
    path("<str:incident_ref>/acts/new/", views.act_add, name="act-add"),
    path("<str:incident_ref>/acts/<int:act_id>/edit/", views.act_edit, name="act-edit"),
    path(
        "<str:incident_ref>/acts/<int:act_id>/victims/",
        views.victims_edit,
        name="act-victims",
    ),
    path("<str:incident_ref>/sources/<int:source_id>/edit/", views.source_edit, name="source-edit"),
    path(
        "<str:incident_ref>/perpetrators/<int:perpetrator_id>/edit/",
        views.perpetrator_edit,
        name="perpetrator-edit",
    ),
    path("<str:incident_ref>/sources/new/", views.source_add, name="source-add"),
    path("<str:incident_ref>/perpetrators/new/", views.perpetrator_add, name="perpetrator-add"),
    path("<str:incident_ref>/links/new/", views.link_add, name="link-add"),
    path("<str:incident_ref>/verification/", views.verify, name="verify"),
]
