"""Writes of the support network: the provider directory and its vetting, referrals.
Grants are in grants.py, the ledger in ledger.py; this module re-exports their writes so
other apps reach everything through `support.services`.

Every write checks its input first (a RuleError names the input at fault) and then writes in
one transaction: a refused request leaves nothing behind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, places
from aegis.audit import services as audit
from aegis.cases import selectors as cases
from aegis.cases import services as case_services
from aegis.cases.models import Case, Compartment
from aegis.cases.vocabulary import CompartmentKind, ConsentScope
from aegis.rules import Conflict, NotAllowed, RuleError
from aegis.vault import services as vault

from . import checks
from .grants import (  # noqa: F401  (the grant writes, reached through this module)
    acknowledge_receipt,
    approve,
    close,
    disburse,
    do_diligence,
    receive_report,
    reject,
    request_grant,
    return_funds,
    returned_so_far,
    withdraw,
)
from .ledger import (  # noqa: F401  (the ledger's checkpoints: the worker's round, the demo)
    checkpoint_if_due as checkpoint_ledger_if_due,
)
from .ledger import take_checkpoint as checkpoint_ledger  # noqa: F401
from .models import (
    Provider,
    ProviderReference,
    Referral,
    ReferralStep,
    Relocation,
    SafeHouseAddress,
    VettingStep,
)
from .vocabulary import (
    Availability,
    ProviderKind,
    ReferralKind,
    ReferralStatus,
    SharedField,
    VettingStatus,
)

PROVIDER_KEY = "support-provider"
SAFE_HOUSE_KEY = "support-safe-house"
REFERRAL_KEY = "support-referral"
MIN_REFERENCES = 2
MAX_RELOCATION_MONTHS = 6


def _coordinator(actor: Any) -> bool:
    return bool(actor.has_perm("accounts.coordinate"))


def _member(compartment: Compartment, actor: Any) -> None:
    if not cases.member_of(actor, compartment.pk):
        raise RuleError(
            _("You are not a member of this compartment, so you cannot hold its keys."),
            "compartment",
        )


# --- Providers ----------------------------------------------------------------------------


def _too_many(field: str, given: int, fit: int) -> str:
    """Whole sentences, one per list: a noun put into one sentence breaks the grammar of
    other languages (Spanish "demasiados regiones")."""
    numbers = {"given": given, "n": fit}
    if field == "countries":
        return (
            _("Too many countries for one provider (%(given)d): list the main ones, at most %(n)d.")
            % numbers
        )
    if field == "regions":
        return (
            _("Too many regions for one provider (%(given)d): list the main ones, at most %(n)d.")
            % numbers
        )
    return (
        _("Too many languages for one provider (%(given)d): list the main ones, at most %(n)d.")
        % numbers
    )


def _room(field: str) -> int:
    """The longest value a provider's column holds."""
    return int(getattr(Provider._meta.get_field(field), "max_length", None) or 0)


def _fits(codes: str, field: str) -> str:
    """Codes joined by commas, refused in words where they would not fit their column
    (PostgreSQL refuses the row; 41 countries had been a server error there)."""
    room = _room(field)
    if len(codes) <= room:
        return codes
    listed = codes.split(",")
    fit = next(n for n in range(len(listed), -1, -1) if len(",".join(listed[:n])) <= room)
    raise RuleError(_too_many(field, len(listed), fit), field)


