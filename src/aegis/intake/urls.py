"""Mounted at the site root: the public pages under report/, the intake team's under triage/."""

from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/follow-up/", views.follow_up, name="follow-up"),
    path("triage/", views.triage_queue, name="triage"),
    path("triage/<uuid:submission_id>/", views.submission_detail, name="submission"),
    path("triage/<uuid:submission_id>/reply/", views.reply, name="reply"),
    path("triage/<uuid:submission_id>/mark/", views.mark, name="mark"),
    path("triage/<uuid:submission_id>/convert/", views.convert, name="convert"),
    path(
        "triage/<uuid:submission_id>/files/<int:submission_file_id>/",
        views.download,
        name="file",
    ),
    path(
        "triage/<uuid:submission_id>/files/<int:submission_file_id>/evidence/",
        views.add_file_to_evidence,
        name="file-evidence",
    ),
]
