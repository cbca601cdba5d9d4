"""Writes and rules of triage, for the intake team: replying to the reporter, marking spam
or duplicates, and taking a report up as a case and/or an incident with its narrative,
place, date, follow-up messages and files carried over (nothing is typed again).

Every function runs in the caller's key context, which must hold the submission key."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from aegis.audit import services as audit
from aegis.cases import services as cases
from aegis.cases.models import Compartment
from aegis.files import storage
from aegis.files.uploads import CheckedUpload
from aegis.rules import Conflict, RuleError
from aegis.vault.keychain import current

from . import selectors
from .models import Submission, SubmissionFile, SubmissionMessage, plain
from .services import MESSAGE_MAX, delete_blobs
from .vocabulary import DatePrecision, SenderKind, SubmissionStatus, TargetKind

REASON_MAX = 2_000


@transaction.atomic
def reply(submission: Submission, body: str, *, actor_id: int | None) -> SubmissionMessage:
    """A message to the reporter, encrypted under the submission key (they read it with
    their code). The caller's key context must hold that key."""
    body = _typed(
        body,
        MESSAGE_MAX,
        empty=_("The reply is empty."),
        too_long=_(
            "The reply is too long or contains a null character (at most %(limit)s characters)."
        ),
    )
    current().data_key(submission.data_key_id)  # NoKeyAccess before anything is written
    message = SubmissionMessage.objects.create(
        submission=submission,
        data_key_id=submission.data_key_id,
        sender=SenderKind.STAFF,
        author_id=actor_id,
        body=body,
    )
    audit.record(
        "intake.reply", actor_id=actor_id, object_type="submission", object_id=submission.pk
    )
    return message


def _typed(text: Any, limit: int, *, empty: str, too_long: str) -> str:
    """What the intake team typed, stripped; `empty` when there is nothing, `too_long` (with
    the %(limit)s) when it is longer than `limit` or holds a null character."""
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise RuleError(empty)
    if len(text) > limit or "\x00" in text:
        raise RuleError(too_long % {"limit": number_format(limit, force_grouping=True)})
    return text


def _reason(reason: str) -> str:
    return _typed(
        reason,
        REASON_MAX,
        empty=_("Say why: the reason is kept with the report."),
        too_long=_(
            "The reason is too long or contains a null character (at most %(limit)s characters)."
        ),
    )


@transaction.atomic
def mark_spam(submission: Submission, reason: str, *, actor_id: int | None) -> Submission:
    return _set_status(submission, SubmissionStatus.SPAM, _reason(reason), actor_id=actor_id)


@transaction.atomic
def mark_duplicate(
    submission: Submission, original: Submission, reason: str, *, actor_id: int | None
) -> Submission:
    if original.pk == submission.pk:
        raise RuleError(_("A report cannot be a duplicate of itself."))
    if original.compartment_id != submission.compartment_id:
        raise RuleError(_("Choose a report from the same intake queue."))
    submission.duplicate_of = original
    return _set_status(submission, SubmissionStatus.DUPLICATE, _reason(reason), actor_id=actor_id)


def _set_status(
    submission: Submission, status: str, reason: str, *, actor_id: int | None
) -> Submission:
    if submission.status == SubmissionStatus.CONVERTED:
        raise Conflict(_("This report has already been taken up as a case or incident."))
    submission.status = status
    submission.triage_reason = reason
    submission.triaged_by_id = actor_id
    submission.triaged_at = timezone.now()
    submission.save(
        update_fields=["status", "triage_reason", "triaged_by", "triaged_at", "duplicate_of"]
    )
    audit.record(
        "intake.triage", actor_id=actor_id, object_type="submission", object_id=submission.pk
    )
    return submission


@dataclass(frozen=True)
class CaseRequest:
    """What a caseworker decides when a report becomes a case (the rest is carried over)."""

    subject_kind: str = "person"
    pseudonym: str = ""
    subject_name: str = ""
    sector: str = "other"


@dataclass(frozen=True)
class IncidentRequest:
    title: str
    date_start: datetime.date | None = None  # only when the report gives no date


@dataclass(frozen=True)
class Conversion:
    case: Any | None
    incident: Any | None


def _upload_of(item: SubmissionFile) -> CheckedUpload:
    """One of the submission's files, decrypted, as a checked upload for the evidence store
    (the hash it was received with: the evidence store checks the bytes against it)."""
    data = io.BytesIO()
    storage.read(item.data_key_id, item.blob_id, data)
    data.seek(0)
    return CheckedUpload(plain(item.name), item.content_type, item.size, plain(item.sha256), data)


def _uploads_of(submission: Submission) -> list[tuple[SubmissionFile, CheckedUpload]]:
    """The submission's files, each with its checked upload for the evidence store."""
    return [(item, _upload_of(item)) for item in submission.files.all()]


def _thread_note(submission: Submission) -> str:
    lines = []
    for message in submission.messages.all():
        who = _("Reporter") if message.sender == SenderKind.REPORTER else _("Protection team")
        lines.append(f"[{message.created_at:%Y-%m-%d %H:%M} UTC] {who}:\n{plain(message.body)}")
    return "\n\n".join(lines)