def _provider_fields(fields: dict[str, Any]) -> dict[str, Any]:
    kinds = checks.codes(fields.get("kinds", []), ProviderKind, "kinds", _("Kinds of help"))
    if not kinds:
        raise RuleError(_("Choose at least one kind of help."), "kinds")
    countries = checks.countries(fields.get("countries", []))
    capacity = fields.get("capacity")
    return {
        "name": checks.line(
            fields.get("name"), "name", _("Name"), required=True, limit=_room("name")
        ),
        "individual": bool(fields.get("individual", False)),
        "kinds": ",".join(kinds),
        "countries": _fits(",".join(countries), "countries"),
        "regions": _fits(",".join(checks.regions(fields.get("regions", []), countries)), "regions"),
        "languages": _fits(checks.languages(fields.get("languages", "")), "languages"),
        "capacity": None
        if capacity in (None, "")
        else checks.count(capacity, "capacity", _("Capacity"), low=0, high=10_000),
        "availability": checks.one_code(
            str(fields.get("availability") or "").strip() or Availability.AVAILABLE,
            Availability,
            "availability",
            _("Availability"),
        ),
        "cost": checks.line(fields.get("cost"), "cost", _("Cost"), limit=_room("cost")),
        "contact": checks.text(fields.get("contact"), "contact", _("Contact details")),
        "notes": checks.text(fields.get("notes"), "notes", _("Notes")),
    }


@transaction.atomic
def create_provider(
    compartment: Compartment, *, actor: Any, safe_house_address: str = "", **fields: Any
) -> Provider:
    """A new provider, not yet vetted. Its contact details are under a key of the directory
    compartment; a safe house's address under a compartment of its own, whose first member
    is the person who entered it (coordinators add others on the compartments page)."""
    _member(compartment, actor)
    clean = _provider_fields(fields)
    address = checks.text(safe_house_address, "safe_house_address", _("Safe-house address"))
    if address and ProviderKind.SAFE_HOUSE not in clean["kinds"].split(","):
        raise RuleError(_("Only a safe house has a safe-house address."), "safe_house_address")
    provider = Provider.objects.create(
        compartment=compartment,
        data_key=vault.new_record_key(compartment, PROVIDER_KEY),
        created_by=actor,
        created_at=clock.now(),
        **clean,
    )
    if address:
        _store_address(provider, address, actor=actor)
    VettingStep.objects.create(
        provider=provider, status=VettingStatus.NEW, by=actor, at=clock.now()
    )
    audit.record("record.create", actor_id=actor.pk, object_type="provider", object_id=provider.pk)
    return provider


def _store_address(provider: Provider, address: str, *, actor: Any) -> None:
    own = case_services.create_compartment_by(
        f"Safe house {provider.pk}",
        _("Holders of one safe house's address"),
        creator=actor,
        kind=CompartmentKind.SAFE_HOUSE,
    )
    provider.safe_house_compartment = own
    provider.save(update_fields=["safe_house_compartment"])
    SafeHouseAddress.objects.create(
        provider=provider, data_key=vault.new_record_key(own, SAFE_HOUSE_KEY), address=address
    )


KEEP = object()  # update_provider: the re-vetting date is left as it is


@transaction.atomic
def update_provider(
    provider: Provider, *, actor: Any, revet_on: Any = KEEP, **fields: Any
) -> Provider:
    """Change the directory entry (not its vetting decision), with the checks of creation.
    The editor must be a member of the directory compartment: the contacts are rewritten
    under its key, never in clear. A new re-vetting date is a coordinator's to set (it decides
    when the provider stops being offered) and may not be in the past; the stored date, even
    a past one, may be sent back unchanged."""
    _member(provider.compartment, actor)
    clean = _provider_fields(fields)
    fields_changed = list(clean)
    if revet_on is not KEEP and _as_date(revet_on) != provider.revet_on:
        if not _coordinator(actor):
            raise NotAllowed(_("Only a coordinator can change the re-vetting date."), "revet_on")
        clean["revet_on"] = checks.future_date(revet_on, "revet_on", _("Re-vetting date"))
        if clean["revet_on"] is None and provider.vetting == VettingStatus.APPROVED:
            raise RuleError(_("An approved provider needs a re-vetting date."), "revet_on")
        fields_changed.append("revet_on")
    # The vetting approved what the provider offered and where: new kinds of help or
    # countries had stayed "Approved" unvetted, so they go back to be vetted again.
    revetted = provider.vetting == VettingStatus.APPROVED and (
        set(clean["kinds"].split(",")) != set(provider.kind_list())
        or set(c for c in clean["countries"].split(",") if c) != set(provider.country_list())
    )
    for name, value in clean.items():
        setattr(provider, name, value)
    if revetted:
        provider.vetting = VettingStatus.NEW
        fields_changed.append("vetting")
    provider.save(update_fields=fields_changed)
    if revetted:
        VettingStep.objects.create(
            provider=provider, status=VettingStatus.NEW, by=actor, at=clock.now()
        )
    audit.record("record.update", actor_id=actor.pk, object_type="provider", object_id=provider.pk)
    return provider


