"""Access rules of the retention views and API (see __init__.py)."""

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

ADMINS = frozenset({Role.ADMIN})
COORDINATORS = frozenset({Role.COORDINATOR})

EXPECTED: dict = {
    "retention:settings": ("GET", ADMINS),
    "retention:expiring": ("GET", COORDINATORS),
    "retention:holds": ("GET", COORDINATORS),
    "retention:hold-new": ("GET", COORDINATORS),
    "retention:hold-lift": ("GET", COORDINATORS),
}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {"hold_id": 999_999}
