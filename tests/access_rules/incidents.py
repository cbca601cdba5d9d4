"""Access rules of the incidents views and API (see __init__.py)."""

from aegis.roles import Role

from .core import ALL, PUBLIC  # noqa: F401

CASE_TEAM = frozenset({Role.CASEWORKER, Role.COORDINATOR})

EXPECTED: dict = {
    "incidents:list": ("GET", CASE_TEAM),
    "incidents:new": ("GET", CASE_TEAM),
    "incidents:detail": ("GET", CASE_TEAM),
    "incidents:edit": ("GET", CASE_TEAM),
    "incidents:act-add": ("GET", CASE_TEAM),
    "incidents:source-add": ("GET", CASE_TEAM),
    "incidents:perpetrator-add": ("GET", CASE_TEAM),
    "incidents:link-add": ("GET", CASE_TEAM),
    "incidents:act-edit": ("GET", CASE_TEAM),
    "incidents:source-edit": ("GET", CASE_TEAM),
    "incidents:perpetrator-edit": ("GET", CASE_TEAM),
    "incidents:verify": ("POST", CASE_TEAM),
    "api:list_incidents": ("GET", CASE_TEAM),
    "api:create_incident": ("POST", CASE_TEAM),
    "api:create_perpetrator": ("POST", CASE_TEAM),
    "api:get_incident": ("GET", CASE_TEAM),
    "api:add_act": ("POST", CASE_TEAM),
    "api:add_source": ("POST", CASE_TEAM),
    "api:link_incidents": ("POST", CASE_TEAM),
    "api:set_verification": ("POST", CASE_TEAM),
}
SAMPLE_KWARGS: dict = {
    "incident_ref": "INC-1999-99999",
    "act_id": 999_999,
    "source_id": 999_999,
    "perpetrator_id": 999_999,
}
