"""Writes (and the few reads their pages need) for escalation policies, their steps, partner
organisations and alert rules. Coordinators manage them (DESIGN.md: escalations).

Every write checks all of its input first and then writes in one transaction, so a refused
request leaves nothing half-written; RuleError carries a message for the person who typed
the data, the field it concerns and, for a step, its row on the page. Alerts already raised
keep the ladder copied onto them: editing a policy never moves a running alert."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock
from aegis.accounts import channels as staff_channels
from aegis.audit import services as audit
from aegis.cases import selectors as cases
from aegis.cases.models import Case, Person
from aegis.cases.vocabulary import Sector
from aegis.incidents.vocabulary import ViolationType
from aegis.risk.vocabulary import Level
from aegis.roles import Role
from aegis.rules import Conflict, PlaceWords, RuleError, place, text
from aegis.safety import selectors as safety
from aegis.vault import service_keys
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, NoKeyAccess, VaultLocked, unlocked

from . import channels as alert_channels
from .ladder import DEFAULT_CHANNELS
from .models import AlertRule, EscalationPolicy, PartnerOrganisation, PolicyStep
from .vocabulary import Audience, RuleTrigger

MAX_STEPS = 5
MAX_STEP_NUMBER = 99
MAX_DEADLINE_MINUTES = 7 * 24 * 60
NAME_MAX = 80
ADDRESS_MAX = 500
PARTNER_KEY_PURPOSE = "alert-partner"

# A rule's region is refused in one sentence, on the region, whatever the country.
RULE_PLACE = PlaceWords(
    unknown_country=gettext_lazy("Choose a country from the list."),
    no_country=gettext_lazy("Choose a region of the country chosen."),
    elsewhere=gettext_lazy("Choose a region of the country chosen."),
    no_country_field="region",
)


@dataclass(frozen=True)
class StepInput:
    """One step as typed. `row` is its row on the page (for errors); None: its position."""

    number: int | None
    deadline_minutes: int | None
    audiences: Sequence[str]
    channels: Sequence[str] = ()
    partner_ids: Sequence[int] = ()
    row: int | None = None


@dataclass(frozen=True)
class _Step:
    number: int
    deadline_minutes: int
    audiences: str
    channels: str
    partners: list[PartnerOrganisation]


# --- Checks -------------------------------------------------------------------------------


def _check_step(step: StepInput, row: int) -> _Step:
    def fail(message: str, field: str) -> RuleError:
        return RuleError(
            _("Row %(n)s: %(problem)s") % {"n": row + 1, "problem": message}, field, row
        )

    if step.number is None:
        raise fail(_("give the step a number (1 for the first step)."), "number")
    if not 1 <= step.number <= MAX_STEP_NUMBER:
        raise fail(
            _("the step number must be between 1 and %(max)s.") % {"max": MAX_STEP_NUMBER},
            "number",
        )
    if step.deadline_minutes is None:
        raise fail(_("give the minutes to acknowledge before the next step."), "deadline_minutes")
    if not 1 <= step.deadline_minutes <= MAX_DEADLINE_MINUTES:
        raise fail(
            _("the time to acknowledge must be at least 1 minute and at most 7 days (%(max)s).")
            % {"max": number_format(MAX_DEADLINE_MINUTES, force_grouping=True)},
            "deadline_minutes",
        )
    audiences = list(dict.fromkeys(step.audiences))
    if not audiences:
        raise fail(_("choose who this step reaches."), "audiences")
    if any(a not in Audience.values for a in audiences):
        raise fail(_("choose who this step reaches from the list."), "audiences")
    channels = list(dict.fromkeys(c for c in step.channels if c))
    if len(channels) != len([c for c in step.channels if c]):
        raise fail(_("choose each channel for emergency contacts only once."), "channels")
    reaching_contacts = {channel.name for channel in alert_channels.for_contacts()}
    if any(c not in reaching_contacts for c in channels):
        raise fail(_("emergency contacts are reached by email, SMS or Signal."), "channels")
    if Audience.CONTACTS in audiences and not channels:
        raise fail(_("choose at least one channel to reach the emergency contacts."), "channels")
    partners = _check_partners(step, audiences, fail)
    return _Step(
        number=step.number,
        deadline_minutes=step.deadline_minutes,
        audiences=",".join(a for a in Audience.values if a in audiences),
        channels=",".join(channels) or DEFAULT_CHANNELS,
        partners=partners,
    )


def _check_partners(step: StepInput, audiences: list[str], fail: Any) -> list[PartnerOrganisation]:
    ids = sorted(set(step.partner_ids))
    if Audience.PARTNERS in audiences and not ids:
        raise fail(
            _("choose at least one partner organisation, or untick partner organisations."),
            "partners",
        )
    if ids and Audience.PARTNERS not in audiences:
        raise fail(
            _("tick partner organisations to reach the partners chosen, or clear them."),
            "partners",
        )
    partners = list(PartnerOrganisation.objects.filter(pk__in=ids, is_active=True))
    if len(partners) != len(ids):
        raise fail(_("a partner organisation chosen is no longer active."), "partners")
    return partners


def _staff_with_address(role: str, compartment_id: int | None) -> bool:
    if compartment_id is not None:
        members = cases.members_with_role(compartment_id, role)
    else:  # a risk level's policy: whoever holds the role in any compartment
        members = cases.staff_in_compartments(role)
    return staff_channels.reachable(members).exists()


def _contacts_reachable(person: Person | None, channels: str) -> bool:
    """Whether the person's emergency contacts have an address on one of the channels; for a
    risk level's policy (no person) or a plan the coordinator cannot open, assume so."""
    if person is None:
        return True
    try:
        contacts = safety.emergency_contacts(person)
    except (NoKeyAccess, VaultLocked):
        return True
    by_channel = {c.name: c.contact_field for c in alert_channels.for_contacts()}
    wanted = [by_channel[c] for c in channels.split(",") if c in by_channel]
    return any(getattr(c, field).strip() for c in contacts for field in wanted)


