from django.urls import path

from . import grant_views, ledger_views, views

app_name = "support"
urlpatterns = [
    path("providers/", views.providers, name="providers"),
    path("providers/new/", views.provider_new, name="provider-new"),
    path("providers/<int:provider_id>/", views.provider, name="provider"),
    path(
        "providers/<int:provider_id>/references/",
        views.provider_reference,
        name="provider-reference",
    ),
    path("providers/<int:provider_id>/edit/", views.provider_edit, name="provider-edit"),
    path("providers/<int:provider_id>/vet/", views.provider_vet, name="provider-vet"),
    path(
        "providers/<int:provider_id>/availability/",
        views.provider_availability,
        name="provider-availability",
    ),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/new/", views.referral_new, name="referral-new"),
    path("referrals/<int:referral_id>/", views.referral, name="referral"),
    path("referrals/<int:referral_id>/move/", views.referral_move, name="referral-move"),
    path("referrals/<int:referral_id>/renew/", views.referral_renew, name="referral-renew"),
    path("grants/", grant_views.grants, name="grants"),
    path("grants/new/", grant_views.grant_new, name="grant-new"),
    path("grants/<int:grant_id>/", grant_views.grant, name="grant"),
    path("grants/<int:grant_id>/diligence/", grant_views.grant_diligence, name="grant-diligence"),
    path("grants/<int:grant_id>/approve/", grant_views.grant_approve, name="grant-approve"),
    path("grants/<int:grant_id>/reject/", grant_views.grant_reject, name="grant-reject"),
    path("grants/<int:grant_id>/withdraw/", grant_views.grant_withdraw, name="grant-withdraw"),
    path("grants/<int:grant_id>/disburse/", grant_views.grant_disburse, name="grant-disburse"),
    path(
        "grants/<int:grant_id>/tranches/<int:tranche>/receipt/",
        grant_views.grant_receipt,
        name="grant-receipt",
    ),
    path("grants/<int:grant_id>/return/", grant_views.grant_return, name="grant-return"),
    path("grants/<int:grant_id>/report/", grant_views.grant_report, name="grant-report"),
    path("grants/<int:grant_id>/close/", grant_views.grant_close, name="grant-close"),
    path("summary/", ledger_views.summary, name="summary"),
    path("ledger/", ledger_views.ledger_page, name="ledger"),
    path("ledger/export.csv", ledger_views.ledger_export, name="ledger-export"),
    path("ledger/checkpoints/", ledger_views.ledger_checkpoint_take, name="ledger-checkpoint-take"),
]
