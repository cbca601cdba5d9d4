"""Writes and rules of the exchange: partners and their keys, sending a bundle (consent,
minimisation, signing), receiving one (every refusal named), and the review that moves a
quarantined record into the organisation's own records."""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, rules
from aegis.audit import services as audit
from aegis.cases import selectors as cases
from aegis.cases.vocabulary import ConsentScope
from aegis.rules import Conflict, RuleError, choice, text
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, current_or_none, unlocked

from . import bundle, identity, interop, keys, records
from .models import Export, ExportedRecord, Partner, PartnerKey, QuarantineItem, Received
from .vocabulary import ItemKind, Profile, Purpose

PARTNER_NAME_MAX = 120


# --- Partners -----------------------------------------------------------------------------


def _partner_name(name: str) -> str:
    name = text(name, "name", _("The partner's name"), limit=PARTNER_NAME_MAX, line=True)
    if not name:
        raise RuleError(_("Give the partner's name."), "name")
    return name


def _key_fields(
    age_recipient: str, minisign_key: str, partner: Partner | None = None
) -> dict[str, str]:
    age = keys.age_recipient(age_recipient)
    line = keys.minisign_line(minisign_key) if (minisign_key or "").strip() else ""
    _not_ours(age, line)
    key_id = keys.key_id_text(keys.key_id(line)) if line else ""
    # A key id is 8 bytes its owner chooses: another partner's key under the same id would
    # stand in for the first one's when its bundles are checked, and refuse them all.
    clash = PartnerKey.objects.filter(key_id=key_id)
    if partner is not None:  # a partner's own earlier copy of the same key is no clash
        clash = clash.exclude(partner=partner, minisign_key=line)
    if key_id and clash.exists():
        raise RuleError(
            _(
                "A signing key already on file has the same key id (%(key)s). Check the key "
                "with the partner: two keys with one id cannot be told apart by their bundles."
            )
            % {"key": key_id},
            "minisign_key",
        )
    return {"age_recipient": age, "minisign_key": line, "key_id": key_id}


def _not_ours(age: str, line: str) -> None:
    """Refuse our own keys as a partner's: a partner added with them had been "added", and
    then our own bundles were taken as that partner's."""
    own = identity.public()
    if own is None:
        return
    if keys.same_recipient(age, own.age_recipient):
        raise RuleError(
            _(
                "This age recipient is this organisation's own (shown on the exchange page): "
                "give the partner's."
            ),
            "age_recipient",
        )
    if line and keys.same_signing_key(line, own.minisign_key):
        raise RuleError(
            _(
                "This minisign key is this organisation's own (shown on the exchange page): "
                "give the partner's."
            ),
            "minisign_key",
        )


def _check_expiry(expires_on: datetime.date | None) -> None:
    if expires_on is not None and expires_on <= clock.today():
        raise RuleError(_("The vetting must expire in the future."), "expires_on")
    # 9999-12-31 had made a vetting that never runs out.
    rules.within_years(expires_on, "expires_on", gettext_lazy("Vetting expires"), back=0, ahead=10)


@transaction.atomic
def add_partner(
    name: str,
    *,
    age_recipient: str,
    minisign_key: str = "",
    actor_id: int | None,
    vetted: bool = False,
    expires_on: datetime.date | None = None,
) -> Partner:
    name = _partner_name(name)
    _check_expiry(expires_on)
    fields = _key_fields(age_recipient, minisign_key)
    if Partner.objects.filter(name__iexact=name).exists():
        raise Conflict(_("A partner with this name already exists."), "name")
    now = clock.now()
    partner = Partner.objects.create(
        name=name,
        created_at=now,
        vetted_at=now if vetted else None,
        vetted_by_id=actor_id if vetted else None,
        expires_on=expires_on,
    )
    PartnerKey.objects.create(partner=partner, valid_from=now, **fields)
    audit.record("exchange.partner", actor_id=actor_id, object_type="partner", object_id=partner.pk)
    return partner


@transaction.atomic
def rotate_keys(
    partner: Partner, *, age_recipient: str, minisign_key: str, actor_id: int | None
) -> PartnerKey:
    """New keys for a partner. The old ones are kept, closed now: bundles they signed before
    still verify, and nothing new is encrypted to them."""
    fields = _key_fields(age_recipient, minisign_key, partner)
    now = clock.now()
    PartnerKey.objects.filter(partner=partner, valid_until=None).update(valid_until=now)
    key = PartnerKey.objects.create(partner=partner, valid_from=now, **fields)
    audit.record("exchange.partner", actor_id=actor_id, object_type="partner", object_id=partner.pk)
    return key


