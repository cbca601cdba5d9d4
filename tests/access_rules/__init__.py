"""The hand-written role matrix, one module per app. Each module defines EXPECTED
(url name → (HTTP method, frozenset of roles or PUBLIC)) and SAMPLE_KWARGS (URL kwarg →
sample value, for a record that does not exist: allowed roles then get 404, others 403)."""

from . import (
    advocacy,
    alerts,
    cases,
    core,
    evidence,
    exchange,
    incidents,
    intake,
    monitoring,
    reports,
    retention,
    risk,
    safety,
    support,
)

PUBLIC = core.PUBLIC
ALL = core.ALL
EXPECTED = {}
SAMPLE_KWARGS = {}
for _module in (
    core,
    cases,
    incidents,
    evidence,
    intake,
    risk,
    safety,
    alerts,
    support,
    advocacy,
    reports,
    exchange,
    monitoring,
    retention,
):
    EXPECTED.update(_module.EXPECTED)
    SAMPLE_KWARGS.update(_module.SAMPLE_KWARGS)
