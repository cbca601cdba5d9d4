"""Writes and rules of intake: receiving a report and the reporter's follow-up with a
receipt code (the intake team's decisions are in triage.py).

Receiving needs no unlocked key: the submission key is sealed to public keys only (the
intake team and the organisation recovery key), and the raw key lives in a key context that
ends with the call. The web process cannot read a report after writing it."""

from __future__ import annotations

import datetime
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import rules
from aegis.audit import services as audit
from aegis.cases import services as cases
from aegis.cases.models import Compartment
from aegis.files import storage
from aegis.files.uploads import CheckedUpload
from aegis.rules import RuleError
from aegis.vault import crypto, wipe_key
from aegis.vault import selectors as vault_selectors
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked
from aegis.vault.models import DataKey

from . import flood, receipts, selectors
from .models import Submission, SubmissionFile, SubmissionMessage
from .vocabulary import DatePrecision, PerpetratorType, SenderKind, TargetKind

NARRATIVE_MAX = 20_000
MESSAGE_MAX = 20_000
PLACE_MAX = 500  # what an incident's exact location holds
LINE_MAX = 200
EARLIEST_YEAR = 1900


class ReceiptRefused(Exception):
    """One answer for a wrong, expired or malformed code, so none can be told from another."""

    MESSAGE = gettext_lazy(
        "We could not open a report with this code. Check that you typed it exactly as it was "
        "shown, then try again."
    )

    def __init__(self) -> None:
        super().__init__(str(self.MESSAGE))


class NotAccepting(Exception):
    """The instance's keys were destroyed (`aegis wipe`) and it has not been set up again:
    nothing can be sealed for the team, and no receipt opens anything."""

    MESSAGE = gettext_lazy("This service is not accepting reports at the moment.")

    def __init__(self) -> None:
        super().__init__(str(self.MESSAGE))


def require_accepting() -> None:
    if vault_selectors.wiped():
        raise NotAccepting()


# --- The report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """When it happened, as precisely as the reporter knows."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    def resolve(self) -> tuple[datetime.date | None, str]:
        """(the date with unknown parts set to 1, its precision); (None, "") when unknown.
        A refusal names the part to mend (`when_year`, `when_month`, `when_day`), as the
        form's fields and the API's answers call them."""
        if self.year is None:
            if self.month is not None or self.day is not None:
                raise RuleError(_("Give the year too, or leave the date empty."), "when_year")
            return None, ""
        if self.day is not None and self.month is None:
            raise RuleError(_("Give the month of this day too."), "when_month")
        if not EARLIEST_YEAR <= self.year <= 9999:
            raise RuleError(_("This year is not possible."), "when_year")
        try:
            when = datetime.date(self.year, self.month or 1, self.day or 1)
        except ValueError as exc:
            raise RuleError(_("This date does not exist in the calendar."), "when_day") from exc
        today = timezone.localdate()
        if when > today:
            # The first part past today's: 2999-03-14 is a wrong year, not a wrong day.
            part = (
                "when_year"
                if self.year > today.year
                else "when_month"
                if (self.month or 1) > today.month
                else "when_day"
            )
            raise RuleError(_("This date is in the future."), part)
        if self.approximate:
            precision = DatePrecision.APPROXIMATE
        elif self.day is not None:
            precision = DatePrecision.DAY
        elif self.month is not None:
            precision = DatePrecision.MONTH
        else:
            precision = DatePrecision.YEAR
        return when, str(precision)


@dataclass(frozen=True)
class Report:
    narrative: str
    target_kind: str
    perpetrator_type: str = PerpetratorType.UNKNOWN
    anonymous: bool = True
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    contact_channel: str = ""
    when: When = When()
    country: str = ""
    region: str = ""
    place_details: str = ""
    language: str = ""


# The public form words a refused place for someone who may never have seen ISO codes.
PUBLIC_PLACE = rules.PlaceWords(
    unknown_country=gettext_lazy("Choose a country from the list."),
    no_country=gettext_lazy("Choose the country first, then the region."),
    elsewhere=gettext_lazy("This region is not in the country you chose. Choose the region again."),
)


@dataclass(frozen=True)
class CleanReport:
    fields: dict[str, Any]
    occurred_on: datetime.date | None