def _as_date(value: Any) -> Any:
    """A date sent as text compared with the stored one; what is not a date is left for
    checks.future_date to refuse."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()) if value.strip() else None
        except ValueError:
            return value
    return value


@transaction.atomic
def set_availability(provider: Provider, availability: str, *, actor: Any) -> Provider:
    provider.availability = checks.one_code(
        availability, Availability, "availability", _("Availability")
    )
    provider.save(update_fields=["availability"])
    audit.record("record.update", actor_id=actor.pk, object_type="provider", object_id=provider.pk)
    return provider


@transaction.atomic
def add_reference(provider: Provider, *, actor: Any, name: str, contact: str) -> ProviderReference:
    name = checks.line(name, "name", _("Reference's name"), required=True)
    contact = checks.text(contact, "contact", _("How to reach the reference"), required=True)
    # Vetting asks for two references: one added twice had counted as both.
    if any(
        (_same(name, str(known.name)) and _same(contact, str(known.contact)))
        for known in provider.references.all()
    ):
        raise Conflict(
            _(
                "This provider already has this reference (same name and contact): add a "
                "different person."
            ),
            "name",
        )
    reference = ProviderReference.objects.create(
        provider=provider,
        data_key_id=provider.data_key_id,
        name=name,
        contact=contact,
        added_by=actor,
        added_at=clock.now(),
    )
    audit.record("record.update", actor_id=actor.pk, object_type="provider", object_id=provider.pk)
    return reference


def _same(one: str, other: str) -> bool:
    """The same words whatever their case and spacing."""
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


VETTING_MOVES = {
    VettingStatus.NEW: {VettingStatus.APPROVED, VettingStatus.BLOCKED},
    VettingStatus.APPROVED: {
        VettingStatus.APPROVED,
        VettingStatus.SUSPENDED,
        VettingStatus.BLOCKED,
    },
    VettingStatus.SUSPENDED: {VettingStatus.APPROVED, VettingStatus.BLOCKED},
    VettingStatus.BLOCKED: {VettingStatus.APPROVED},
}


@transaction.atomic
def vet(provider: Provider, status: str, *, actor: Any, revet_on: Any = None) -> Provider:
    """A coordinator's vetting decision. Approving (again: re-vetting) needs at least two
    references and a re-vetting date that is not in the past."""
    if not _coordinator(actor):
        raise NotAllowed(_("Only a coordinator can vet providers."))
    status = checks.one_code(status, VettingStatus, "status", _("Vetting"))
    if status not in VETTING_MOVES[VettingStatus(provider.vetting)]:
        raise Conflict(
            _("A provider that is %(now)s cannot become %(then)s.")
            % {
                "now": VettingStatus(provider.vetting).label,
                "then": VettingStatus(status).label,
            },
            "status",
        )
    when = checks.future_date(
        revet_on, "revet_on", _("Re-vetting date"), required=status == VettingStatus.APPROVED
    )
    if status == VettingStatus.APPROVED and provider.references.count() < MIN_REFERENCES:
        raise Conflict(
            _("A provider needs at least two references before it can be approved."),
            "references",
        )
    provider.vetting = status
    provider.vetted_by = actor
    provider.vetted_at = clock.now()
    if when is not None:
        provider.revet_on = when
    provider.save(update_fields=["vetting", "vetted_by", "vetted_at", "revet_on"])
    VettingStep.objects.create(
        provider=provider, status=status, revet_on=when, by=actor, at=provider.vetted_at
    )
    audit.record("provider.vet", actor_id=actor.pk, object_type="provider", object_id=provider.pk)
    return provider


def revetting_due(provider: Provider) -> bool:
    return provider.revet_on is not None and provider.revet_on < clock.today()


def offerable(provider: Provider) -> bool:
    """Approved, not due for re-vetting, and not paused: offered for new referrals."""
    return (
        provider.vetting == VettingStatus.APPROVED
        and not revetting_due(provider)
        and provider.availability != Availability.PAUSED
    )


# --- Referrals ----------------------------------------------------------------------------


def _shared_text(case: Case, shared: list[str]) -> str:
    """The values passed on, as the provider receives them (the case's keys are open)."""
    person = case.person
    values: dict[str, Callable[[], Any]] = {
        SharedField.PSEUDONYM: lambda: person.pseudonym if person else "",
        SharedField.LEGAL_NAME: lambda: (person.legal_name or "") if person else "",
        SharedField.PHONE: lambda: (person.phone or "") if person else "",
        SharedField.EMAIL: lambda: (person.email or "") if person else "",
        SharedField.CONTACT_CHANNELS: lambda: (person.contact_channels or "") if person else "",
        SharedField.COUNTRY: lambda: places.place_label(case.country, case.region),
        SharedField.LANGUAGES: lambda: (
            places.language_names(person.languages or "") if person else ""
        ),
        SharedField.GENDER: lambda: person.gender if person else "",
        SharedField.AGE_GROUP: lambda: person.age_group if person else "",
        SharedField.CASE_SUMMARY: lambda: case.summary or "",
    }
    lines = [(str(SharedField(code).label), str(values[code]())) for code in shared]
    return "\n".join(f"{label}: {value}" for label, value in lines)


def live_consent(case: Case) -> Any:
    """The person's live consent to share with partners, or None."""
    if case.person is None:
        return None
    return (
        cases.consents_of(case.person)
        .filter(scope=ConsentScope.SHARE_PARTNER, withdrawn_at__isnull=True)
        .order_by("-given_at")
        .first()
    )


def missing_consent_message() -> str:
    return _(
        "This referral cannot be made: the person has no live consent to “%(scope)s”. "
        "Record that consent on the case first (or ask the person again if it was withdrawn)."
    ) % {"scope": ConsentScope.SHARE_PARTNER.label}


RELOCATION_TEXTS = {
    "destination_why": gettext_lazy("Why this destination"),
    "host": gettext_lazy("Host organisation"),
    "visa_travel_plan": gettext_lazy("Visa and travel plan"),
    "security_plan": gettext_lazy("Security plan for the move"),
    "family": gettext_lazy("Family members"),
    "return_plan": gettext_lazy("Return plan"),
}


def _relocation_fields(fields: dict[str, Any]) -> dict[str, Any]:
    country = checks.countries([fields.get("destination_country") or ""], "destination_country")
    if not country:
        raise RuleError(_("Choose the destination country."), "destination_country")
    clean: dict[str, Any] = {"destination_country": country[0]}
    for name, label in RELOCATION_TEXTS.items():
        clean[name] = checks.text(
            fields.get(name), name, label, required=name in {"destination_why", "host"}
        )
    clean["months"] = checks.count(
        fields.get("months") or MAX_RELOCATION_MONTHS,
        "months",
        _("Duration in months"),
        low=1,
        high=MAX_RELOCATION_MONTHS,
    )
    return clean


@transaction.atomic
def create_referral(
    case: Case,
    provider: Provider,
    *,
    actor: Any,
    purpose: str,
    shared: list[str] | str,
    follow_up_on: Any = None,
    kind: str = ReferralKind.SERVICE,
    relocation: dict[str, Any] | None = None,
    grant: Any = None,
) -> Referral:
    """A draft referral of the case's person to a provider, passing on only the fields chosen.
    Refused without the person's live consent to share with partners (the message says
    which), and for a provider that is not approved or is due for re-vetting."""
    _member(case.compartment, actor)
    kind = checks.one_code(kind, ReferralKind, "kind", _("Kind of referral"))
    chosen = checks.codes(shared, SharedField, "shared", _("What is shared"))
    if not chosen:
        raise RuleError(
            _("Choose what is shared with the provider (at least one field)."), "shared"
        )
    purpose = checks.text(purpose, "purpose", _("Purpose"), required=True)
    when = checks.future_date(follow_up_on, "follow_up_on", _("Follow-up date"))
    if not offerable(provider):
        raise Conflict(
            _(
                "This provider is not offered for new referrals: it is not approved, is due "
                "for re-vetting, or is paused."
            ),
            "provider",
        )
    clean_relocation = None
    if kind == ReferralKind.RELOCATION:
        clean_relocation = _relocation_fields(relocation or {})
    if grant is not None and grant.case_id != case.pk:
        raise RuleError(_("The grant belongs to another case."), "grant")
    consent = live_consent(case)
    if consent is None:
        raise RuleError(missing_consent_message(), "consent")
    now = clock.now()
    referral = Referral.objects.create(
        case=case,
        provider=provider,
        data_key=vault.new_record_key(case.compartment, REFERRAL_KEY),
        kind=kind,
        purpose=purpose,
        shared_fields=",".join(chosen),
        shared_text=_shared_text(case, chosen),
        consent=consent,
        follow_up_on=when,
        grant=grant,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    if clean_relocation is not None:
        Relocation.objects.create(
            referral=referral, data_key_id=referral.data_key_id, **clean_relocation
        )
    ReferralStep.objects.create(referral=referral, status=ReferralStatus.DRAFT, by=actor, at=now)
    audit.record("record.create", actor_id=actor.pk, object_type="referral", object_id=referral.pk)
    return referral


def _still_offered(provider: Provider, status: str) -> None:
    """Sending a draft, or taking the provider's acceptance, asks again whether the provider
    may receive it: a provider suspended, blocked or past its re-vetting date since the draft
    was made had still been sent the person's details. A pause stops only sending (it is
    about new referrals; one sent before may still be accepted)."""
    provider = Provider.objects.get(pk=provider.pk)
    shown = {"name": provider.name}
    if provider.vetting == VettingStatus.SUSPENDED:
        why = _(
            "The provider %(name)s is suspended: a referral cannot be sent to it or accepted "
            "by it until a coordinator approves it again."
        )
    elif provider.vetting == VettingStatus.BLOCKED:
        why = _(
            "The provider %(name)s is blocked: a referral cannot be sent to it or accepted by it."
        )
    elif provider.vetting != VettingStatus.APPROVED:
        why = _(
            "The provider %(name)s is not vetted yet: a referral cannot be sent to it or "
            "accepted by it until a coordinator approves it."
        )
    elif provider.revet_on is not None and revetting_due(provider):
        why = _(
            "The provider %(name)s was due for re-vetting on %(date)s: a referral cannot be "
            "sent to it or accepted by it until a coordinator vets it again."
        )
        shown["date"] = date_format(provider.revet_on, "SHORT_DATE_FORMAT")
    elif status == ReferralStatus.SENT and provider.availability == Availability.PAUSED:
        why = _("The provider %(name)s has paused new referrals: this one cannot be sent now.")
    else:
        return
    raise Conflict(why % shown, "provider")


def _consent_still_live(referral: Referral, status: str) -> Any:
    """The live consent a step forward rests on. Once the person withdraws it, the referral
    goes no further (it had still been accepted); declining, completing or cancelling it
    stay possible."""
    consent = live_consent(referral.case)
    if consent is not None:
        return consent
    if status == ReferralStatus.SENT:
        raise Conflict(missing_consent_message(), "consent")
    raise Conflict(
        _(
            "The person withdrew the consent this referral rests on, so it cannot become "
            "%(then)s: cancel it, or record the consent again on the case first."
        )
        % {"then": ReferralStatus(status).label},
        "consent",
    )


REFERRAL_MOVES = {
    ReferralStatus.DRAFT: {ReferralStatus.SENT, ReferralStatus.CANCELLED},
    ReferralStatus.SENT: {
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.CANCELLED,
    },
    ReferralStatus.ACCEPTED: {ReferralStatus.COMPLETED, ReferralStatus.CANCELLED},
    ReferralStatus.DECLINED: set(),
    ReferralStatus.COMPLETED: set(),
    ReferralStatus.CANCELLED: set(),
}


@transaction.atomic
def move_referral(
    referral: Referral,
    status: str,
    *,
    actor: Any,
    outcome: str = "",
    follow_up_on: Any = None,
) -> Referral:
    """The next step of a referral. A step forward (sent, accepted) checks again that the
    person's consent is live and that the provider may still receive the referral."""
    status = checks.one_code(status, ReferralStatus, "status", _("Status"))
    if status not in REFERRAL_MOVES[ReferralStatus(referral.status)]:
        raise Conflict(
            _("A referral that is %(now)s cannot become %(then)s.")
            % {
                "now": ReferralStatus(referral.status).label,
                "then": ReferralStatus(status).label,
            },
            "status",
        )
    outcome = checks.text(outcome, "outcome", _("Outcome"))
    when = checks.future_date(follow_up_on, "follow_up_on", _("Follow-up date"))
    if status in {ReferralStatus.SENT, ReferralStatus.ACCEPTED}:
        referral.consent = _consent_still_live(referral, status)
        _still_offered(referral.provider, status)
    if status == ReferralStatus.SENT and when is None and referral.follow_up_on is None:
        when = clock.today() + timedelta(days=7)
    referral.status = status
    if outcome:
        referral.outcome = outcome
    if when is not None:
        referral.follow_up_on = when
    referral.updated_at = clock.now()
    referral.save()
    ReferralStep.objects.create(referral=referral, status=status, by=actor, at=referral.updated_at)
    audit.record("referral.move", actor_id=actor.pk, object_type="referral", object_id=referral.pk)
    return referral


# Only a stay the host accepted is running, so only that one has a term to extend: a draft
# never sent had been "renewed" again and again.
RENEWABLE = {ReferralStatus.ACCEPTED}
NOT_YET_RENEWABLE = {ReferralStatus.DRAFT, ReferralStatus.SENT}


@transaction.atomic
def renew_relocation(referral: Referral, *, actor: Any, months: Any) -> Relocation:
    """One more term of a temporary relocation, up to MAX_RELOCATION_MONTHS at a time; not
    for a referral that was declined, cancelled or completed."""
    relocation = Relocation.objects.select_for_update().filter(referral=referral).first()
    if relocation is None:
        raise Conflict(_("This referral is not a relocation."))
    referral = Referral.objects.get(pk=referral.pk)  # its status as stored, not a stale copy
    if referral.status in NOT_YET_RENEWABLE:
        raise Conflict(
            _(
                "This relocation has not been accepted yet (its referral is %(status)s): it "
                "can be renewed once the host accepts it."
            )
            % {"status": ReferralStatus(referral.status).label},
            "status",
        )
    if referral.status not in RENEWABLE:
        raise Conflict(
            _("A relocation whose referral is %(status)s cannot be renewed.")
            % {"status": ReferralStatus(referral.status).label},
            "status",
        )
    # A longer stay is a step forward as sending or accepting is: the host must still be one
    # the organisation offers, and the person's consent must still stand.
    _still_offered(referral.provider, ReferralStatus.ACCEPTED)
    if live_consent(referral.case) is None:
        raise RuleError(
            _(
                "The person withdrew the consent this relocation rests on, so it cannot be "
                "renewed: record the consent again on the case first."
            ),
            "consent",
        )
    relocation.months += checks.count(
        months, "months", _("Duration in months"), low=1, high=MAX_RELOCATION_MONTHS
    )
    relocation.renewals += 1
    relocation.save(update_fields=["months", "renewals"])
    audit.record("record.update", actor_id=actor.pk, object_type="referral", object_id=referral.pk)
    return relocation
