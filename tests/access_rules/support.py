"""Access rules of the support views and API (see __init__.py)."""

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

CASE_STAFF = frozenset({Role.CASEWORKER, Role.COORDINATOR})
COORDINATORS = frozenset({Role.COORDINATOR})
AUDITORS = frozenset({Role.AUDITOR})

EXPECTED: dict = {
    "support:providers": ("GET", CASE_STAFF),
    "support:provider-new": ("GET", CASE_STAFF),
    "support:provider": ("GET", CASE_STAFF),
    "support:provider-reference": ("POST", CASE_STAFF),
    "support:provider-edit": ("GET", CASE_STAFF),
    "support:provider-vet": ("POST", COORDINATORS),
    "support:provider-availability": ("POST", CASE_STAFF),
    "support:referrals": ("GET", CASE_STAFF),
    "support:referral-new": ("GET", CASE_STAFF),
    "support:referral": ("GET", CASE_STAFF),
    "support:referral-move": ("POST", CASE_STAFF),
    "support:referral-renew": ("POST", CASE_STAFF),
    "support:grants": ("GET", CASE_STAFF),
    "support:grant-new": ("GET", CASE_STAFF),
    "support:grant": ("GET", CASE_STAFF),
    "support:grant-diligence": ("POST", CASE_STAFF),
    "support:grant-approve": ("POST", COORDINATORS),
    "support:grant-reject": ("POST", COORDINATORS),
    "support:grant-withdraw": ("POST", CASE_STAFF),
    "support:grant-disburse": ("POST", COORDINATORS),
    "support:grant-return": ("POST", COORDINATORS),
    "support:grant-receipt": ("POST", CASE_STAFF),
    "support:grant-report": ("POST", CASE_STAFF),
    "support:grant-close": ("POST", COORDINATORS),
    "support:summary": ("GET", COORDINATORS),
    "support:ledger": ("GET", AUDITORS),
    "support:ledger-export": ("GET", AUDITORS),
    "support:ledger-checkpoint-take": ("POST", AUDITORS),
    "api:support_providers": ("GET", CASE_STAFF),
    "api:support_provider_create": ("POST", CASE_STAFF),
    "api:support_provider": ("GET", CASE_STAFF),
    "api:support_provider_reference": ("POST", CASE_STAFF),
    "api:support_provider_vet": ("POST", COORDINATORS),
    "api:support_referrals": ("GET", CASE_STAFF),
    "api:support_referral_create": ("POST", CASE_STAFF),
    "api:support_referral": ("GET", CASE_STAFF),
    "api:support_referral_move": ("POST", CASE_STAFF),
    "api:support_referral_renew": ("POST", CASE_STAFF),
    "api:support_grants": ("GET", CASE_STAFF),
    "api:support_grant_create": ("POST", CASE_STAFF),
    "api:support_grant": ("GET", CASE_STAFF),
    "api:support_grant_diligence": ("POST", CASE_STAFF),
    "api:support_grant_approve": ("POST", COORDINATORS),
    "api:support_grant_reject": ("POST", COORDINATORS),
    "api:support_grant_withdraw": ("POST", CASE_STAFF),
    "api:support_grant_disburse": ("POST", COORDINATORS),
    "api:support_grant_return": ("POST", COORDINATORS),
    "api:support_grant_report": ("POST", CASE_STAFF),
    "api:support_grant_close": ("POST", COORDINATORS),
    "api:support_ledger": ("GET", AUDITORS),
    "api:support_summary": ("GET", COORDINATORS),
}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {
    "provider_id": 999_999,
    "referral_id": 999_999,
    "grant_id": 999_999,
    "tranche": 1,
}
