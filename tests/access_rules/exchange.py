"""Access rules of the exchange views and API (see __init__.py)."""

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

CASE_STAFF = frozenset({Role.CASEWORKER, Role.COORDINATOR})
COORDINATORS = frozenset({Role.COORDINATOR})

EXPECTED: dict = {
    "exchange:home": ("GET", CASE_STAFF),
    "exchange:public-key": ("GET", CASE_STAFF),
    "exchange:partner-add": ("GET", COORDINATORS),
    "exchange:partner": ("GET", CASE_STAFF),
    "exchange:partner-rotate": ("POST", COORDINATORS),
    "exchange:partner-vet": ("POST", COORDINATORS),
    "exchange:export": ("GET", CASE_STAFF),
    "exchange:import": ("GET", CASE_STAFF),
    "exchange:received": ("GET", CASE_STAFF),
    "exchange:item": ("GET", CASE_STAFF),
    "api:exchange_identity": ("GET", CASE_STAFF),
    "api:exchange_partners": ("GET", CASE_STAFF),
    "api:exchange_quarantine": ("GET", CASE_STAFF),
}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {"partner_id": 999999, "received_id": 999999, "quarantined_id": 999999}
