"""Access rules of the alert views and API (see __init__.py)."""

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

CASE_TEAM = frozenset({Role.CASEWORKER, Role.COORDINATOR})
RESPONDERS = frozenset({Role.RESPONDER, Role.COORDINATOR})
DEFENDERS = frozenset({Role.DEFENDER})
COORDINATORS = frozenset({Role.COORDINATOR})

EXPECTED: dict = {
    "alerts:console": ("GET", RESPONDERS),
    "alerts:detail": ("GET", RESPONDERS | CASE_TEAM),
    "alerts:acknowledge": ("POST", RESPONDERS),
    "alerts:note-add": ("POST", RESPONDERS),
    "alerts:resolve": ("POST", RESPONDERS),
    "alerts:panic": ("GET", DEFENDERS),
    "alerts:manual": ("POST", CASE_TEAM),
    "alerts:ack": ("GET", PUBLIC),
    "api:alerts_panic": ("POST", DEFENDERS),
    "api:alerts_open": ("GET", RESPONDERS),
    "alerts:history": ("GET", RESPONDERS),
    "alerts:drill_report": ("GET", RESPONDERS),
    "api:alerts_history": ("GET", RESPONDERS),
    "alerts:policies": ("GET", COORDINATORS),
    "alerts:level-policy": ("GET", COORDINATORS),
    "alerts:case-policy": ("GET", COORDINATORS),
    "alerts:case-policy-remove": ("POST", COORDINATORS),
    "alerts:partners": ("GET", COORDINATORS),
    "alerts:partner-active": ("POST", COORDINATORS),
    "alerts:rules": ("GET", COORDINATORS),
    "alerts:rule-new": ("GET", COORDINATORS),
    "alerts:rule-active": ("POST", COORDINATORS),
    "alerts:checkin": ("GET", DEFENDERS),
    # The SMS gateway's webhooks answer to its shared secret, never to a role's token.
    "api:alerts_gateway_inbound": ("POST", frozenset()),
    "api:alerts_gateway_report": ("POST", frozenset()),
}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {
    "alert_id": 999_999,
    "token": "not-a-valid-token",
    "risk_level": "extreme",
    "partner_id": 999_999,
    "rule_id": 999_999,
}
