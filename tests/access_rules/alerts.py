"""Access rules of the alert views and API (see __init__.py)."""

from aegis.accounts.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

CASE_TEAM = frozenset({Role.CASEWORKER, Role.COORDINATOR})
RESPONDERS = frozenset({Role.RESPONDER, Role.COORDINATOR})
DEFENDERS = frozenset({Role.DEFENDER})

EXPECTED: dict = {
    "alerts:console": ("GET", RESPONDERS),
    "alerts:detail": ("GET", RESPONDERS),
    "alerts:resolve": ("POST", RESPONDERS),
    "alerts:panic": ("GET", DEFENDERS),
    "alerts:manual": ("POST", CASE_TEAM),
    "alerts:ack": ("GET", PUBLIC),
    "api:alerts_panic": ("POST", DEFENDERS),
    "api:alerts_open": ("GET", RESPONDERS),
}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {"alert_id": 999_999, "token": "not-a-valid-token"}
