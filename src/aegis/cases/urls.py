from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("search/", views.search, name="search"),
    path("tasks/", views.tasks, name="tasks"),
    path("people/", views.people, name="people"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:person_id>/consents/", views.consent_add, name="consent-add"),
    path("people/<int:person_id>/account/", views.account_link, name="account-link"),
    path("people/<int:person_id>/account/unlink/", views.account_unlink, name="account-unlink"),
    path(
        "people/<int:person_id>/consents/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent-withdraw",
    ),
    path("compartments/", views.compartments, name="compartments"),
    path("compartments/<int:compartment_id>/", views.compartment_detail, name="compartment"),
    path(
        "compartments/<int:compartment_id>/members/",
        views.member_add,
        name="compartment-member-add",
    ),
    path(
        "compartments/<int:compartment_id>/members/<int:member_id>/remove/",
        views.member_remove,
        name="compartment-member-remove",
    ),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/edit/", views.case_edit, name="case-edit"),
    path("<str:reference>/move/", views.case_move, name="case-move"),
    path("<str:reference>/notes/", views.note_add, name="note-add"),
    path("<str:reference>/tasks/", views.task_add, name="task-add"),
    path("<str:reference>/tasks/<int:task_id>/done/", views.task_done, name="task-done"),
    path("<str:reference>/status/", views.status_change, name="status"),
]
