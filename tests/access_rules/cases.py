"""Access rules of the cases views and API (see __init__.py)."""

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

CASE_STAFF = frozenset({Role.CASEWORKER, Role.COORDINATOR})
COORDINATORS = frozenset({Role.COORDINATOR})

EXPECTED: dict = {
    "cases:list": ("GET", CASE_STAFF),
    "cases:new": ("GET", CASE_STAFF),
    "cases:search": ("GET", CASE_STAFF),
    "cases:tasks": ("GET", CASE_STAFF),
    "cases:people": ("GET", CASE_STAFF),
    "cases:person": ("GET", CASE_STAFF),
    "cases:person-edit": ("GET", CASE_STAFF),
    "cases:consent-add": ("POST", CASE_STAFF),
    "cases:consent-withdraw": ("POST", CASE_STAFF),
    "cases:account-link": ("POST", CASE_STAFF),
    "cases:account-unlink": ("POST", CASE_STAFF),
    "cases:detail": ("GET", CASE_STAFF),
    "cases:note-add": ("GET", CASE_STAFF),
    "cases:task-add": ("GET", CASE_STAFF),
    "cases:task-done": ("POST", CASE_STAFF),
    "cases:status": ("GET", CASE_STAFF),
    "cases:case-edit": ("GET", CASE_STAFF),
    "cases:case-move": ("GET", CASE_STAFF),
    "cases:compartments": ("GET", COORDINATORS),
    "cases:compartment": ("GET", COORDINATORS),
    "cases:compartment-member-add": ("POST", COORDINATORS),
    "cases:compartment-member-remove": ("POST", COORDINATORS),
    "api:cases_people": ("GET", CASE_STAFF),
    "api:cases_person_create": ("POST", CASE_STAFF),
    "api:cases_person": ("GET", CASE_STAFF),
    "api:cases_list": ("GET", CASE_STAFF),
    "api:cases_open": ("POST", CASE_STAFF),
    "api:cases_case": ("GET", CASE_STAFF),
    "api:cases_note_add": ("POST", CASE_STAFF),
    "api:cases_person_correct": ("PATCH", CASE_STAFF),
    "api:cases_case_correct": ("PATCH", CASE_STAFF),
    "api:cases_case_move": ("POST", CASE_STAFF),
}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {
    "reference": "AEG-1900-99999",
    "person_id": 999_999,
    "consent_id": 999_999,
    "task_id": 999_999,
    "compartment_id": 999_999,
    "member_id": 999_999,
}
