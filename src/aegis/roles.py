"""The roles of DESIGN.md, as Django groups holding permissions."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    DEFENDER = "defender"
    CASEWORKER = "caseworker"
    RESPONDER = "responder"
    COORDINATOR = "coordinator"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.DEFENDER: _("Defender"),
    Role.CASEWORKER: _("Caseworker"),
    Role.RESPONDER: _("Responder"),
    Role.COORDINATOR: _("Coordinator"),
    Role.ANALYST: _("Analyst"),
    Role.AUDITOR: _("Auditor"),
    Role.ADMIN: _("Administrator"),
}

# Permission codenames (declared on accounts.User) held by each role. Separation of duties:
# the administrator manages people and settings but holds nothing that opens case contents.
ROLE_PERMISSIONS: dict[Role, set[str]] = {
    Role.DEFENDER: {"use_dashboard", "view_own_case"},
    Role.CASEWORKER: {"use_dashboard", "view_cases"},
    Role.RESPONDER: {"use_dashboard", "respond_to_alerts"},
    Role.COORDINATOR: {"use_dashboard", "view_cases", "respond_to_alerts", "coordinate"},
    Role.ANALYST: {"use_dashboard", "view_analytics"},
    Role.AUDITOR: {"use_dashboard", "view_audit_log"},
    Role.ADMIN: {"use_dashboard", "manage_users", "manage_settings"},
}

# Roles with this permission store and look up names and phones, so they need the search key.
SEARCH_KEY_PERMISSION = "view_cases"


def needs_search_key(role: Role | None) -> bool:
    return role is not None and SEARCH_KEY_PERMISSION in ROLE_PERMISSIONS[role]


PERMISSIONS: list[tuple[str, str | Any]] = [
    ("use_dashboard", "Sign in and see the dashboard"),
    ("view_own_case", "See one's own case and safety plan"),
    ("view_cases", "Open cases in one's compartments"),
    ("respond_to_alerts", "Receive and acknowledge alerts"),
    ("coordinate", "Approve grants, escalations, appeals and compartments"),
    ("view_analytics", "Read coded, non-identifying data and public reports"),
    ("view_audit_log", "Read the audit log and run integrity checks"),
    ("manage_users", "Create users and assign roles"),
    ("manage_settings", "Change organisation settings"),
]
