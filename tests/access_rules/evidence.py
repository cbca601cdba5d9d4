"""Access rules of the evidence views and API (see __init__.py)."""

import uuid

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

CASE_STAFF = frozenset({Role.CASEWORKER, Role.COORDINATOR})

EXPECTED: dict = {
    "evidence:list": ("GET", CASE_STAFF),
    "evidence:upload": ("GET", CASE_STAFF),
    "evidence:exhibit": ("POST", CASE_STAFF),
    "evidence:detail": ("GET", CASE_STAFF),
    "evidence:download": ("POST", CASE_STAFF),
    "evidence:working-copy": ("POST", CASE_STAFF),
    "evidence:verify": ("POST", CASE_STAFF),
    "api:evidence_items": ("GET", CASE_STAFF),
    "api:evidence_upload": ("POST", CASE_STAFF),
    "api:evidence_item": ("GET", CASE_STAFF),
    "api:evidence_download": ("POST", CASE_STAFF),
    "api:evidence_working_copy": ("POST", CASE_STAFF),
    "api:evidence_verify": ("POST", CASE_STAFF),
    "api:evidence_exhibit": ("POST", CASE_STAFF),
}
# Records that do not exist: allowed roles get 404, everyone else 403.
SAMPLE_KWARGS: dict = {"reference": "AEG-1999-99999", "item_id": uuid.UUID(int=7)}
