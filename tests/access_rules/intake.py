"""Access rules of the intake views (see __init__.py): the public form, follow-up and API are
open to anyone; triage is for case staff (and, inside, for members of the intake team)."""

import uuid

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

CASE_STAFF = frozenset({Role.CASEWORKER, Role.COORDINATOR})

EXPECTED: dict = {
    "intake:report": ("GET", PUBLIC),
    "intake:follow-up": ("GET", PUBLIC),
    "intake:triage": ("GET", CASE_STAFF),
    "intake:submission": ("GET", CASE_STAFF),
    "intake:reply": ("POST", CASE_STAFF),
    "intake:mark": ("POST", CASE_STAFF),
    "intake:convert": ("GET", CASE_STAFF),
    "intake:file": ("GET", CASE_STAFF),
    "intake:file-evidence": ("POST", CASE_STAFF),
    "api:intake_submit": ("POST", PUBLIC),
    "api:intake_follow_up": ("POST", PUBLIC),
    "api:intake_follow_up_message": ("POST", PUBLIC),
}
SAMPLE_KWARGS: dict = {
    "submission_id": uuid.UUID(int=7),
    "submission_file_id": 7,
}
