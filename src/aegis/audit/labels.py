"""What the audit page calls each kind of object an entry names, in the reader's language.
The log keeps the code ("case", "support-grant", "user"), which every app passes to
`services.record` as `object_type` or, for a `record.open` entry, as the purpose of the data
key opened; the page had shown those codes in every language. A kind without a label here
is shown as its code (tests/test_audit_object_kinds.py fails on one in the code)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext_lazy

# Each label in a context of its own ("audit object"): "case" or "source" as a kind of
# object in the log, apart from the same English words elsewhere. Written out in full, so
# that makemessages finds every one.
OBJECT_KINDS: dict[str, Any] = {
    # People, cases and what is recorded about them
    "user": pgettext_lazy("audit object", "user"),
    "person": pgettext_lazy("audit object", "person"),
    "case": pgettext_lazy("audit object", "case"),
    "compartment": pgettext_lazy("audit object", "compartment"),
    "incident": pgettext_lazy("audit object", "incident"),
    "act": pgettext_lazy("audit object", "act"),
    "perpetrator": pgettext_lazy("audit object", "perpetrator"),
    "source": pgettext_lazy("audit object", "source"),
    "evidence": pgettext_lazy("audit object", "evidence"),
    "evidence.integrity-failure": pgettext_lazy("audit object", "evidence (integrity failure)"),
    "risk_assessment": pgettext_lazy("audit object", "risk assessment"),
    "risk_checklist_item": pgettext_lazy("audit object", "risk checklist item"),
    "risk_settings": pgettext_lazy("audit object", "risk settings"),
    "safety-plan": pgettext_lazy("audit object", "safety plan"),
    "communication": pgettext_lazy("audit object", "communication"),
    "mechanism": pgettext_lazy("audit object", "mechanism"),
    # Reports from the public form
    "submission": pgettext_lazy("audit object", "public report"),
    "submission-file": pgettext_lazy("audit object", "public report file"),
    "submission-message": pgettext_lazy("audit object", "public report message"),
    "flood": pgettext_lazy("audit object", "flood notice"),
    # Support
    "grant": pgettext_lazy("audit object", "grant"),
    "support-grant": pgettext_lazy("audit object", "grant"),
    "provider": pgettext_lazy("audit object", "provider"),
    "support-provider": pgettext_lazy("audit object", "provider"),
    "support-safe-house": pgettext_lazy("audit object", "safe house address"),
    "referral": pgettext_lazy("audit object", "referral"),
    "support-referral": pgettext_lazy("audit object", "referral"),
    "ledger": pgettext_lazy("audit object", "ledger"),
    # Alerts
    "alert": pgettext_lazy("audit object", "alert"),
    "drill alert": pgettext_lazy("audit object", "drill alert"),
    "alert_rule": pgettext_lazy("audit object", "alert rule"),
    "alert_policy": pgettext_lazy("audit object", "escalation policy"),
    "alert_partner": pgettext_lazy("audit object", "partner organisation for alerts"),
    "alert-partner": pgettext_lazy("audit object", "partner organisation for alerts"),
    "staff-channels": pgettext_lazy("audit object", "staff contact channels"),
    # Monitoring
    "article": pgettext_lazy("audit object", "news article"),
    "monitoring-article": pgettext_lazy("audit object", "news article"),
    "campaign": pgettext_lazy("audit object", "campaign"),
    "monitoring-campaign": pgettext_lazy("audit object", "campaign"),
    "monitoring-fingerprint": pgettext_lazy("audit object", "article fingerprints"),
    "proposal": pgettext_lazy("audit object", "proposal"),
    # Exchange with partners
    "bundle": pgettext_lazy("audit object", "exchange bundle"),
    "exchange": pgettext_lazy("audit object", "received bundle"),
    "quarantine": pgettext_lazy("audit object", "quarantine"),
    "partner": pgettext_lazy("audit object", "partner organisation"),
    # The instance itself
    "records": pgettext_lazy("audit object", "records"),
    "datakey": pgettext_lazy("audit object", "data key"),
    "keypair": pgettext_lazy("audit object", "key pair"),
    "blind-index": pgettext_lazy("audit object", "search index"),
    "vault": pgettext_lazy("audit object", "vault"),
    "apitoken": pgettext_lazy("audit object", "API token"),
    "sessions": pgettext_lazy("audit object", "sessions"),
    "backup": pgettext_lazy("audit object", "backup"),
    "retention": pgettext_lazy("audit object", "retention"),
    "audit": pgettext_lazy("audit object", "audit log"),
    "year": pgettext_lazy("audit object", "year"),
}


def object_kind(code: str) -> Any:
    """The kind's label in the current language; the code itself where it has none."""
    return OBJECT_KINDS.get(code, code)
