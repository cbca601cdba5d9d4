"""Access rules of the safety views and API (see __init__.py)."""

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

CASE_STAFF = frozenset({Role.CASEWORKER, Role.COORDINATOR})
DEFENDERS = frozenset({Role.DEFENDER})

EXPECTED: dict = {
    "safety:plan": ("GET", CASE_STAFF),
    "safety:edit": ("GET", CASE_STAFF),
    "safety:versions": ("GET", CASE_STAFF),
    "safety:version": ("GET", CASE_STAFF),
    "safety:print": ("GET", CASE_STAFF),
    "safety:mine": ("GET", DEFENDERS),
    "safety:mine-print": ("GET", DEFENDERS),
    "api:safety_plan": ("GET", CASE_STAFF),
    "api:safety_plan_save": ("POST", CASE_STAFF),
    "api:safety_versions": ("GET", CASE_STAFF),
    "api:safety_version": ("GET", CASE_STAFF),
    "api:safety_mine": ("GET", DEFENDERS),
}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {"person_id": 999_999, "plan_version": 999_999}
