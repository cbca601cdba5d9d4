from django.urls import path

from . import settings_views, views

app_name = "risk"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("analysis/", views.analysis, name="analysis"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/checklist/new/", settings_views.checklist_new, name="checklist-new"),
    path(
        "settings/checklist/<int:checklist_item_id>/",
        settings_views.checklist_edit,
        name="checklist-edit",
    ),
    path("cases/<str:reference>/", views.case_assessments, name="case"),
    path("cases/<str:reference>/new/", views.assessment_new, name="new"),
    path("cases/<str:reference>/compare/", views.compare, name="compare"),
    path("cases/<str:reference>/<int:number>/", views.assessment_detail, name="detail"),
]
