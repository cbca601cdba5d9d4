"""Access rules of the risk views (see __init__.py)."""

from aegis.accounts.roles import Role  # noqa: F401

from .core import ALL, PUBLIC  # noqa: F401

EXPECTED: dict = {}
SAMPLE_KWARGS: dict = {}