LINK_FIELDS = ("case_sealed", "incident_sealed", "legacy_case", "legacy_incident_reference")


def seal_links(submission: Submission) -> None:
    """Seal the case and incident a report made before they were sealed became (kept in
    clear, see the model), now that a member who opens it does: nothing a reader sees
    changes, so nothing is logged."""
    if submission.links_sealed:
        return
    submission.case_reference, submission.incident_reference = (
        submission.case_reference,
        submission.incident_reference,
    )
    submission.save(update_fields=list(LINK_FIELDS))


def forget_links() -> int:
    """For `aegis wipe`: the links kept in clear before they were sealed. No key seals them
    after the wipe, and in clear they still tie a case or an incident to the moment its
    report was sent. Returns how many reports kept one."""
    return Submission.objects.exclude(legacy_case=None, legacy_incident_reference="").update(
        legacy_case=None, legacy_incident_reference=""
    )


def convert(
    submission: Submission,
    compartment: Compartment,
    *,
    actor_id: int | None,
    case: CaseRequest | None = None,
    incident: IncidentRequest | None = None,
) -> Conversion:
    """Open a case (with a person from the contact details when the report is about the
    reporter) and/or record an incident, carrying over the narrative, place, date, follow-up
    messages and files. All or nothing; the caller's key context must hold the submission key
    and be a member of `compartment`."""
    if case is None and incident is None:
        raise RuleError(_("Choose to open a case, record an incident, or both."))
    if submission.status in (SubmissionStatus.CONVERTED, SubmissionStatus.SPAM):
        raise Conflict(_("This report has already been handled."))
    if actor_id is None or not compartment.members.filter(user_id=actor_id).exists():
        raise RuleError(_("Choose a compartment you are a member of."))
    current().data_key(submission.data_key_id)  # NoKeyAccess before anything is written
    uploads = _uploads_of(submission)
    carried: list[Any] = []
    try:
        with transaction.atomic():
            opened = _open_case(submission, compartment, case, actor_id) if case else None
            recorded = (
                _record_incident(submission, compartment, incident, actor_id, opened)
                if incident
                else None
            )
            # Files last: the evidence store writes blobs that a rollback cannot take back.
            if opened is not None:
                _carry_files(submission, opened, uploads, actor_id, into=carried)
            submission.status = SubmissionStatus.CONVERTED
            submission.case_reference = getattr(opened, "reference", "") or ""
            submission.incident_reference = getattr(recorded, "reference", "") or ""
            submission.triaged_by_id = actor_id
            submission.triaged_at = timezone.now()
            submission.save(update_fields=["status", *LINK_FIELDS, "triaged_by", "triaged_at"])
            audit.record(
                "intake.triage",
                actor_id=actor_id,
                object_type="submission",
                object_id=submission.pk,
            )
    except BaseException:
        delete_blobs(item.blob_id for item in carried)
        raise
    return Conversion(opened, recorded)


def _open_case(
    submission: Submission, compartment: Compartment, request: CaseRequest, actor_id: int | None
) -> Any:
    person = None
    if request.subject_kind == "person":
        pseudonym = request.pseudonym.strip()
        if not pseudonym:
            raise RuleError(_("Give the person a pseudonym; it is shown in lists."))
        about_reporter = submission.target_kind == TargetKind.ME and not submission.anonymous
        person = cases.create_person(
            compartment,
            actor_id=actor_id,
            pseudonym=pseudonym[:80],
            legal_name=plain(submission.contact_name) if about_reporter else "",
            phone=plain(submission.contact_phone) if about_reporter else "",
            email=plain(submission.contact_email) if about_reporter else "",
            contact_channels=plain(submission.contact_channel) if about_reporter else "",
            country=submission.country,
            region=submission.region,
            sector=request.sector,
        )
    try:
        opened = cases.open_case(
            compartment,
            subject_kind=request.subject_kind,
            person=person,
            subject_name=request.subject_name,
            summary=plain(submission.narrative),
            country=submission.country,
            region=submission.region,
            sector=request.sector,
            actor_id=actor_id,
        )
    except RuleError as exc:
        raise RuleError(str(exc)) from exc
    details = [
        _("Taken up from report %(ref)s received on %(date)s.")
        % {"ref": submission.reference, "date": f"{submission.received_at:%Y-%m-%d}"}
    ]
    if place := plain(submission.place_details):
        details.append(_("Place: %(place)s") % {"place": place})
    if occurred_on := plain(submission.occurred_on):
        details.append(
            _("When: %(date)s (%(precision)s)")
            % {"date": occurred_on, "precision": submission.date_precision}
        )
    if thread := _thread_note(submission):
        details.append(_("Follow-up messages:") + "\n" + thread)
    cases.add_note(opened, "\n\n".join(details), actor_id=actor_id)
    return opened


