"""Access rules of the foundation's views: name → (method, roles allowed or PUBLIC)."""

import uuid

from aegis.roles import Role

ALL = frozenset(Role)
PUBLIC = "public"

# name: (method, who may use it)
EXPECTED: dict[str, tuple[str, frozenset[Role] | str]] = {
    "dashboard": ("GET", ALL),
    "healthz": ("GET", PUBLIC),
    "favicon": ("GET", PUBLIC),
    # Only while `aegis demo` catches mail (404 otherwise): the case staff, who hold the
    # safety plans whose contacts the messages go to.
    "demo_mail": ("GET", frozenset({Role.CASEWORKER, Role.COORDINATOR})),
    "set_language": ("POST", PUBLIC),
    "accounts:login": ("GET", PUBLIC),
    "accounts:logout": ("GET", PUBLIC),
    "accounts:password": ("GET", ALL),
    "accounts:tokens": ("GET", ALL),
    "accounts:token-revoke": ("POST", ALL),
    "accounts:users": ("GET", frozenset({Role.ADMIN})),
    "accounts:user-create": ("GET", frozenset({Role.ADMIN})),
    "accounts:user": ("GET", frozenset({Role.ADMIN})),
    "accounts:user-action": ("POST", frozenset({Role.ADMIN})),
    "accounts:user-role": ("GET", frozenset({Role.ADMIN})),
    "accounts:enrol": ("GET", PUBLIC),
    "accounts:user-contact": ("GET", frozenset({Role.ADMIN})),
    "accounts:contact": ("GET", ALL),
    "accounts:search-access": ("GET", frozenset({Role.COORDINATOR})),
    "accounts:search-access-grant": ("POST", frozenset({Role.COORDINATOR})),
    "audit:log": ("GET", frozenset({Role.AUDITOR})),
    "audit:check": ("POST", frozenset({Role.AUDITOR})),
    "audit:checkpoint-take": ("POST", frozenset({Role.AUDITOR})),
    "audit:checkpoint-statement": ("GET", frozenset({Role.AUDITOR})),
    "audit:checkpoint-signature": ("GET", frozenset({Role.AUDITOR})),
    "audit:public-key": ("GET", frozenset({Role.AUDITOR})),
    "api:openapi-json": ("GET", PUBLIC),
    "api:openapi-view": ("GET", PUBLIC),
    "api:api-root": ("GET", PUBLIC),
    "api:me": ("GET", ALL),
    "api:list_tokens": ("GET", ALL),
    "api:revoke_token": ("DELETE", ALL),
}
SAMPLE_KWARGS = {
    "token_id": uuid.UUID(int=1),
    "user_id": 999_999,
    "checkpoint_id": 1,
    "action": "deactivate",
}