def clean_report(report: Report) -> CleanReport:
    """Check every rule; RuleError names the first field that breaks one."""
    fields, problems = _checked(report)
    if problems:
        raise problems[0]
    occurred_on = fields.pop("_occurred_on")
    return CleanReport(fields=fields, occurred_on=occurred_on)


def report_problems(report: Report) -> list[RuleError]:
    """Every rule the report breaks, one per part (the text, the contact, who, the place,
    the date): the public form says them all at once, since a reporter re-attaches their
    files at each sending."""
    return _checked(report)[1]


def _checked(report: Report) -> tuple[dict[str, Any], list[RuleError]]:
    problems: list[RuleError] = []

    def part(check: Callable[[], Any], default: Any) -> Any:
        try:
            return check()
        except RuleError as refused:
            problems.append(refused)
            return default

    narrative = part(lambda: _narrative(report), "")
    contact = part(lambda: _contact(report), {})
    part(lambda: _targeted(report), None)
    part(lambda: _perpetrator(report), None)
    country, region = part(
        lambda: rules.place(report.country, report.region, PUBLIC_PLACE), ("", "")
    )
    occurred_on, precision = part(report.when.resolve, (None, ""))
    place_details = part(
        lambda: rules.text(
            report.place_details, "place_details", _("Details of the place"), limit=PLACE_MAX
        ),
        "",
    )
    language = report.language if report.language in dict(settings.LANGUAGES) else ""
    fields = {
        "narrative": narrative,
        "anonymous": report.anonymous,
        **contact,
        "target_kind": report.target_kind,
        "perpetrator_type": report.perpetrator_type,
        "country": country,
        "region": region,
        "place_details": place_details,
        "occurred_on": occurred_on.isoformat() if occurred_on else "",
        "date_precision": precision,
        "occurred_year": report.when.year if occurred_on else None,
        "occurred_month": report.when.month if occurred_on else None,
        "language": language,
        "_occurred_on": occurred_on,
    }
    return fields, problems


def _narrative(report: Report) -> str:
    narrative = rules.text(report.narrative, "narrative", _("What happened"), limit=NARRATIVE_MAX)
    if not narrative:
        raise RuleError(_("Tell us what happened."), "narrative")
    return narrative


def _contact(report: Report) -> dict[str, str]:
    contact = {
        "contact_name": rules.text(
            report.contact_name, "contact_name", _("Name"), limit=LINE_MAX, line=True
        ),
        "contact_phone": rules.text(
            report.contact_phone, "contact_phone", _("Phone"), limit=LINE_MAX, line=True
        ),
        "contact_email": rules.text(
            report.contact_email, "contact_email", _("Email"), limit=LINE_MAX, line=True
        ),
        "contact_channel": rules.text(
            report.contact_channel,
            "contact_channel",
            _("Preferred way to reach you"),
            limit=LINE_MAX,
            line=True,
        ),
    }
    if contact["contact_email"]:
        # The rule of the web form's EmailField, for every client of this service.
        try:
            validate_email(contact["contact_email"])
        except ValidationError as invalid:
            raise RuleError(str(invalid.messages[0]), "contact_email") from invalid
    if report.anonymous and any(contact.values()):
        raise RuleError(
            _(
                "You chose to stay anonymous but filled in contact details. Clear them, or "
                "choose to give contact details."
            ),
            "anonymous",
        )
    if not report.anonymous and not (
        contact["contact_phone"] or contact["contact_email"] or contact["contact_channel"]
    ):
        raise RuleError(
            _(
                "Give at least one way to reach you (phone, email or another channel), or choose "
                "to stay anonymous."
            ),
            "contact_phone",
        )
    return contact


def _targeted(report: Report) -> None:
    if report.target_kind not in TargetKind.values:
        raise RuleError(_("Say who was targeted."), "target_kind")


def _perpetrator(report: Report) -> None:
    if report.perpetrator_type not in PerpetratorType.values:
        raise RuleError(_("Choose who did it from the list."), "perpetrator_type")


# --- Receiving ------------------------------------------------------------------------------


