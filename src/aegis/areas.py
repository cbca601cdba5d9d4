"""The areas of Aegis shown on the dashboard, and who may use each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Who reads what the demo sent: the case staff, who hold the safety plans whose emergency
# contacts the messages go to. Not the responder nor the administrator: the contacts and their
# acknowledgement links are the plan's (a walk as every role had found them on this page).
DEMO_MAIL_PERMISSIONS = ("view_cases",)


@dataclass(frozen=True)
class Area:
    title: Any
    summary: Any
    permission: str
    url_name: str | None = None  # None: not yet available on this instance
    also: tuple[str, ...] = ()  # other permissions that open it as well
    shown: Callable[[], bool] | None = None  # None: always; else only while this says so


AREAS = [
    Area(
        _("Audit log"),
        _("Who did what and when, and a check that nothing was altered."),
        "view_audit_log",
        "audit:log",
    ),
    Area(
        _("People and roles"),
        _("Create accounts and give each person one role."),
        "manage_users",
        "accounts:users",
    ),
    # A defender's own areas come first on the phone's one-line menu and on the dashboard.
    Area(
        _("Ask for help now"),
        _("One button that alerts your protection team and your emergency contacts."),
        "view_own_case",
        "alerts:panic",
    ),
    Area(
        _("My protection"),
        _("Your safety plan: whom to call, what to do, what to carry."),
        "view_own_case",
        "safety:mine",
    ),
    Area(
        _("Check in"),
        _("Tell your team you are safe, and see when your next check-in is due."),
        "view_own_case",
        "alerts:checkin",
    ),
    Area(
        _("API tokens"),
        _("Personal tokens for scripts and the mobile client."),
        "use_dashboard",
        "accounts:tokens",
    ),
    Area(
        _("Cases"),
        _("Defenders, cases, notes, tasks and consent, in your compartments."),
        "view_cases",
        "cases:list",
    ),
    Area(
        _("Incoming reports"),
        _("Confidential reports from the public form: reply, triage, open cases."),
        "view_cases",
        "intake:triage",
    ),
    Area(
        _("Incidents"),
        _("What happened, to whom, by whom; sources and verification."),
        "view_cases",
        "incidents:list",
    ),
    Area(
        _("Risk"),
        _("Risk levels, reviews that are due, levels that rose, patterns of attacks."),
        "view_cases",
        "risk:dashboard",
    ),
    Area(
        _("Search"),
        _("Find people and cases by exact name, phone or reference number."),
        "view_cases",
        "cases:search",
    ),
    Area(
        _("Alerts"),
        _("Open alerts, who acknowledged them, failures to follow up, and past alerts."),
        "respond_to_alerts",
        "alerts:console",
    ),
    Area(
        _("Compartments"),
        _("Who may open which cases: create compartments, add and remove members."),
        "coordinate",
        "cases:compartments",
    ),
    Area(
        _("Search access"),
        _("Give the search key to caseworkers and coordinators who are waiting for it."),
        "coordinate",
        "accounts:search-access",
    ),
    Area(
        _("Escalation policies"),
        _("Who each alert reaches and how fast; partner organisations; rules that raise alerts."),
        "coordinate",
        "alerts:policies",
    ),
    Area(
        _("Risk analysis"),
        _("Risk levels and attack patterns by region and sector, without identities."),
        "view_analytics",
        "risk:analysis",
    ),
    Area(
        _("Risk settings"),
        _("Risk level thresholds, review intervals and the vulnerability checklist."),
        "manage_settings",
        "risk:settings",
    ),
    Area(
        _("Demo mail"),
        _("The email this demo sent, caught on this machine: open an acknowledgement link."),
        DEMO_MAIL_PERMISSIONS[0],
        "demo_mail",
        also=DEMO_MAIL_PERMISSIONS[1:],
        shown=lambda: bool(settings.AEGIS_DEMO_MAIL_DIR),  # only `aegis demo` catches mail
    ),
    Area(
        _("Retention and backups"),
        _("How long each kind of record is kept, and whether the scheduled backups run."),
        "manage_settings",
        "retention:settings",
    ),
    Area(
        _("Expiry and legal holds"),
        _("Records about to expire, and the legal holds that keep a case."),
        "coordinate",
        "retention:expiring",
    ),
    Area(
        _("Support network"),
        _("Vetted providers, referrals with consent, emergency grants and relocation."),
        "view_cases",
        "support:providers",
    ),
    Area(
        _("Grant programme"),
        _("Grants counted and summed by type, month and country, without identities."),
        "coordinate",
        "support:summary",
    ),
    Area(
        _("Grant ledger"),
        _("Every money movement, chained like the audit log; amounts without identities."),
        "view_audit_log",
        "support:ledger",
    ),
    Area(
        _("Communications to mechanisms"),
        _("Appeals and requests to UN and regional mechanisms, tracked to the State's reply."),
        "view_cases",
        "advocacy:list",
    ),
    Area(
        _("Mechanism outcomes"),
        _("Communications sent, answered and what changed, by mechanism, without names."),
        "view_analytics",
        "advocacy:analysis",
    ),
    Area(
        _("Mechanisms"),
        _("UN and regional mechanisms: channels, languages, consent rules, reply periods."),
        "manage_settings",
        "advocacy:mechanisms",
    ),
    Area(
        _("Partner exchange"),
        _("Encrypted, signed bundles to and from partner organisations, with consent."),
        "view_cases",
        "exchange:home",
    ),
    Area(
        _("Statistics"),
        _("Counts by year, place, violation and sector; alert response times; the annual report."),
        "view_analytics",
        "reports:dashboard",
        also=("coordinate",),
    ),
    Area(
        _("News monitoring"),
        _("Sources the worker reads, incidents it proposes from the news, smear campaigns."),
        "view_analytics",
        "monitoring:queue",
    ),
    Area(
        _("Smear campaigns"),
        _("Campaigns against defenders and organisations; news articles for your incidents."),
        "view_cases",
        "monitoring:campaigns",
    ),
]


def areas_for(user: Any) -> list[Area]:
    return [
        a
        for a in AREAS
        if any(user.has_perm(f"accounts.{p}") for p in (a.permission, *a.also))
        and (a.shown is None or a.shown())
    ]


def menu(request: Any) -> dict[str, Any]:
    """Context processor: the site-wide menu, the areas this person's role may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    # Until the authenticator is set up, or the new password chosen, every other page sends
    # the person back to that form (accounts' FirstSignInMiddleware): no link offers one.
    if user.must_enrol or user.must_change_password:
        return {"menu": [], "setup_pending": "enrol" if user.must_enrol else "password"}
    return {"menu": [a for a in areas_for(user) if a.url_name]}