@transaction.atomic
def vet_partner(
    partner: Partner, *, actor_id: int | None, expires_on: datetime.date | None
) -> Partner:
    _check_expiry(expires_on)
    partner.vetted_at = clock.now()
    partner.vetted_by_id = actor_id
    partner.expires_on = expires_on
    partner.save(update_fields=["vetted_at", "vetted_by", "expires_on"])
    audit.record("exchange.partner", actor_id=actor_id, object_type="partner", object_id=partner.pk)
    return partner


def current_key(partner: Partner) -> PartnerKey | None:
    return partner.keys.filter(valid_until=None).first()


def usable_problem(partner: Partner) -> str | None:
    """Why nothing may be exchanged with this partner now, or None."""
    if partner.vetted_at is None:
        return _("%(partner)s has not been vetted.") % {"partner": partner.name}
    if partner.expires_on is not None and partner.expires_on < clock.today():
        return _("%(partner)s's vetting expired on %(date)s.") % {
            "partner": partner.name,
            "date": partner.expires_on.isoformat(),
        }
    return None


# --- Export -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    export: Export
    age_file: bytes
    signature: str


def _consents(user: Any, case_list: list[Any]) -> list[int]:
    """The live consents that cover sharing every person in these cases with a partner."""
    now = clock.now()
    ids = []
    for person in records.people_of(user, case_list):
        consent = records.live_consent(person, ConsentScope.SHARE_PARTNER, now)
        if consent is None:
            withdrawn = (
                cases.consents_of(person)
                .filter(scope=ConsentScope.SHARE_PARTNER)
                .exclude(withdrawn_at=None)
                .first()
            )
            scope = ConsentScope(ConsentScope.SHARE_PARTNER).label
            if withdrawn is not None:
                raise RuleError(
                    _(
                        "%(person)s withdrew consent %(consent)s (“%(scope)s”) on %(date)s: "
                        "nothing about them may be sent."
                    )
                    % {
                        "person": person.pseudonym,
                        "consent": withdrawn.pk,
                        "scope": scope,
                        "date": withdrawn.withdrawn_at.date().isoformat()
                        if withdrawn.withdrawn_at
                        else "",
                    },
                    "cases",
                )
            raise RuleError(
                _(
                    "%(person)s has no live consent “%(scope)s”: record it on their "
                    "person's page before sending anything about them."
                )
                % {"person": person.pseudonym, "scope": scope},
                "cases",
            )
        ids.append(consent.pk)
    return sorted(ids)


def _cases(user: Any, references: list[str]) -> list[Any]:
    found = []
    for reference in dict.fromkeys(r.strip() for r in references if r.strip()):
        case = cases.case_for(user, reference)
        if case is None:
            raise RuleError(
                _("No case %(reference)s that you can open.") % {"reference": reference}, "cases"
            )
        found.append(case)
    if not found:
        raise RuleError(_("Choose at least one case."), "cases")
    return found


