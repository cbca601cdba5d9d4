from django.urls import path

from . import views

app_name = "evidence"
urlpatterns = [
    path("case/<str:reference>/", views.item_list, name="list"),
    path("case/<str:reference>/upload/", views.upload, name="upload"),
    path("case/<str:reference>/exhibit/", views.exhibit, name="exhibit"),
    path("<uuid:item_id>/", views.detail, name="detail"),
    path("<uuid:item_id>/download/", views.download, name="download"),
    path("<uuid:item_id>/working-copy/", views.working_copy, name="working-copy"),
    path("<uuid:item_id>/verify/", views.verify, name="verify"),
]