def room_for_files(sizes: Iterable[int]) -> bool:
    """Whether the public form may store files of these sizes now: within the hour's
    budget of anonymous uploads (AEGIS_INTAKE_UPLOAD_MB_PER_HOUR), and leaving the disk its
    reserve (AEGIS_MIN_FREE_DISK_MB). Anyone may post the form, and a full disk would stop
    the database, alerts included, as well as the next report. Both count the files as
    stored, padded (files.storage.stored_size): the exact sizes are not kept in clear."""
    mb = 1024 * 1024
    total = sum(storage.stored_size(size) for size in sizes)
    since = timezone.now() - datetime.timedelta(hours=1)
    recent = SubmissionFile.objects.filter(created_at__gte=since).aggregate(n=Sum("stored_size"))[
        "n"
    ]
    if (recent or 0) + total > settings.AEGIS_INTAKE_UPLOAD_MB_PER_HOUR * mb:
        return False
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(media).free - total > settings.AEGIS_MIN_FREE_DISK_MB * mb


def intake_compartment() -> Compartment:
    """The compartment whose members read reports (created on first use)."""
    found = selectors.intake_compartment_or_none()
    if found is not None:
        return found
    name = selectors.intake_compartment_name()
    try:
        with transaction.atomic():
            return cases.create_compartment(name, "Reads reports from the public form")
    except IntegrityError:
        return Compartment.objects.get(name=name)


def _submission_key(compartment: Compartment) -> DataKey:
    """A fresh key sealed to each member of the intake team and to the organisation recovery
    key, so that a report is never lost even when the team is empty. The compartment keeps
    it, so that people who join the team later receive it."""
    return vault.new_record_key(compartment, "submission", recovery=True)


def _store_files(
    submission: Submission,
    uploads: Sequence[CheckedUpload],
    written: list[str],
    *,
    sender: str,
    message: SubmissionMessage | None = None,
) -> None:
    for upload in uploads:
        upload.data.seek(0)
        blob_id = storage.store(submission.data_key_id, upload.data)
        written.append(blob_id)
        SubmissionFile.objects.create(
            submission=submission,
            message=message,
            data_key_id=submission.data_key_id,
            sender=sender,
            name=upload.name,
            sha256=upload.sha256,
            sealed_type=upload.content_type,
            stored_size=storage.stored_size(upload.size),
            exact_size=str(upload.size),
            blob_id=blob_id,
            evidence_sealed="",  # in no case's evidence yet (sealed, as an id would be)
        )


def delete_blobs(written: Iterable[str]) -> None:
    for blob_id in written:
        storage.delete(blob_id)


@dataclass(frozen=True)
class Receipt:
    submission_id: uuid.UUID
    code: str  # shown to the reporter once, never stored
    received_at: datetime.datetime


def submit_report(
    report: Report, uploads: Sequence[CheckedUpload] = (), *, form_nonce: str | None = None
) -> Receipt:
    """Store a report and its files, all or nothing; return the receipt code (shown once).

    The Argon2id derivation runs before the transaction opens, so the database is never
    locked while it runs."""
    require_accepting()
    clean = clean_report(report)
    code = receipts.new_code()
    normalised = receipts.normalise(code)
    assert normalised is not None
    cost = vault.kdf_cost()
    salt = crypto.new_salt()
    version, receipt_key = _bound_receipt_key(receipts.derive(normalised, salt, cost))
    written: list[str] = []
    try:
        # A key context of its own: the raw key is forgotten when it ends, and a signed-in
        # person's own keychain is not touched.
        with unlocked(Keychain({})) as chain, transaction.atomic():
            require_accepting()  # again: a wipe may have happened during the derivation
            if form_nonce is not None:
                flood.consume_form_token(form_nonce)
            now = timezone.now()
            held = flood.register_report(now)
            compartment = intake_compartment()
            data_key = _submission_key(compartment)
            submission = Submission(
                compartment=compartment,
                data_key=data_key,
                received_at=now,
                held=held,
                receipt_lookup=receipts.lookup_hash(normalised),
                receipt_salt=salt,
                receipt_wrapped_key=crypto.box_encrypt(receipt_key, chain.data_key(data_key.id)),
                receipt_opslimit=cost.opslimit,
                receipt_memlimit=cost.memlimit,
                receipt_seal_version=version,
                receipt_expires_at=now + receipts.lifetime(),
                **clean.fields,
            )
            submission.save(force_insert=True)
            _store_files(submission, uploads, written, sender=SenderKind.REPORTER)
            audit.record(
                "intake.submit", actor_id=None, object_type="submission", object_id=submission.pk
            )
    except BaseException:
        delete_blobs(written)
        raise
    return Receipt(submission.pk, code, now)


