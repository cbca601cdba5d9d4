"""Access rules of the advocacy views and API (see __init__.py)."""

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

CASE_STAFF = frozenset({Role.CASEWORKER, Role.COORDINATOR})
ANALYSTS = frozenset({Role.ANALYST})
ADMINS = frozenset({Role.ADMIN})

EXPECTED: dict = {
    "advocacy:list": ("GET", CASE_STAFF),
    "advocacy:new": ("GET", CASE_STAFF),
    "advocacy:detail": ("GET", CASE_STAFF),
    "advocacy:edit": ("GET", CASE_STAFF),
    "advocacy:step": ("POST", CASE_STAFF),
    "advocacy:reply": ("GET", CASE_STAFF),
    "advocacy:resolution": ("GET", CASE_STAFF),
    "advocacy:outcome": ("GET", CASE_STAFF),
    "advocacy:export": ("GET", CASE_STAFF),
    "advocacy:analysis": ("GET", ANALYSTS),
    "advocacy:mechanisms": ("GET", ADMINS),
    "advocacy:mechanism": ("GET", ADMINS),
    "api:advocacy_mechanisms": ("GET", CASE_STAFF),
    "api:advocacy_communications": ("GET", CASE_STAFF),
    "api:advocacy_create": ("POST", CASE_STAFF),
    "api:advocacy_communication": ("GET", CASE_STAFF),
    "api:advocacy_step": ("POST", CASE_STAFF),
    "api:advocacy_outcomes": ("GET", ANALYSTS),
}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {"communication_id": 999_999, "mechanism_id": 999_999, "export_format": "pdf"}
