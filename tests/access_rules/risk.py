"""Access rules of the risk views and API (see __init__.py)."""

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

CASE_TEAM = frozenset({Role.CASEWORKER, Role.COORDINATOR})
ANALYSTS = frozenset({Role.ANALYST})
ADMINS = frozenset({Role.ADMIN})

EXPECTED: dict = {
    "risk:dashboard": ("GET", CASE_TEAM),
    "risk:analysis": ("GET", ANALYSTS),
    "risk:settings": ("GET", ADMINS),
    "risk:checklist-new": ("GET", ADMINS),
    "risk:checklist-edit": ("GET", ADMINS),
    "risk:case": ("GET", CASE_TEAM),
    "risk:new": ("GET", CASE_TEAM),
    "risk:compare": ("GET", CASE_TEAM),
    "risk:detail": ("GET", CASE_TEAM),
    "api:risk_checklist": ("GET", CASE_TEAM),
    "api:list_risk_assessments": ("GET", CASE_TEAM),
    "api:create_risk_assessment": ("POST", CASE_TEAM),
    "api:get_risk_assessment": ("GET", CASE_TEAM),
    "api:list_risk_findings": ("GET", CASE_TEAM),
    "api:risk_dashboard": ("GET", CASE_TEAM),
    "api:risk_analysis": ("GET", ANALYSTS),
}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {"number": 999_999, "checklist_item_id": 999_999}
