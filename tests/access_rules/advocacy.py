"""Access rules of the advocacy views and API (see __init__.py)."""

from aegis.roles import Role  # noqa: F401

from .core import ALL, PUBLIC  # noqa: F401

EXPECTED: dict = {}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {}
