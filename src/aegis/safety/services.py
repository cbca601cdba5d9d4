"""Writes for safety plans: every save is a new version; nothing earlier is changed.

The plan's data key is made with the vault's `new_record_key` (so the compartment governs it) and
also sealed to the alert service key, so the alert worker can reach the emergency contacts
with nobody signed in, and to the defender's own account, so they can read their plan."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aegis import clock
from aegis.audit import services as audit
from aegis.cases.models import Person
from aegis.rules import RuleError
from aegis.vault import services as vault
from aegis.vault.selectors import keypair_for_user
from aegis.vault.service_keys import service_keypair

from . import duress
from .drafts import PlanDraft, problems
from .models import EmergencyContact, PlanVersion, SafetyPlan, Scenario
from .selectors import clear

KEY_PURPOSE = "safety-plan"


class SafetyPlanError(RuleError):
    """The draft cannot be saved; `errors` says why, by field, in plain words. The one rule
    error that carries several fields: the plan editor marks every faulty input at once."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        fields = [name for name in errors if name != "__all__"]
        super().__init__(
            "; ".join(m for messages in errors.values() for m in messages),
            fields[0] if len(fields) == 1 and len(errors) == 1 else None,
        )


def _refuse(message: str) -> SafetyPlanError:
    return SafetyPlanError({"__all__": [message]})


def _new_plan(person: Person, *, actor_id: int | None) -> SafetyPlan:
    alerts = service_keypair()
    if alerts is None:
        raise _refuse(
            _(
                "This instance has no alert service key, so the alert worker could not reach "
                "the emergency contacts. Ask the administrator to run 'aegis init'."
            )
        )
    data_key = vault.new_record_key(person.compartment, KEY_PURPOSE, extra_holders=[alerts])
    return SafetyPlan.objects.create(person=person, data_key=data_key, created_at=clock.now())


def share_with_defender(person: Person, *, actor_id: int | None = None) -> bool:
    """Seal the plan's key to the defender's own account, if they have one; the caller must
    hold the key. Called on every save; call it too when an account is linked to a person
    who already has a plan. True when the defender can read the plan."""
    plan = SafetyPlan.objects.filter(person=person).first()
    if plan is None or person.account_id is None:
        return False
    keypair = keypair_for_user(person.account_id)
    if keypair is None:
        return False
    vault.grant(plan.data_key_id, keypair, actor_id=actor_id)
    return True


def unshare_with_defender(person: Person, account_id: int, *, actor_id: int | None) -> None:
    """Destroy the account's copy of the plan's key (the account is no longer linked to the
    person); needs no key, so anyone may revoke."""
    plan = SafetyPlan.objects.filter(person=person).first()
    keypair = keypair_for_user(account_id)
    if plan is not None and keypair is not None:
        vault.revoke(plan.data_key_id, keypair, actor_id=actor_id)


def _previous_digest(plan: SafetyPlan) -> tuple[str, str]:
    latest = plan.versions.order_by("-number").first()
    if latest is None:
        return "", ""
    return clear(latest, "duress_word"), latest.duress_digest


def _quiet_hours(draft: PlanDraft) -> str:
    if draft.quiet_from is None or draft.quiet_until is None:
        return ""
    return f"{draft.quiet_from:%H:%M}-{draft.quiet_until:%H:%M}"


def _latest_number(plan: SafetyPlan | None) -> int:
    """The number of the plan's current version; 0 where there is no plan yet."""
    if plan is None:
        return 0
    return plan.versions.order_by("-number").values_list("number", flat=True).first() or 0


def _write_version(plan: SafetyPlan, draft: PlanDraft, *, actor_id: int | None) -> PlanVersion:
    number = _latest_number(plan) + 1
    if draft.duress_word is None:
        word, digest = _previous_digest(plan)
    elif draft.duress_word.strip():
        word = draft.duress_word.strip()
        digest = duress.digest(plan.data_key_id, word)
    else:
        word, digest = "", ""
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        data_key_id=plan.data_key_id,
        language=draft.language,
        checkin_interval_hours=draft.checkin_interval_hours,
        checkin_grace_minutes=draft.checkin_grace_minutes,
        quiet_hours=_quiet_hours(draft),
        duress_word=word,
        duress_digest=digest,
        safe_places=draft.safe_places.strip(),
        created_by_id=actor_id,
        created_at=clock.now(),
    )
    EmergencyContact.objects.bulk_create(
        EmergencyContact(
            version=version,
            data_key_id=plan.data_key_id,
            priority=priority,
            name=c.name.strip(),
            relation=c.relation.strip(),
            phone=c.phone.strip(),
            email=c.email.strip(),
            signal=c.signal.strip(),
            other_channel=c.other_channel.strip(),
            language=c.language or draft.language,
        )
        for priority, c in enumerate(draft.filled_contacts(), start=1)
    )
    Scenario.objects.bulk_create(
        Scenario(
            version=version,
            data_key_id=plan.data_key_id,
            kind=s.kind,
            steps=s.steps.strip(),
            whom_to_call=s.whom_to_call.strip(),
            what_to_carry=s.what_to_carry.strip(),
        )
        for s in draft.filled_scenarios()
    )
    return version


def save_plan(
    person: Person, draft: PlanDraft, *, actor_id: int | None, seen: int | None = None
) -> PlanVersion:
    """Check the draft and write it as the plan's new current version (the first one creates
    the plan and its key). All or nothing; raises SafetyPlanError with plain-word reasons.
    `seen`: the number of the version the editor was opened on (0: no plan yet); refused
    where a colleague saved another since, whose contacts or check-in the draft would have
    undone without a word."""
    found = problems(draft)
    if found:
        raise SafetyPlanError(found)
    try:
        with transaction.atomic():
            plan = SafetyPlan.objects.select_for_update().filter(person=person).first()
            latest = _latest_number(plan)
            if seen is not None and seen != latest:
                raise _refuse(
                    _(
                        "A colleague saved version %(number)s of this plan since you opened "
                        "it, so nothing was saved. What you typed is below: open version "
                        "%(number)s in another tab, bring in what they changed, then save."
                    )
                    % {"number": latest}
                )
            created = plan is None
            if plan is None:
                plan = _new_plan(person, actor_id=actor_id)
            version = _write_version(plan, draft, actor_id=actor_id)
            share_with_defender(person, actor_id=actor_id)
            audit.record(
                "record.create" if created else "record.update",
                actor_id=actor_id,
                object_type=KEY_PURPOSE,
                object_id=plan.pk,
            )
    except IntegrityError as clash:
        raise _refuse(
            _(
                "Someone else saved this plan at the same moment. Open it again to see their "
                "version, then make your change again."
            )
        ) from clash
    return version


def record_printing(version: PlanVersion, *, actor_id: int | None) -> None:
    """A printed plan leaves the system: the audit log says who printed which plan."""
    audit.record("export", actor_id=actor_id, object_type=KEY_PURPOSE, object_id=version.plan_id)