def _reaches_somebody(step: _Step, case: Case | None) -> bool:
    audiences = step.audiences.split(",")
    compartment_id = case.compartment_id if case is not None else None
    return (
        (Audience.PARTNERS in audiences and bool(step.partners))
        or (
            Audience.RESPONDERS in audiences
            and _staff_with_address(Role.RESPONDER.value, compartment_id)
        )
        or (
            Audience.COORDINATORS in audiences
            and _staff_with_address(Role.COORDINATOR.value, compartment_id)
        )
        or (
            Audience.CONTACTS in audiences
            and _contacts_reachable(case.person if case is not None else None, step.channels)
        )
    )


def check_steps(steps: Sequence[StepInput], *, case: Case | None = None) -> list[_Step]:
    """Every step checked, in the order of their numbers; the first problem is raised. A
    step that would reach nobody (nobody on it has an address) is refused."""
    if not steps:
        raise RuleError(_("Give the policy at least one step."), "steps")
    if len(steps) > MAX_STEPS:
        raise RuleError(_("A policy has at most %(n)s steps.") % {"n": MAX_STEPS}, "steps")
    checked: list[_Step] = []
    seen: set[int] = set()
    for position, step in enumerate(steps):
        row = step.row if step.row is not None else position
        item = _check_step(step, row)
        if item.number in seen:
            raise RuleError(
                _(
                    "Row %(n)s: another step already has number %(number)s; "
                    "give each step its own number."
                )
                % {"n": row + 1, "number": item.number},
                "number",
                row,
            )
        seen.add(item.number)
        if not _reaches_somebody(item, case):
            raise RuleError(
                _(
                    "Row %(n)s: this step would reach nobody: no one it names has an address "
                    "Aegis can send to. Give staff a contact channel, add emergency contacts "
                    "or choose a partner organisation."
                )
                % {"n": row + 1},
                "audiences",
                row,
            )
        checked.append(item)
    return sorted(checked, key=lambda item: item.number)


# --- Policies -----------------------------------------------------------------------------


def _write_steps(policy: EscalationPolicy, steps: list[_Step]) -> None:
    policy.steps.all().delete()
    for item in steps:
        step = PolicyStep.objects.create(
            policy=policy,
            number=item.number,
            deadline_minutes=item.deadline_minutes,
            audiences=item.audiences,
            channels=item.channels,
        )
        step.partners.set(item.partners)


def _save(policy: EscalationPolicy, name: str, steps: list[_Step], actor: Any) -> None:
    policy.name = name
    policy.updated_at = clock.now()
    policy.updated_by = actor
    created = policy.pk is None
    policy.save()
    _write_steps(policy, steps)
    audit.record(
        "record.create" if created else "record.update",
        actor_id=actor.pk,
        object_type="alert_policy",
        object_id=policy.pk,
    )