def _bound_receipt_key(derived: bytes) -> tuple[int, bytes]:
    """The key that wraps a receipt's copy of the submission key, and its seal version: the
    key from the code bound to the wipe key (made on first use). Where the wipe key is gone
    while keys sealed under it remain (logged), the report is not refused for it: the key
    from the code alone, version 0, as before the wipe key existed."""
    try:
        bound = vault.current_wipe_key()
    except vault.WipeKeyMissing:
        return 0, derived
    return wipe_key.SEAL_VERSION, wipe_key.bind(derived, wipe_key.RECEIPT, bound)


# --- Follow-up with the receipt code --------------------------------------------------------


def _destroy_receipts(submissions: QuerySet[Submission]) -> int:
    return submissions.update(receipt_lookup=None, receipt_salt=None, receipt_wrapped_key=None)


def forget_expired_receipts() -> int:
    """Destroy the receipts (lookup hash and wrapped key) of expired codes."""
    return _destroy_receipts(
        Submission.objects.filter(
            receipt_expires_at__lte=timezone.now(), receipt_lookup__isnull=False
        )
    )


def destroy_receipts() -> vault.Shredded:
    """For `aegis wipe`: every receipt. Each holds the submission key wrapped under a key
    derived from the code, so a code kept by a reporter (or taken from one) would still open
    the report after every other key copy is gone."""
    kept = Submission.objects.exclude(
        receipt_lookup=None, receipt_salt=None, receipt_wrapped_key=None
    )
    return vault.Shredded({"receipts": _destroy_receipts(kept)}, (Submission,))


def open_receipt(code: str) -> receipts.ThreadAccess:
    """The access a code gives, or ReceiptRefused: the same answer for a wrong, an expired and
    a malformed code. A code that matches no receipt is refused after one indexed lookup (no
    Argon2id, no write), so guessing costs the server next to nothing and never holds up a
    reporter; only a code that exists is derived, and TooManyAttempts answers when that
    receipt was opened too often this minute. The quick refusal tells a guesser only what
    the answer already does (timing shows lookup versus derivation, nothing more).
    NotAccepting after a wipe (before anything is read)."""
    require_accepting()
    normalised = receipts.normalise(code)
    submission = (
        Submission.objects.filter(receipt_lookup=receipts.lookup_hash(normalised))
        .only(
            "pk",
            "receipt_salt",
            "receipt_wrapped_key",
            "receipt_opslimit",
            "receipt_memlimit",
            "receipt_seal_version",
            "receipt_expires_at",
        )
        .first()
        if normalised
        else None
    )
    if submission is None:
        raise ReceiptRefused()
    # Expired receipts are destroyed here, where a real one is used, rather than on every
    # guess: a wrong code writes nothing.
    forget_expired_receipts()
    if submission.receipt_expires_at <= timezone.now() or submission.receipt_salt is None:
        raise ReceiptRefused()
    flood.count_opening(submission.pk)
    cost = crypto.KdfCost(
        int(submission.receipt_opslimit or 0), int(submission.receipt_memlimit or 0)
    )
    assert normalised is not None
    derived = receipts.derive(normalised, bytes(submission.receipt_salt), cost)
    if submission.receipt_seal_version < wipe_key.SEAL_VERSION:
        derived = _bind_receipt(submission, derived)
    else:
        derived = _receipt_key_bound(derived)
    access = receipts.ThreadAccess(submission.pk, derived)
    reporter_keychain(access)
    return access


def _receipt_key_bound(derived: bytes) -> bytes:
    """The key from the code bound to the wipe key; ReceiptRefused where the wipe key is gone
    (logged; to the reporter, a wrong code)."""
    try:
        return wipe_key.bind(derived, wipe_key.RECEIPT)
    except wipe_key.WipeKeyMissing as exc:
        raise ReceiptRefused() from exc