def export_bundle(
    user: Any,
    partner: Partner,
    case_references: list[str],
    *,
    profile: str,
    purpose: str = Purpose.JOINT_INVESTIGATION,
    to_self: bool = False,
) -> Sent:
    """Build, encrypt and sign a bundle of these cases for `partner`. The caller's key
    context must open the cases. Refused (nothing written) without a live consent for each
    person named, for an unvetted partner, or without the organisation's keys."""
    profile = choice(profile, Profile, "profile", _("Profile"))
    purpose = choice(purpose, Purpose, "purpose", _("Purpose"))
    if (problem := usable_problem(partner)) is not None:
        raise RuleError(problem, "partner")
    key = current_key(partner)
    if key is None:
        raise RuleError(_("This partner has no key to encrypt to."), "partner")
    case_list = _cases(user, case_references)
    consent_ids = _consents(user, case_list)
    own = identity.opened()
    bundle_id = uuid.uuid4()
    now = clock.now()
    sender = settings.ORGANISATION_NAME
    with transaction.atomic():
        reason = _("Sent to %(partner)s in bundle %(bundle)s") % {
            "partner": partner.name,
            "bundle": bundle_id,
        }
        collected = records.collect(
            case_list, profile=profile, sender=sender, actor=user, reason=reason
        )
        files = {
            "records.json": json.dumps(collected.records, indent=2, ensure_ascii=False).encode(),
            "openevsys.xml": interop.openevsys_xml(collected.records),
            "records.csv": interop.records_csv(collected.records),
            **collected.files,
        }
        manifest = {
            "schema": bundle.SCHEMA,
            "bundle_id": str(bundle_id),
            "sender": {
                "name": sender,
                "age_recipient": own.public.age_recipient,
                "minisign_key": own.public.minisign_key,
            },
            "recipient_fingerprint": keys.recipient_fingerprint(key.age_recipient),
            "purpose": purpose,
            "created_at": now.isoformat(),
            "profile": profile,
            # Our own record numbers only where everything is shared (as records.management
            # does): in a minimised profile they would tie a person across bundles to us.
            "consent_record_ids": consent_ids if profile == Profile.FULL else [],
        }
        recipients = [key.age_recipient] + ([own.public.age_recipient] if to_self else [])
        age_file = bundle.encrypt(bundle.pack(files, manifest), recipients)
        signature = bundle.sign(age_file, own.signing, bundle_id=str(bundle_id), sender=sender)
        export = Export.objects.create(
            id=bundle_id,
            partner=partner,
            partner_key=key,
            profile=profile,
            purpose=purpose,
            case_references=[case.reference for case in case_list],
            consent_ids=consent_ids,
            sha256=bundle.sha256(age_file),
            created_by=user,
            created_at=now,
        )
        ExportedRecord.objects.bulk_create(
            ExportedRecord(export=export, record_type=kind, record_id=record_id)
            for kind, record_id in dict.fromkeys(collected.sent)
        )
        audit.record("exchange.export", actor_id=user.pk, object_type="bundle", object_id=bundle_id)
    return Sent(export, age_file, signature)


# --- Import -------------------------------------------------------------------------------


def _refuse(refusal: bundle.Refused, actor_id: int | None, field: str = "bundle") -> RuleError:
    audit.record(
        "exchange.refuse", actor_id=actor_id, object_type="bundle", object_id=refusal.reason
    )
    # A replay is the present state's refusal (done already), not the file's.
    refused = Conflict if refusal.reason == bundle.REPLAYED else RuleError
    return refused(refusal.message, field)


def _replayed(bundle_id: uuid.UUID) -> bundle.Refused:
    return bundle.Refused(
        bundle.REPLAYED,
        _("Bundle %(bundle)s was already received: a bundle is imported once.")
        % {"bundle": bundle_id},
    )


def _signer(signature: str | None) -> PartnerKey:
    key_id = keys.key_id_text(bundle.signer_key_id(signature))
    key = PartnerKey.objects.filter(key_id=key_id).select_related("partner").first()
    if key is None:
        raise bundle.Refused(
            bundle.UNKNOWN_SIGNER,
            _("The bundle is signed by key %(key)s, which belongs to no partner of ours.")
            % {"key": key_id},
        )
    return key


# A retired key vouches for bundles dated before its retirement, and only while such a bundle
# may still be on its way: the manifest's date is the sender's word, so past this a stolen or
# lost retired key could sign a bundle dated back and have it taken.
IN_TRANSIT = datetime.timedelta(days=30)


def _created_at(manifest: dict[str, Any]) -> datetime.datetime:
    try:
        created = datetime.datetime.fromisoformat(str(manifest["created_at"]))
    except (KeyError, ValueError) as error:
        raise bundle.Refused(bundle.DAMAGED, _("The manifest has no date.")) from error
    if created.tzinfo is None:
        raise bundle.Refused(bundle.DAMAGED, _("The manifest has no date."))
    return created


