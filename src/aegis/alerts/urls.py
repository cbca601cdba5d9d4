"""Included at the root: the acknowledgement link lives at /ack/<token>/ (DESIGN.md)."""

from django.urls import path

from . import checkin_views, policy_views, views

app_name = "alerts"
urlpatterns = [
    path("alerts/", views.console, name="console"),
    path("alerts/panic/", views.panic, name="panic"),
    path("alerts/check-in/", checkin_views.checkin, name="checkin"),
    path("alerts/people/<int:person_id>/raise/", views.manual, name="manual"),
    path("alerts/<int:alert_id>/", views.detail, name="detail"),
    path("alerts/<int:alert_id>/resolve/", views.resolve, name="resolve"),
    path("alerts/<int:alert_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("alerts/<int:alert_id>/notes/", views.note_add, name="note-add"),
    path("alerts/history/", views.history, name="history"),
    path("alerts/<int:alert_id>/drill-report/", views.drill_report, name="drill_report"),
    path("ack/<str:token>/", views.ack, name="ack"),
    path("alerts/policies/", policy_views.policy_list, name="policies"),
    path("alerts/policies/level/<str:risk_level>/", policy_views.level_policy, name="level-policy"),
    path("alerts/policies/case/<str:reference>/", policy_views.case_policy, name="case-policy"),
    path(
        "alerts/policies/case/<str:reference>/remove/",
        policy_views.case_policy_remove,
        name="case-policy-remove",
    ),
    path("alerts/partners/", policy_views.partner_list, name="partners"),
    path(
        "alerts/partners/<int:partner_id>/active/",
        policy_views.partner_active,
        name="partner-active",
    ),
    path("alerts/rules/", policy_views.rule_list, name="rules"),
    path("alerts/rules/new/", policy_views.rule_new, name="rule-new"),
    path("alerts/rules/<int:rule_id>/active/", policy_views.rule_active, name="rule-active"),
]