def save_level_policy(
    risk_level: str, steps: Sequence[StepInput], *, actor: Any, name: str = ""
) -> EscalationPolicy:
    """Replace the steps of the policy for `risk_level` (creating it the first time)."""
    if risk_level not in Level.values:
        raise RuleError(_("Choose a risk level from the list."), "risk_level")
    # Left blank, the policy is named for its level in each reader's language (shown_name).
    name = text(name or "", "name", _("The name"), limit=NAME_MAX, line=True)
    checked = check_steps(steps)
    with transaction.atomic():
        policy = EscalationPolicy.objects.select_for_update().filter(risk_level=risk_level).first()
        policy = policy or EscalationPolicy(risk_level=risk_level)
        _save(policy, name, checked, actor)
    return policy


def save_case_policy(
    case: Case, steps: Sequence[StepInput], *, actor: Any, name: str = ""
) -> EscalationPolicy:
    """The case's own policy, used instead of its risk level's for alerts about its person."""
    if case.person_id is None:
        raise RuleError(
            _("Alerts are raised about people: this case is about a group or an organisation.")
        )
    name = text(name or "", "name", _("The name"), limit=NAME_MAX, line=True)
    checked = check_steps(steps, case=case)
    with transaction.atomic():
        policy = EscalationPolicy.objects.select_for_update().filter(case=case).first()
        policy = policy or EscalationPolicy(case=case)
        _save(policy, name, checked, actor)
    return policy


@transaction.atomic
def remove_case_policy(case: Case, *, actor: Any) -> bool:
    """Back to the risk level's policy; False when the case had no policy of its own."""
    policy = EscalationPolicy.objects.filter(case=case).first()
    if policy is None:
        return False
    policy_id = policy.pk
    policy.delete()
    audit.record(
        "record.delete", actor_id=actor.pk, object_type="alert_policy", object_id=policy_id
    )
    return True


def level_policies() -> dict[str, EscalationPolicy]:
    found = EscalationPolicy.objects.exclude(risk_level="").prefetch_related("steps__partners")
    return {policy.risk_level: policy for policy in found}


def level_policy(risk_level: str) -> EscalationPolicy | None:
    return EscalationPolicy.objects.filter(risk_level=risk_level).first()


def case_policy(case: Case) -> EscalationPolicy | None:
    return EscalationPolicy.objects.filter(case=case).first()


def case_policies(user: Any) -> QuerySet[EscalationPolicy]:
    """Overrides of the cases in the user's compartments (others' stay unseen)."""
    return (
        EscalationPolicy.objects.filter(case__in=cases.visible_cases(user))
        .select_related("case")
        .prefetch_related("steps__partners")
        .order_by("case__reference")
    )


def steps_of(policy: EscalationPolicy | None) -> list[PolicyStep]:
    if policy is None:
        return []
    return list(policy.steps.prefetch_related("partners").order_by("number"))


# --- Partner organisations ----------------------------------------------------------------


def _check_address(channel: str, address: str) -> str:
    address = text(address or "", "address", _("The address"), limit=ADDRESS_MAX, line=True)
    if not address:
        raise RuleError(_("Give the address the alerts go to."), "address")
    channel_class = alert_channels.get(channel)
    if channel_class is None:
        raise RuleError(_("Choose a channel from the list."), "channel")
    try:
        return channel_class.validate_address(address)
    except alert_channels.AddressRefused as refused:
        raise RuleError(refused.message, "address") from refused


def add_partner(*, name: str, channel: str, address: str, actor: Any) -> PartnerOrganisation:
    """A partner organisation. Its address is sealed to the alert service key only: the
    worker can send to it, and staff see only that an address is on file."""
    name = text(name or "", "name", _("The name"), limit=NAME_MAX, line=True)
    if not name:
        raise RuleError(_("Give the organisation's name."), "name")
    if PartnerOrganisation.objects.filter(name__iexact=name).exists():
        raise Conflict(_("A partner organisation with this name already exists."), "name")
    if alert_channels.get(channel) is None:
        raise RuleError(_("Choose a channel from the list."), "channel")
    address = _check_address(channel, address)
    keypair = service_keys.service_keypair()
    if keypair is None:
        raise RuleError(
            _("This instance has no alert service key yet, so no address can be stored.")
        )
    # A scratch key context holds the new key just long enough to encrypt the address: the
    # creator's own keys never receive it.
    with unlocked(Keychain({}, actor.pk)), transaction.atomic():
        partner = PartnerOrganisation(
            name=name,
            data_key=vault.create_data_key(PARTNER_KEY_PURPOSE, [keypair]),
            channel=channel,
            address=address,
            created_at=clock.now(),
        )
        partner.save()
        audit.record(
            "record.create", actor_id=actor.pk, object_type="alert_partner", object_id=partner.pk
        )
    return partner