def _open(data: bytes, signature: str | None) -> tuple[PartnerKey, bundle.Opened]:
    key = _signer(signature)
    assert signature is not None
    bundle.check_signature(data, signature, key.minisign_key)
    own = identity.opened()
    zipped = bundle.decrypt(data, own.age)
    manifest, files = bundle.unpack(
        zipped, our_fingerprint=keys.recipient_fingerprint(own.public.age_recipient)
    )
    created = _created_at(manifest)
    retired = key.valid_until
    if retired is not None and created > retired:
        raise bundle.Refused(
            bundle.UNKNOWN_SIGNER,
            _("The bundle is signed with a key that %(partner)s retired on %(date)s.")
            % {"partner": key.partner.name, "date": retired.date().isoformat()},
        )
    if retired is not None and clock.now() > retired + IN_TRANSIT:
        raise bundle.Refused(
            bundle.UNKNOWN_SIGNER,
            _(
                "The bundle is signed with a key that %(partner)s retired on %(date)s. A "
                "retired key is taken for %(days)d days after, for bundles already on their "
                "way; ask %(partner)s to send it again, signed with its current key."
            )
            % {
                "partner": key.partner.name,
                "date": retired.date().isoformat(),
                "days": IN_TRANSIT.days,
            },
        )
    try:
        bundle_id = uuid.UUID(str(manifest.get("bundle_id")))
    except ValueError as error:
        raise bundle.Refused(bundle.DAMAGED, _("The manifest has no bundle id.")) from error
    if Received.objects.filter(bundle_id=bundle_id).exists():
        raise _replayed(bundle_id)
    return key, bundle.Opened(manifest, files, bundle.sha256(data))


def _shaped(record: Any, name: str, kind: type) -> Any:
    """`record[name]` where the schema has a `kind` (empty where absent); ValueError, read as
    a damaged bundle, where the record or the value is of another shape: the review page reads
    them as such ("place": "Bogotá" had been a 500 there, and the record could not be
    rejected)."""
    if not isinstance(record, dict):
        raise ValueError("a record is not an object")
    value: Any = record.get(name)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise ValueError(f"{name} is not a {kind.__name__}")
    if isinstance(value, list) and not all(isinstance(x, (dict, str, int)) for x in value):
        raise ValueError(f"{name} holds something other than records and ids")
    return value


def _items(opened: bundle.Opened) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, local id, content) of each record to review."""
    try:
        data = json.loads(opened.files["records.json"])
        victims = {v["id"]: v for v in data.get("victims", [])}
        perpetrators = {p["id"]: p for p in data.get("perpetrators", [])}
        case_by_id = {c["id"]: c for c in data.get("cases", [])}
        # Each event's links, gathered once: reading the whole chain for each event took
        # 7.6 s for 10,000 events and 10,000 links.
        chains: dict[Any, list[dict[str, Any]]] = {}
        for link in data.get("chain_of_events", []):
            for end in dict.fromkeys((link["from"], link["to"])):
                chains.setdefault(end, []).append(link)
        found: list[tuple[str, str, dict[str, Any]]] = []
        for person in data.get("persons", []):
            _shaped(person, "biographic_details", dict)
            found.append((ItemKind.PERSON, str(person["id"]), {"person": person}))
        for event in data.get("events", []):
            _shaped(event, "place", dict)
            _shaped(event, "date", dict)
            for act in _shaped(event, "acts", list):
                _shaped(act, "victims", list)
            involved = [victims[v] for act in event.get("acts", []) for v in act.get("victims", [])]
            named = [
                perpetrators[i["perpetrator"]]
                for act in event.get("acts", [])
                for i in act.get("involvement", [])
            ]
            chain = chains.get(event["id"], [])
            content = {
                "event": event,
                "victims": involved,
                "perpetrators": named,
                "chain": chain,
            }
            found.append((ItemKind.EVENT, str(event["id"]), content))
        for item in data.get("evidence", []):
            file = opened.files[item["file"]]
            content = {
                "evidence": item,
                "case": case_by_id.get(item.get("case")),
                "bytes": file.hex(),
            }
            found.append((ItemKind.EVIDENCE, str(item["id"]), content))
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as error:
        # RecursionError: JSON nested past Python's depth.
        raise bundle.Refused(bundle.DAMAGED, _("The bundle's records are not readable.")) from error
    return found


def import_bundle(
    data: bytes, signature: str | None, *, compartment: Any, actor_id: int | None
) -> Received:
    """Check and land a bundle in quarantine, in `compartment` (whose members review it).
    Everything is decrypted in memory; what is kept is ciphertext under the compartment's
    record keys. A refusal (RuleError) says which check failed and writes only its audit."""
    try:
        key, opened = _open(data, signature)
        items = _items(opened)
        if (problem := usable_problem(key.partner)) is not None:
            raise bundle.Refused(bundle.UNKNOWN_SIGNER, problem)
    except bundle.Refused as refusal:
        raise _refuse(refusal, actor_id) from refusal
    manifest = opened.manifest
    return _land(
        items,
        actor_id=actor_id,
        bundle_id=uuid.UUID(manifest["bundle_id"]),
        partner=key.partner,
        partner_key=key,
        compartment=compartment,
        profile=str(manifest.get("profile", ""))[:16],
        purpose=str(manifest.get("purpose", ""))[:24],
        schema=str(manifest["schema"])[:32],
        sha256=opened.sha256,
        sent_at=_created_at(manifest),
        received_at=clock.now(),
    )


def _land(
    items: list[tuple[str, str, dict[str, Any]]], *, actor_id: int | None, **fields: Any
) -> Received:
    """The received bundle and its records in quarantine, in one transaction. The same bundle
    sent twice at once (a double click) passes the replay check in both: the second's row
    breaks the bundle id's uniqueness, and is refused as the replay it is, not a 500."""
    received_fields = {**fields, "received_by_id": actor_id}
    # New record keys are sealed with public keys only; a command has no key context of its
    # own, so it writes through an empty one.
    chain = current_or_none() or Keychain({})
    try:
        with unlocked(chain), transaction.atomic():
            try:
                with transaction.atomic():  # a savepoint: only this row's clash is the race
                    received = Received.objects.create(**received_fields)
            except IntegrityError as error:
                if not Received.objects.filter(bundle_id=fields["bundle_id"]).exists():
                    raise
                raise _replayed(fields["bundle_id"]) from error
            partner, compartment = received.partner, received.compartment
            for kind, local_id, content in items:
                content.update(partner=partner.name, bundle=str(received.bundle_id))
                QuarantineItem.objects.create(
                    received=received,
                    compartment=compartment,
                    data_key=vault.new_record_key(compartment, "exchange"),
                    kind=kind,
                    local_id=local_id[:40],
                    content=json.dumps(content, ensure_ascii=False),
                )
            audit.record(
                "exchange.import",
                actor_id=actor_id,
                object_type="bundle",
                object_id=received.bundle_id,
            )
    except bundle.Refused as refusal:
        # Refused once the transaction is undone, so that its audit entry stays.
        raise _refuse(refusal, actor_id) from refusal
    return received


