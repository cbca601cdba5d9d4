from django.urls import path

from . import views

app_name = "advocacy"
urlpatterns = [
    path("", views.communication_list, name="list"),
    path("new/", views.new, name="new"),
    path("analysis/", views.analysis, name="analysis"),
    path("mechanisms/", views.mechanisms, name="mechanisms"),
    path("mechanisms/<int:mechanism_id>/", views.mechanism, name="mechanism"),
    path("<int:communication_id>/", views.detail, name="detail"),
    path("<int:communication_id>/edit/", views.edit, name="edit"),
    path("<int:communication_id>/step/", views.step, name="step"),
    path("<int:communication_id>/reply/", views.reply, name="reply"),
    path("<int:communication_id>/resolution/", views.resolution, name="resolution"),
    path("<int:communication_id>/outcome/", views.outcome, name="outcome"),
    path("<int:communication_id>/export/<str:export_format>/", views.export_view, name="export"),
]