@transaction.atomic
def set_partner_active(partner: PartnerOrganisation, active: bool, *, actor: Any) -> None:
    """A deactivated partner receives nothing more, from running alerts too."""
    _set_active(partner, active, actor=actor, object_type="alert_partner")


def partners() -> QuerySet[PartnerOrganisation]:
    return PartnerOrganisation.objects.order_by("-is_active", "name")


def active_partners() -> list[PartnerOrganisation]:
    return list(PartnerOrganisation.objects.filter(is_active=True).order_by("name"))


def partner_by_id(partner_id: int) -> PartnerOrganisation | None:
    return PartnerOrganisation.objects.filter(pk=partner_id).first()


# --- Rules --------------------------------------------------------------------------------


def create_rule(
    *,
    name: str,
    trigger: str,
    actor: Any,
    violation_type: str = "",
    person: Person | None = None,
    country: str = "",
    region: str = "",
    sector: str = "",
) -> AlertRule:
    """A rule that raises alerts by itself. Every criterion given must hold; an empty one
    matches anything. A person can only be chosen from the creator's compartments."""
    name = text(name or "", "name", _("The name"), limit=NAME_MAX, line=True)
    if not name:
        raise RuleError(_("Give the rule a name that says what it watches for."), "name")
    if trigger not in RuleTrigger.values:
        raise RuleError(_("Choose what fires the rule from the list."), "trigger")
    if trigger == RuleTrigger.INCIDENT and violation_type not in ViolationType.values:
        raise RuleError(_("Choose the kind of incident the rule watches for."), "violation_type")
    if trigger == RuleTrigger.RISK_CRITICAL and violation_type:
        raise RuleError(
            _("A rule on risk levels has no kind of incident: leave it empty."), "violation_type"
        )
    if trigger == RuleTrigger.NEWS_MENTION and violation_type:
        raise RuleError(
            _("A rule on news mentions has no kind of incident: leave it empty."),
            "violation_type",
        )
    country, region = place(country, region, RULE_PLACE)
    if sector and sector not in Sector.values:
        raise RuleError(_("Choose a sector from the list."), "sector")
    if person is not None and cases.person_for(actor, person.pk) is None:
        raise RuleError(_("Choose a person from your compartments."), "person")
    with transaction.atomic():
        rule = AlertRule.objects.create(
            name=name,
            trigger=trigger,
            violation_type=violation_type if trigger == RuleTrigger.INCIDENT else "",
            person=person,
            country=country,
            region=region,
            sector=sector,
            created_by=actor,
            created_at=clock.now(),
        )
        audit.record(
            "record.create", actor_id=actor.pk, object_type="alert_rule", object_id=rule.pk
        )
    return rule


@transaction.atomic
def set_rule_active(rule: AlertRule, active: bool, *, actor: Any) -> None:
    _set_active(rule, active, actor=actor, object_type="alert_rule")


def _set_active(row: Any, active: bool, *, actor: Any, object_type: str) -> None:
    """Switch a partner or a rule on or off (only that column is written), audited."""
    type(row).objects.filter(pk=row.pk).update(is_active=active)
    row.is_active = active
    audit.record("record.update", actor_id=actor.pk, object_type=object_type, object_id=row.pk)


def rules() -> QuerySet[AlertRule]:
    return AlertRule.objects.select_related("person").order_by("-is_active", "name", "pk")


def rule_for(user: Any, rule_id: int) -> AlertRule | None:
    """A rule the user may change: one about nobody in particular, or about a person in
    their compartments (anyone else's answers None, like a missing one)."""
    rule = AlertRule.objects.filter(pk=rule_id).first()
    if rule is None or rule.person_id is None:
        return rule
    return rule if cases.person_for(user, rule.person_id) is not None else None