def _carry_files(
    submission: Submission,
    case: Any,
    uploads: list[tuple[SubmissionFile, CheckedUpload]],
    actor_id: int | None,
    *,
    into: list[Any],
) -> None:
    """The report's files as original evidence of the case, re-encrypted under its key;
    each item is added to `into` as soon as it exists, so a failure can remove its blob."""
    for item, upload in uploads:
        _carry(submission, item, upload, case, actor_id, into=into)


def _carry(
    submission: Submission,
    item: SubmissionFile,
    upload: CheckedUpload,
    case: Any,
    actor_id: int | None,
    *,
    into: list[Any],
) -> Any:
    """One file as original evidence of the case (its custody log says where it came from),
    and the file marked as in it; the caller's transaction holds both."""
    from aegis.evidence.services import add_evidence

    upload.data.seek(0)
    carried = add_evidence(case, upload, actor_id=actor_id, reason=_origin(submission, item))
    into.append(carried)
    item.evidence_sealed = str(carried.pk)
    item.save(update_fields=["evidence_sealed"])
    return carried


def _origin(submission: Submission, item: SubmissionFile) -> str:
    """Where a file came from, for its chain of custody: the report, or the reporter's
    message it came with (sent after the report, often after its take-up)."""
    if item.message_id is None:
        return _("Sent with report %(ref)s") % {"ref": submission.reference}
    return _("Sent by the reporter with a later message on report %(ref)s (%(date)s UTC)") % {
        "ref": submission.reference,
        "date": f"{item.created_at:%Y-%m-%d %H:%M}",
    }


def carry_file(
    submission: Submission, item: SubmissionFile, case: Any, *, actor_id: int | None
) -> Any:
    """Add to the case's evidence a file of the report that is not in it yet (one the
    reporter sent after the take-up), as the take-up carried the others: an original under
    the case key, the hash it was received with, an upload in its chain of custody that
    names the reporter's message. Once only: Conflict when it is in the evidence already
    (a second press, or two at once), with nothing added. The caller's key context must
    hold the submission key and the case's key; `case` is the one the report became.

    The reporter's own request cannot do this when the file arrives: it holds the
    submission key alone (from the receipt code), never the case's."""
    if item.submission_id != submission.pk:
        raise RuleError(_("There is no such file."))
    if submission.status != SubmissionStatus.CONVERTED or not submission.case_reference:
        raise Conflict(_("This report was not taken up as a case: there is no case to add to."))
    if case is None or case.reference != submission.case_reference:
        raise RuleError(_("Choose the case this report was taken up as."))
    current().data_key(submission.data_key_id)  # NoKeyAccess before anything is read
    current().data_key(case.data_key_id)
    if selectors.in_case_evidence(submission, item):  # before reading the file: a double press
        raise _already(item, submission)
    upload = _upload_of(item)
    written: list[Any] = []
    try:
        with transaction.atomic():
            # Locked and read again: two presses at once carry it once.
            locked = SubmissionFile.objects.select_for_update().get(pk=item.pk)
            if selectors.in_case_evidence(submission, locked):
                raise _already(locked, submission)
            carried = _carry(submission, locked, upload, case, actor_id, into=written)
            audit.record(
                "intake.triage",
                actor_id=actor_id,
                object_type="submission-file",
                object_id=locked.pk,
            )
    except BaseException:
        delete_blobs(made.blob_id for made in written)
        raise
    item.evidence_sealed = locked.evidence_sealed
    return carried


def _already(item: SubmissionFile, submission: Submission) -> Conflict:
    return Conflict(
        _("“%(name)s” is already in the evidence of case %(ref)s: nothing was added.")
        % {"name": plain(item.name), "ref": submission.case_reference}
    )


def _record_incident(
    submission: Submission,
    compartment: Compartment,
    request: IncidentRequest,
    actor_id: int | None,
    case: Any,
) -> Any:
    from aegis.incidents.services import RuleError, create_incident

    if occurred_on := plain(submission.occurred_on):
        date_start = datetime.date.fromisoformat(occurred_on)
        precision = submission.date_precision
    elif request.date_start is not None:
        date_start, precision = request.date_start, str(DatePrecision.APPROXIMATE)
    else:
        raise RuleError(_("The report does not say when it happened: give a date."))
    try:
        return create_incident(
            compartment,
            actor_id=actor_id,
            title=request.title,
            description=plain(submission.narrative),
            date_start=date_start,
            date_precision=precision,
            country=submission.country,
            region=submission.region,
            exact_location=plain(submission.place_details),
            cases=(case,) if case is not None else (),
        )
    except RuleError as exc:
        raise RuleError(exc.message) from exc


def read_file(item: SubmissionFile, *, actor_id: int | None) -> tuple[str, bytes]:
    """A staff download of a reporter's file (the caller's key context holds the key)."""
    data = io.BytesIO()
    storage.read(item.data_key_id, item.blob_id, data)
    audit.record(
        "custody.download", actor_id=actor_id, object_type="submission-file", object_id=item.pk
    )
    return plain(item.name), data.getvalue()