def _bind_receipt(submission: Submission, derived: bytes) -> bytes:
    """A receipt wrapped before the wipe key existed, opened with its code: wrapped again
    under the key bound to the wipe key, at once. Returns the key that opens it now (the
    key from the code alone where the wipe key cannot be had); ReceiptRefused where the key
    from the code does not open it. The wrap and its version are read again together, the
    row locked: the same code typed at once in another request (a double click) may have
    wrapped it again since `submission` was read, and is then opened as it is now."""
    with transaction.atomic():
        row = (
            Submission.objects.select_for_update()
            .filter(pk=submission.pk)
            .values_list("receipt_wrapped_key", "receipt_seal_version")
            .first()
        )
        if row is None or row[0] is None:
            return derived
        wrapped, current = bytes(row[0]), int(row[1] or 0)
        if current >= wipe_key.SEAL_VERSION:
            bound = _receipt_key_bound(derived)
            try:
                crypto.box_decrypt(bound, wrapped)
            except crypto.DecryptionError as exc:
                raise ReceiptRefused() from exc
            return bound
        try:
            raw = crypto.box_decrypt(derived, wrapped)
        except crypto.DecryptionError as exc:
            raise ReceiptRefused() from exc
        version, bound = _bound_receipt_key(derived)
        if version < wipe_key.SEAL_VERSION:
            return derived
        Submission.objects.filter(pk=submission.pk).update(
            receipt_wrapped_key=crypto.box_encrypt(bound, raw), receipt_seal_version=version
        )
        return bound


def reporter_keychain(access: receipts.ThreadAccess) -> tuple[Submission, Keychain]:
    """For a follow-up request: the submission and a key context that opens only it (its key
    unwrapped with the key derived from the code). ReceiptRefused once the receipt expired,
    NotAccepting after a wipe."""
    require_accepting()
    submission = (
        Submission.objects.filter(pk=access.submission_id, receipt_expires_at__gt=timezone.now())
        .exclude(receipt_wrapped_key=None)
        .first()
    )
    if submission is None or submission.receipt_wrapped_key is None:
        raise ReceiptRefused()
    try:
        raw = crypto.box_decrypt(access.receipt_key, bytes(submission.receipt_wrapped_key))
    except crypto.DecryptionError as exc:
        raise ReceiptRefused() from exc
    chain = Keychain({})
    chain.remember(submission.data_key_id, raw)
    return submission, chain


def add_reporter_message(
    access: receipts.ThreadAccess, body: str, uploads: Sequence[CheckedUpload] = ()
) -> SubmissionMessage:
    body = rules.text(body, "body", _("Your message"), limit=MESSAGE_MAX)
    if not body and not uploads:
        raise RuleError(_("Write a message or attach a file."), "body")
    submission, chain = reporter_keychain(access)
    written: list[str] = []
    try:
        with unlocked(chain), transaction.atomic():
            message = SubmissionMessage.objects.create(
                submission=submission,
                data_key_id=submission.data_key_id,
                sender=SenderKind.REPORTER,
                body=body,
            )
            _store_files(submission, uploads, written, sender=SenderKind.REPORTER, message=message)
            audit.record(
                "intake.submit",
                actor_id=None,
                object_type="submission-message",
                object_id=message.pk,
            )
    except BaseException:
        delete_blobs(written)
        raise
    return message


# --- Expiry (retention) -----------------------------------------------------------------------


def shred_report(submission: Submission, *, actor_id: int | None) -> int:
    """Expire a report that was never taken up: its messages, files and receipt go with it,
    its keys are destroyed (the recovery key's copy too), then its encrypted files are
    removed from the blob store once that is committed. Returns the keys shredded."""
    from .vocabulary import SubmissionStatus

    if submission.status == SubmissionStatus.CONVERTED:
        raise ValueError("A report taken up into a case expires with its case.")
    blobs = list(submission.files.values_list("blob_id", flat=True))
    with transaction.atomic():
        shredded = cases.shred_records([submission], actor_id=actor_id)
        transaction.on_commit(lambda: delete_blobs(blobs))
    return shredded
