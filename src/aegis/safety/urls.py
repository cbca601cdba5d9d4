from django.urls import path

from . import views

app_name = "safety"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("mine/print/", views.mine_print, name="mine-print"),
    path("people/<int:person_id>/", views.plan, name="plan"),
    path("people/<int:person_id>/edit/", views.edit, name="edit"),
    path("people/<int:person_id>/versions/", views.versions, name="versions"),
    path("people/<int:person_id>/versions/<int:plan_version>/", views.version, name="version"),
    path("people/<int:person_id>/print/", views.print_plan, name="print"),
]
