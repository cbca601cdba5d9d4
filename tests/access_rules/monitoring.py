"""Access rules of the monitoring views and API (see __init__.py)."""

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

ANALYSTS = frozenset({Role.ANALYST})
CASE_TEAM = frozenset({Role.CASEWORKER, Role.COORDINATOR})
READERS = ANALYSTS | CASE_TEAM

EXPECTED: dict = {
    "monitoring:queue": ("GET", ANALYSTS),
    "monitoring:proposal": ("GET", ANALYSTS),
    "monitoring:edit": ("POST", ANALYSTS),
    "monitoring:accept": ("POST", ANALYSTS),
    "monitoring:merge": ("POST", ANALYSTS),
    "monitoring:reject": ("POST", ANALYSTS),
    "monitoring:merged": ("GET", CASE_TEAM),
    "monitoring:add-merged": ("POST", CASE_TEAM),
    "monitoring:sources": ("GET", ANALYSTS),
    "monitoring:source": ("GET", ANALYSTS),
    "monitoring:source-poll": ("POST", ANALYSTS),
    "monitoring:paste": ("GET", ANALYSTS),
    "monitoring:upload": ("GET", ANALYSTS),
    "monitoring:campaigns": ("GET", READERS),
    "monitoring:campaign-new": ("GET", READERS),
    "monitoring:campaign": ("GET", READERS),
    "monitoring:campaign-edit": ("GET", READERS),
    "api:monitoring_sources": ("GET", ANALYSTS),
    "api:monitoring_source_add": ("POST", ANALYSTS),
    "api:monitoring_proposals": ("GET", ANALYSTS),
    "api:monitoring_proposal": ("GET", ANALYSTS),
    "api:monitoring_proposal_reject": ("POST", ANALYSTS),
    "api:monitoring_article_add": ("POST", ANALYSTS),
}
# Records that do not exist: allowed roles get 404, the others 403.
SAMPLE_KWARGS: dict = {"proposal_id": 999_999, "source_id": 999_999, "campaign_id": 999_999}
