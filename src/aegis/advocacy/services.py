"""Writes for communications to mechanisms: each checks its input first, writes in one
transaction, and records one audit entry without content.

The tracking moves along TRANSITIONS; a communication is sent only after a second person
reviewed it and only with every element its mechanism requires (checks.py). The reply
deadline is the sent date, or later the date the mechanism transmitted it to the State, plus
the mechanism's reply period (an administrator's setting)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, rules
from aegis.audit import services as audit
from aegis.cases.models import Case
from aegis.incidents.models import Incident
from aegis.rules import Conflict, NotAllowed, RuleError
from aegis.vault import services as vault

from . import builder, checks
from .models import (
    Communication,
    CommunicationOutcome,
    Event,
    Mandate,
    Mechanism,
    PrecautionaryResolution,
)
from .vocabulary import (
    AWAITING_REPLY,
    Channel,
    Checks,
    ConsentRule,
    Kind,
    Language,
    Outcome,
    Resolution,
    Status,
    Step,
)

KEY_PURPOSE = "communication"
TEXT_MAX = 20_000
LINE_MAX = 200
S = Status
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.REVIEW: (S.DRAFT,),
    S.SENT: (S.REVIEW,),
    S.ACKNOWLEDGED: (S.SENT,),
    S.TRANSMITTED: (S.SENT, S.ACKNOWLEDGED),
    S.REPLIED: (*AWAITING_REPLY, S.NO_REPLY),
    S.NO_REPLY: AWAITING_REPLY,
    S.PUBLISHED: (*AWAITING_REPLY, S.REPLIED, S.NO_REPLY),
    S.FOLLOW_UP: (S.REPLIED, S.NO_REPLY, S.PUBLISHED, S.FOLLOW_UP),
}
SENT_STATES = tuple(s for s in Status.values if s not in (S.DRAFT, S.REVIEW))
# The State often replies only after the mechanism published the communication (or after a
# follow-up): such a late reply is recorded where the communication stands (record_reply).
LATE_REPLY = (S.PUBLISHED, S.FOLLOW_UP)
MEASURES = (Checks.IACHR, Checks.ECHR_RULE_39)


def _audit(communication: Communication, action: str, actor_id: int | None) -> None:
    audit.record(action, actor_id=actor_id, object_type=KEY_PURPOSE, object_id=communication.pk)


def _move(communication: Communication, to: str, actor_id: int | None, **fields: Any) -> None:
    if communication.status not in TRANSITIONS[to]:
        raise Conflict(
            _("A communication that is “%(now)s” cannot become “%(to)s”.")
            % {"now": communication.get_status_display(), "to": Status(to).label},
            "status",
        )
    for name, value in fields.items():
        setattr(communication, name, value)
    communication.status = to
    _note(communication, to, actor_id)


def _note(
    communication: Communication,
    step: str,
    actor_id: int | None,
    *,
    update_fields: list[str] | None = None,
) -> None:
    """Save the communication as the caller changed it (only `update_fields` where given)
    and record the step in its History, who and when: the state it moved to (`_move`), or a
    `Step` that leaves its state as it is."""
    communication.updated_at = clock.now()
    communication.save(
        update_fields=None if update_fields is None else [*update_fields, "updated_at"]
    )
    Event.objects.create(
        communication=communication, status=step, actor_id=actor_id, at=clock.now()
    )
    _audit(communication, "record.update", actor_id)


@transaction.atomic
def seal_references(communication: Communication) -> None:
    """Seal the mechanism's reference, the publication and the resolutions' numbers of a
    communication kept before they were sealed (in clear, see the model), now that a member
    who opens it does: nothing a reader sees changes, so nothing is logged or audited and it
    keeps its `updated_at`. Read again under a lock and only what is still in clear is
    sealed: a page loaded before another sealed the row and published must not write its
    stale empty publication over the new one."""
    if not communication.references_sealed:
        fresh = Communication.objects.select_for_update().get(pk=communication.pk)
        fields = []
        for name in ("reference", "publication"):
            if legacy := getattr(fresh, f"legacy_{name}"):
                setattr(fresh, name, legacy)  # seals it and empties the legacy column
                fields += [f"{name}_sealed", f"legacy_{name}"]
        if fields:
            fresh.save(update_fields=fields)
        for name in ("reference", "publication"):  # the page's copy as stored now
            for field in (f"{name}_sealed", f"legacy_{name}"):  # no foreign key: attname
                communication.__dict__[field] = fresh.__dict__[field]
    for resolution in communication.resolutions.exclude(legacy_number=""):
        resolution.number = resolution.number
        resolution.save(update_fields=["number_sealed", "legacy_number"])


SENT_LONG_AGO_DAYS = 20 * 365


def _day(
    value: Any, field: str, *, not_before: datetime.date | None = None, after: Any = None
) -> datetime.date:
    """A date given by the person, today when none: never in the future, nor before
    `not_before`, the day of the step it follows (`after` says which, in words; the
    sending by default)."""
    day = value or clock.today()
    if not isinstance(day, datetime.date):
        raise RuleError(_("Give a date."), field)
    if day > clock.today():
        raise RuleError(_("The date cannot be in the future."), field)
    if not_before is not None and day < not_before:
        if after is None:
            raise RuleError(_("The date cannot be before the communication was sent."), field)
        raise RuleError(after % {"date": date_format(not_before, "DATE_FORMAT")}, field)
    return day


def _after_acknowledgement(communication: Communication) -> dict[str, Any]:
    """A transmission to the State follows the mechanism's acknowledgement, where there was
    one (a transmission dated before it had been taken)."""
    if communication.acknowledged_on is None:
        return {"not_before": communication.sent_on}
    return {
        "not_before": communication.acknowledged_on,
        "after": _("The date cannot be before the acknowledgement (%(date)s)."),
    }


def _after_transmission(communication: Communication) -> dict[str, Any]:
    """The State replies once the communication was transmitted to it (a reply dated before
    had been taken)."""
    if communication.transmitted_on is None:
        return {"not_before": communication.sent_on}
    return {
        "not_before": communication.transmitted_on,
        "after": _("The date cannot be before the transmission to the State (%(date)s)."),
    }


def _line(value: Any, field: str, label: Any, *, required: bool = False) -> str:
    text = rules.text(value or "", field, label, limit=LINE_MAX, line=True)
    if required and not text:
        raise RuleError(_("%(label)s: this is required.") % {"label": label}, field)
    return text


# --- Drafting ------------------------------------------------------------------------------


def _check_choices(mechanism: Mechanism, kind: str, language: str) -> None:
    if not mechanism.active:
        raise Conflict(_("This mechanism is not in use on this instance."), "mechanism")
    if kind not in mechanism.kind_list:
        raise Conflict(_("This mechanism does not take this kind of communication."), "kind")
    if language not in mechanism.language_list:
        raise Conflict(_("Choose one of the mechanism's working languages."), "language")


def _check_links(
    case: Case, mechanism: Mechanism, incidents: Iterable[Incident], mandates: Iterable[Mandate]
) -> tuple[list[Incident], list[Mandate]]:
    linked = list(incidents)
    for incident in linked:
        if not incident.cases.filter(pk=case.pk).exists():
            raise RuleError(
                _("Incident %(ref)s is not linked to this case.") % {"ref": incident.reference},
                "incidents",
            )
    chosen = list(mandates)
    if any(m.mechanism_id != mechanism.pk for m in chosen):
        raise RuleError(_("Choose mandates of this mechanism."), "mandates")
    return linked, chosen


def _elements(values: Mapping[str, Any] | None) -> str:
    found: dict[str, Any] = {}
    for key, value in (values or {}).items():
        spec = checks.FIELDS.get(key)
        if spec is None:
            raise RuleError(_("Unknown element of a communication."), key)
        if spec.flag:
            if value:
                found[key] = True
            continue
        text = rules.text(value or "", key, spec.label, limit=TEXT_MAX, line=not spec.lines)
        if text:
            found[key] = text
    return json.dumps(found, ensure_ascii=False, sort_keys=True)


def _narrative(value: Any) -> str:
    return rules.text(value or "", "narrative", gettext_lazy("The narrative"), limit=TEXT_MAX)


def create_communication(
    case: Case,
    *,
    mechanism: Mechanism,
    kind: str,
    language: str,
    actor_id: int | None,
    incidents: Iterable[Incident] = (),
    mandates: Iterable[Mandate] = (),
    narrative: str = "",
    elements: Mapping[str, Any] | None = None,
) -> Communication:
    """A draft in the case's compartment, under its own key sealed to the compartment."""
    rules.choice(kind, Kind, "kind", gettext_lazy("Kind"))
    rules.choice(language, Language, "language", gettext_lazy("Language"))
    _check_choices(mechanism, kind, language)
    linked, chosen = _check_links(case, mechanism, incidents, mandates)
    text, stored = _narrative(narrative), _elements(elements)
    with transaction.atomic():
        communication = Communication.objects.create(
            compartment=case.compartment,
            case=case,
            mechanism=mechanism,
            data_key=vault.new_record_key(case.compartment, KEY_PURPOSE),
            kind=kind,
            language=language,
            narrative=text,
            elements=stored,
            created_by_id=actor_id,
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        communication.incidents.set(linked)
        communication.mandates.set(chosen)
        Event.objects.create(
            communication=communication, status=S.DRAFT, actor_id=actor_id, at=clock.now()
        )
        _audit(communication, "record.create", actor_id)
    return communication


def update_draft(
    communication: Communication,
    *,
    actor_id: int | None,
    narrative: str,
    elements: Mapping[str, Any] | None = None,
    incidents: Iterable[Incident] | None = None,
    language: str | None = None,
) -> Communication:
    """The writer's changes, before it is sent; a change in review asks for a new review."""
    if communication.status not in (S.DRAFT, S.REVIEW):
        raise Conflict(_("A sent communication is kept as it was sent."), "status")
    if language is not None:
        _check_choices(communication.mechanism, communication.kind, language)
        communication.language = language
    text, stored = _narrative(narrative), _elements(elements)
    linked = None
    if incidents is not None:
        linked, _chosen = _check_links(communication.case, communication.mechanism, incidents, ())
    with transaction.atomic():
        communication.narrative = text
        communication.elements = stored
        if communication.reviewed_by_id is not None:
            # The review was of the text as it was: the History says it no longer holds.
            communication.reviewed_by = None
            _note(communication, Step.REVIEW_RESET, actor_id)
        else:
            communication.updated_at = clock.now()
            communication.save()
            _audit(communication, "record.update", actor_id)
        if linked is not None:
            communication.incidents.set(linked)
    return communication


# --- Tracking ------------------------------------------------------------------------------


@transaction.atomic
def submit_for_review(communication: Communication, *, actor_id: int | None) -> None:
    _move(communication, S.REVIEW, actor_id, reviewed_by=None)


@transaction.atomic
def approve(communication: Communication, *, actor_id: int | None) -> None:
    """The internal review: a second person, never the writer."""
    if communication.status != S.REVIEW:
        raise Conflict(_("Only a communication in review can be approved."), "status")
    if actor_id is None or actor_id == communication.created_by_id:
        raise NotAllowed(
            _("The writer cannot review their own communication: ask a colleague."), "status"
        )
    communication.reviewed_by_id = actor_id
    _note(communication, Step.REVIEWED, actor_id, update_fields=["reviewed_by"])


def missing_message(missing: list[checks.Element], dossier: builder.Dossier) -> str:
    return _("It cannot be marked sent yet. Missing: %(elements)s.") % {
        "elements": "; ".join(e.described(dossier) for e in missing)
    }


def refuse_if_incomplete(communication: Communication) -> None:
    dossier = builder.build(communication)
    missing = checks.missing(dossier)
    if missing:
        raise RuleError(missing_message(missing, dossier), missing[0].key)


@transaction.atomic
def mark_sent(
    communication: Communication, *, actor_id: int | None, on: datetime.date | None = None
) -> None:
    if communication.status == S.REVIEW and communication.reviewed_by_id is None:
        raise Conflict(_("A second person must review it before it is sent."), "status")
    if communication.status != S.REVIEW:
        raise Conflict(_("Only a reviewed communication can be marked sent."), "status")
    refuse_if_incomplete(communication)
    day = _day(on, "on")
    if day < clock.today() - datetime.timedelta(days=SENT_LONG_AGO_DAYS):
        # A letter sent before it was entered here is common; a mistyped year ("0001") is
        # not, and would set a reply deadline centuries past.
        raise RuleError(
            _("That is more than %(years)s years ago: check the year.")
            % {"years": SENT_LONG_AGO_DAYS // 365},
            "on",
        )
    due = day + datetime.timedelta(days=communication.mechanism.reply_period_days)
    _move(communication, S.SENT, actor_id, sent_on=day, reply_due_on=due)


@transaction.atomic
def acknowledge(
    communication: Communication,
    *,
    reference: str,
    actor_id: int | None,
    on: datetime.date | None = None,
) -> None:
    ref = _line(reference, "reference", gettext_lazy("The mechanism's reference"), required=True)
    day = _day(on, "on", not_before=communication.sent_on)
    _move(communication, S.ACKNOWLEDGED, actor_id, reference=ref, acknowledged_on=day)


@transaction.atomic
def transmitted(
    communication: Communication, *, actor_id: int | None, on: datetime.date | None = None
) -> None:
    """The mechanism sent it to the State: the reply period counts from this day."""
    day = _day(on, "on", **_after_acknowledgement(communication))
    due = day + datetime.timedelta(days=communication.mechanism.reply_period_days)
    _move(communication, S.TRANSMITTED, actor_id, transmitted_on=day, reply_due_on=due)


@transaction.atomic
def record_reply(
    communication: Communication,
    *,
    reply: str,
    summary: str,
    actor_id: int | None,
    on: datetime.date | None = None,
) -> None:
    text = rules.text(reply or "", "reply", gettext_lazy("The reply"), limit=TEXT_MAX * 5)
    if not text:
        raise RuleError(_("Paste or type the State's reply."), "reply")
    short = rules.text(summary or "", "summary", gettext_lazy("The summary"), limit=TEXT_MAX)
    if not short:
        raise RuleError(_("Summarise the reply in a few lines."), "summary")
    day = _day(on, "on", **_after_transmission(communication))
    fields = {"reply": text, "reply_summary": short, "replied_on": day}
    if communication.status not in LATE_REPLY:
        _move(communication, S.REPLIED, actor_id, **fields)
    else:
        # A late reply leaves the state as it is rather than moving it back to "Reply
        # received": the publication (or follow-up) stays the present state with its next
        # step, and is not offered again as if it had not happened. The History gains a
        # "Reply received" entry (who, when), and the outcome analysis counts the reply by
        # its date, `replied_on`, whatever the state (selectors.outcome_counts).
        # Locked and read again: two people recording it at once must not both find none.
        recorded = (
            Communication.objects.select_for_update()
            .filter(pk=communication.pk)
            .values_list("replied_on", flat=True)
            .get()
        )
        if recorded is not None:
            raise Conflict(_("The State's reply is already recorded."), "status")
        for name, value in fields.items():
            setattr(communication, name, value)
        _note(communication, S.REPLIED, actor_id)


def may_record_reply(communication: Communication) -> bool:
    """Whether the State's reply may be recorded now (the page offers it only then)."""
    if communication.status in LATE_REPLY:
        return communication.replied_on is None
    return communication.status in TRANSITIONS[S.REPLIED]


@transaction.atomic
def record_no_reply(communication: Communication, *, actor_id: int | None) -> None:
    due = communication.reply_due_on
    if due is None or clock.today() <= due:
        raise Conflict(_("The deadline for the State's reply has not passed yet."), "status")
    _move(communication, S.NO_REPLY, actor_id)


@transaction.atomic
def publish(
    communication: Communication,
    *,
    publication: str,
    actor_id: int | None,
    on: datetime.date | None = None,
) -> None:
    document = _line(
        publication, "publication", gettext_lazy("The public report or resolution"), required=True
    )
    day = _day(on, "on", not_before=communication.sent_on)
    _move(communication, S.PUBLISHED, actor_id, publication=document, published_on=day)


@transaction.atomic
def follow_up(
    communication: Communication, *, actor_id: int | None, on: datetime.date | None = None
) -> None:
    day = _day(on, "on", not_before=communication.sent_on)
    _move(communication, S.FOLLOW_UP, actor_id, follow_up_on=day)


def _require_sent(communication: Communication) -> None:
    if communication.status not in SENT_STATES:
        raise Conflict(_("Record this once the communication has been sent."), "status")


@transaction.atomic
def record_resolution(
    communication: Communication,
    *,
    decision: str,
    measures: str,
    actor_id: int | None,
    number: str = "",
    on: datetime.date | None = None,
) -> PrecautionaryResolution:
    """A grant, extension, modification or lifting of precautionary or interim measures."""
    if communication.mechanism.checks not in MEASURES:
        raise RuleError(_("This mechanism does not decide on protection measures."), "decision")
    _require_sent(communication)
    rules.choice(decision, Resolution, "decision", gettext_lazy("Decision"))
    text = rules.text(measures or "", "measures", gettext_lazy("The measures"), limit=TEXT_MAX)
    if not text and decision != Resolution.LIFTING:
        raise RuleError(
            _("Say which measures the State must agree with the beneficiaries."), "measures"
        )
    resolution = PrecautionaryResolution.objects.create(
        communication=communication,
        data_key_id=communication.data_key_id,
        decision=decision,
        number_sealed=_line(number, "number", gettext_lazy("The resolution's number")),
        decided_on=_day(on, "on", not_before=communication.sent_on),
        measures=text,
        recorded_by_id=actor_id,
    )
    communication.updated_at = clock.now()
    communication.save(update_fields=["updated_at"])
    _audit(communication, "record.update", actor_id)
    return resolution


@transaction.atomic
def record_outcome(
    communication: Communication,
    *,
    outcome: str,
    actor_id: int | None,
    note: str = "",
    on: datetime.date | None = None,
) -> CommunicationOutcome:
    _require_sent(communication)
    rules.choice(outcome, Outcome, "outcome", gettext_lazy("Outcome"))
    found = CommunicationOutcome.objects.create(
        communication=communication,
        data_key_id=communication.data_key_id,
        outcome=outcome,
        on=_day(on, "on", not_before=communication.sent_on),
        note=rules.text(note or "", "note", gettext_lazy("The note"), limit=TEXT_MAX),
        recorded_by_id=actor_id,
    )
    communication.updated_at = clock.now()
    communication.save(update_fields=["updated_at"])
    _audit(communication, "record.update", actor_id)
    return found


def record_export(communication: Communication, *, actor_id: int | None) -> None:
    """An export leaves the system: the audit log says who exported which communication."""
    _audit(communication, "export", actor_id)


# --- Mechanisms (an administrator's settings) ----------------------------------------------


def _codes(value: Any, allowed: Any, field: str, label: Any) -> str:
    codes = [c.strip() for c in (value if isinstance(value, list) else str(value or "").split(","))]
    codes = [c for c in codes if c]
    if not codes or any(c not in allowed.values for c in codes):
        raise RuleError(
            _("%(label)s: choose at least one, from the list.") % {"label": label}, field
        )
    return ",".join(dict.fromkeys(codes))


@transaction.atomic
def update_mechanism(
    mechanism: Mechanism,
    *,
    actor_id: int | None,
    name: str,
    channel: str,
    address: str,
    subject_convention: str,
    consent_rule: str,
    languages: Any,
    kinds: Any,
    reply_period_days: Any,
    active: bool,
) -> Mechanism:
    label = gettext_lazy("Name")
    mechanism.name = _line(name, "name", label, required=True)
    mechanism.channel = rules.choice(channel, Channel, "channel", gettext_lazy("Channel"))
    if mechanism.checks == Checks.ECHR_RULE_39 and channel == Channel.EMAIL:
        raise RuleError(_("Requests for interim measures are never sent by e-mail."), "channel")
    mechanism.address = _line(address, "address", gettext_lazy("Address"))
    mechanism.subject_convention = _line(
        subject_convention, "subject_convention", gettext_lazy("Subject convention")
    )
    mechanism.consent_rule = rules.choice(
        consent_rule, ConsentRule, "consent_rule", gettext_lazy("Consent rule")
    )
    mechanism.languages = _codes(languages, Language, "languages", gettext_lazy("Languages"))
    mechanism.kinds = _codes(kinds, Kind, "kinds", gettext_lazy("Kinds of communication"))
    if not isinstance(reply_period_days, int) or not 1 <= reply_period_days <= 730:
        raise RuleError(
            _("The reply period is a number of days, from 1 to 730."), "reply_period_days"
        )
    mechanism.reply_period_days = reply_period_days
    mechanism.active = bool(active)
    mechanism.save()
    audit.record(
        "record.update", actor_id=actor_id, object_type="mechanism", object_id=mechanism.pk
    )
    return mechanism


def forget_references() -> int:
    """For `aegis wipe`: the references kept in clear from before they were sealed (no key
    seals them after the wipe). Returns how many rows kept one."""
    communications = Communication.objects.exclude(legacy_reference="", legacy_publication="")
    resolutions = PrecautionaryResolution.objects.exclude(legacy_number="")
    return communications.update(legacy_reference="", legacy_publication="") + resolutions.update(
        legacy_number=""
    )