# --- Files from older tools ---------------------------------------------------------------

LEGACY_FORMATS = ("openevsys", "csv")


def import_legacy(
    data: bytes, file_format: str, *, partner: Partner, compartment: Any, actor_id: int | None
) -> Received:
    """OpenEvSys XML or the exchange CSV from a partner on an older tool, into the same
    quarantine. Such files carry no signature: whoever imports them names the partner, and
    the same file twice is refused as a replay (its id is derived from its SHA-256)."""
    # Refused as a signed bundle from this partner would be: the file names no signer, but
    # whoever imports it names the partner.
    if (problem := usable_problem(partner)) is not None:
        raise _refuse(bundle.Refused(bundle.UNKNOWN_SIGNER, problem), actor_id, "partner")
    key = current_key(partner)
    if key is None:
        raise RuleError(_("This partner has no key to encrypt to."), "partner")
    try:
        parsed = (
            interop.read_openevsys(data) if file_format == "openevsys" else interop.read_csv(data)
        )
    except interop.ShortRow as short:
        raise RuleError(
            _("Line %(line)s of the CSV file has fewer cells than its header.")
            % {"line": short.line},
            "file",
        ) from short
    except (ValueError, KeyError, UnicodeDecodeError, SyntaxError, RecursionError) as error:
        # ElementTree's ParseError is a SyntaxError.
        raise RuleError(_("This file is not OpenEvSys XML or the exchange CSV."), "file") from error
    if not parsed["persons"] and not parsed["events"]:
        raise RuleError(_("This file holds no events and no people to import."), "file")
    digest = bundle.sha256(data)
    bundle_id = uuid.uuid5(uuid.NAMESPACE_URL, f"aegis-exchange-legacy:{digest}")
    if Received.objects.filter(bundle_id=bundle_id).exists():
        raise _refuse(_replayed(bundle_id), actor_id)
    items: list[tuple[str, str, dict[str, Any]]] = [
        (ItemKind.PERSON, str(p.get("id", "")), {"person": p}) for p in parsed["persons"]
    ] + [
        (ItemKind.EVENT, str(e.get("id", "")), {"event": e, "victims": [], "perpetrators": []})
        for e in parsed["events"]
    ]
    now = clock.now()
    return _land(
        items,
        actor_id=actor_id,
        bundle_id=bundle_id,
        partner=partner,
        partner_key=key,
        compartment=compartment,
        profile=Profile.FULL,
        purpose="",
        schema=file_format,
        sha256=digest,
        sent_at=now,
        received_at=now,
    )
