"""Access rules of the reports views and API (see __init__.py)."""

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

STATISTICS_STAFF = frozenset({Role.ANALYST, Role.COORDINATOR})
COORDINATORS = frozenset({Role.COORDINATOR})

EXPECTED: dict = {
    "reports:public": ("GET", PUBLIC),
    "reports:chart": ("GET", PUBLIC),
    "reports:map": ("GET", PUBLIC),
    "reports:data-csv": ("GET", PUBLIC),
    "reports:data-json": ("GET", PUBLIC),
    "reports:codebook": ("GET", PUBLIC),
    "reports:methods": ("GET", PUBLIC),
    "reports:dashboard": ("GET", STATISTICS_STAFF),
    "reports:annual": ("GET", COORDINATORS),
    "reports:annual-html": ("GET", COORDINATORS),
    "reports:annual-pdf": ("GET", COORDINATORS),
}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {"slug": "no-such-table", "year": 2026}
