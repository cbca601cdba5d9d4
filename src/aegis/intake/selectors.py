"""Reads of intake. Staff see the submissions of the compartments they belong to (the intake
team); for anyone else a submission does not exist. Decrypted views are plain data, built
while a key context is unlocked, so templates never touch ciphertext."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format

from aegis import places
from aegis.cases import selectors as case_selectors
from aegis.cases.models import Compartment
from aegis.vault import wipe_key
from aegis.vault.selectors import open_records

from .models import FloodNotice, Submission, SubmissionFile, SubmissionMessage, plain
from .vocabulary import DatePrecision, PerpetratorType, SenderKind, SubmissionStatus, TargetKind

PAGE_SIZE = 25
DUPLICATE_CANDIDATES = 100
DEFAULT_INTAKE_COMPARTMENT = "Intake team"


def intake_compartment_name() -> str:
    return getattr(settings, "AEGIS_INTAKE_COMPARTMENT", None) or DEFAULT_INTAKE_COMPARTMENT


def receipts_under_wipe_key() -> int:
    """How many receipts still in use wrap their report's key under the wipe key: codes that
    open nothing without it."""
    return Submission.objects.filter(
        receipt_seal_version__gte=wipe_key.SEAL_VERSION,
        receipt_wrapped_key__isnull=False,
        receipt_expires_at__gt=timezone.now(),
    ).count()


def intake_compartment_or_none() -> Compartment | None:
    return Compartment.objects.filter(name=intake_compartment_name()).first()


def on_intake_team(user: Any) -> bool:
    compartment = intake_compartment_or_none()
    return compartment is not None and case_selectors.member_of(user, compartment.pk)


def visible_submissions(user: Any) -> QuerySet[Submission]:
    return case_selectors.visible(Submission, user)


def untriaged(user: Any) -> QuerySet[Submission]:
    return visible_submissions(user).filter(status=SubmissionStatus.NEW)


def submission_for(user: Any, submission_id: uuid.UUID) -> Submission | None:
    """The report, its key opened (its messages and files are under the same key)."""
    submission = visible_submissions(user).filter(pk=submission_id).first()
    open_records([submission])
    return submission


def file_for(submission: Submission, file_id: int) -> SubmissionFile | None:
    return submission.files.filter(pk=file_id).first()


def case_of(user: Any, submission: Submission) -> Any:
    """The case the report became, its key opened, where this person may open it; else None
    (the submission key open)."""
    reference = submission.case_reference if taken_up_as_case(submission) else ""
    return case_selectors.case_for(user, reference) if reference else None


def _last_sender() -> Subquery:
    """Who wrote a report's latest message (None: no message yet), as an annotation."""
    latest = SubmissionMessage.objects.filter(submission=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    return Subquery(latest.values("sender")[:1])


def awaiting_answer(user: Any) -> QuerySet[Submission]:
    """Reports already triaged whose reporter wrote last: a message sent with the receipt
    code after the report was taken up (or closed) that nobody on the team has answered.
    A new report is among those to triage."""
    # Only reports a reporter has written in are looked at: few are, and the latest message
    # of every report triaged over the years would be read on each dashboard otherwise.
    wrote = SubmissionMessage.objects.filter(sender=SenderKind.REPORTER).values("submission_id")
    # Spam is left out: its receipt codes still open, and a flood's sender writing again with
    # each would put an urgent line on every intake member's dashboard.
    return (
        visible_submissions(user)
        .exclude(status__in=(SubmissionStatus.NEW, SubmissionStatus.SPAM))
        .filter(pk__in=wrote)
        .annotate(last_sender=_last_sender())
        .filter(last_sender=SenderKind.REPORTER)
    )


def triage_page(user: Any, number: Any = None, *, awaiting: bool = False) -> Page:
    """The reports, newest first, each with `last_sender`; `awaiting`: only those whose
    reporter waits for an answer."""
    submissions = awaiting_answer(user) if awaiting else visible_submissions(user)
    submissions = submissions.annotate(file_count=Count("files"))
    page = Paginator(submissions.order_by("-received_at", "-pk"), PAGE_SIZE).get_page(number)
    if awaiting:  # awaiting_answer annotated it already: the reporter, on every row
        return page
    # Who wrote last, for the rows shown only: annotated on the list, the page's count had
    # worked it out for every report ever received.
    latest: dict[Any, str] = {}
    for submission_id, sender in (
        SubmissionMessage.objects.filter(submission__in=[s.pk for s in page.object_list])
        .order_by("submission", "-created_at", "-pk")
        .values_list("submission_id", "sender")
    ):
        latest.setdefault(submission_id, sender)
    for submission in page.object_list:
        setattr(submission, "last_sender", latest.get(submission.pk))  # noqa: B010
    return page


def recent_flood_notices(days: int = 7) -> QuerySet[FloodNotice]:
    since = timezone.now() - datetime.timedelta(days=days)
    return FloodNotice.objects.filter(last_at__gte=since)


def duplicate_candidates(user: Any, submission: Submission) -> QuerySet[Submission]:
    return (
        visible_submissions(user)
        .filter(compartment_id=submission.compartment_id)
        .exclude(pk=submission.pk)
        .order_by("-received_at")[:DUPLICATE_CANDIDATES]
    )


def duplicate_label(candidate: Submission) -> str:
    """A candidate duplicate as the mark form names it: its reference, when it arrived as the
    reader's language writes it and its country by name ("B620127A · 2026-12-08 00:04 · PH"
    had been shown in every language). Coded fields only: nothing to open."""
    received = date_format(timezone.localtime(candidate.received_at), "SHORT_DATETIME_FORMAT")
    country = places.country_name(candidate.country) or candidate.country
    return " · ".join(part for part in (candidate.reference, received, country) if part)


# --- Decrypted views (call inside a key context holding the submission key) -----------------


@dataclass(frozen=True)
class FileView:
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    sender: str
    created_at: datetime.datetime
    # For the intake team only (the reporter's views leave them out):
    after_take_up: bool = False  # sent once the report was taken up
    in_evidence: bool = False  # in the evidence of the case the report became
    evidence_id: str = ""  # that evidence item, where it was recorded
    can_carry: bool = False  # the report has a case, and the file is not in its evidence


@dataclass(frozen=True)
class MessageView:
    sender: str
    sender_label: str
    body: str
    created_at: datetime.datetime
    files: list[FileView]


@dataclass(frozen=True)
class SubmissionView:
    submission: Submission
    narrative: str
    anonymous: bool
    contact_name: str
    contact_phone: str
    contact_email: str
    contact_channel: str
    occurred_on: datetime.date | None  # as precise as date_precision says
    date_precision: str
    date_precision_label: str
    place_details: str
    target_label: str
    perpetrator_label: str
    triage_reason: str
    files: list[FileView]
    thread: list[MessageView]
    case_reference: str = ""  # the case the report became, if any

    @property
    def all_files(self) -> list[FileView]:
        return [*self.files, *(f for m in self.thread for f in m.files)]

    @property
    def files_in_evidence(self) -> list[FileView]:
        return [f for f in self.all_files if f.in_evidence]

    @property
    def files_not_in_evidence(self) -> list[FileView]:
        return [f for f in self.all_files if f.can_carry]


def _file_view(item: SubmissionFile) -> FileView:
    return FileView(
        item.pk,
        plain(item.name),
        item.content_type,
        item.size,
        plain(item.sha256),
        item.sender,
        item.created_at,
    )


def taken_up_as_case(submission: Submission) -> bool:
    """Whether the report became a case (read with the submission key open)."""
    return submission.status == SubmissionStatus.CONVERTED and bool(submission.case_reference)


def sent_after_take_up(submission: Submission, item: SubmissionFile) -> bool:
    return (
        submission.status == SubmissionStatus.CONVERTED
        and submission.triaged_at is not None
        and item.created_at > submission.triaged_at
    )


def in_case_evidence(submission: Submission, item: SubmissionFile) -> bool:
    """Whether the file is in the evidence of the case its report became (read with the
    submission key open). A file stored before this was recorded (no link, not even an
    empty one) is when it was there at the take-up: the take-up carried every file the
    report had, and nothing else carried files then."""
    link = item.evidence_link
    if link is not None:
        return bool(link)
    return (
        taken_up_as_case(submission)
        and submission.triaged_at is not None
        and not sent_after_take_up(submission, item)
    )


def _staff_file_view(submission: Submission, item: SubmissionFile) -> FileView:
    """A file as the intake team sees it: whether it came after the take-up, and whether it
    is in the case's evidence or may be added to it."""
    in_evidence = in_case_evidence(submission, item)
    return replace(
        _file_view(item),
        after_take_up=sent_after_take_up(submission, item),
        in_evidence=in_evidence,
        evidence_id=item.evidence_link or "",
        can_carry=not in_evidence and taken_up_as_case(submission),
    )


def _thread(
    submission: Submission, view: Callable[[SubmissionFile], FileView] = _file_view
) -> list[MessageView]:
    files_by_message: dict[int, list[FileView]] = {}
    for item in submission.files.exclude(message=None):
        files_by_message.setdefault(item.message_id or 0, []).append(view(item))
    return [
        MessageView(
            m.sender,
            str(SenderKind(m.sender).label),
            plain(m.body),
            m.created_at,
            files_by_message.get(m.pk, []),
        )
        for m in submission.messages.all()
    ]


def _day(iso: str) -> datetime.date | None:
    """The stored ISO date, for the page to write the reader's way; None where none was
    given (or, from an older version, one that does not read as a date)."""
    try:
        return datetime.date.fromisoformat(iso) if iso else None
    except ValueError:
        return None


def submission_view(submission: Submission) -> SubmissionView:
    def file_view(item: SubmissionFile) -> FileView:
        return _staff_file_view(submission, item)

    return SubmissionView(
        submission=submission,
        narrative=plain(submission.narrative),
        anonymous=submission.anonymous,
        contact_name=plain(submission.contact_name),
        contact_phone=plain(submission.contact_phone),
        contact_email=plain(submission.contact_email),
        contact_channel=plain(submission.contact_channel),
        occurred_on=_day(plain(submission.occurred_on)),
        date_precision=submission.date_precision,
        date_precision_label=(
            str(DatePrecision(submission.date_precision).label) if submission.date_precision else ""
        ),
        place_details=plain(submission.place_details),
        target_label=str(TargetKind(submission.target_kind).label),
        perpetrator_label=str(PerpetratorType(submission.perpetrator_type).label),
        triage_reason=plain(submission.triage_reason),
        files=[file_view(f) for f in submission.files.filter(message=None)],
        thread=_thread(submission, file_view),
        case_reference=submission.case_reference if taken_up_as_case(submission) else "",
    )


@dataclass(frozen=True)
class ReporterThread:
    received_at: datetime.datetime
    files: list[FileView]
    messages: list[MessageView]


def reporter_thread(submission: Submission) -> ReporterThread:
    """What the reporter sees with their code: replies and their own messages and files."""
    return ReporterThread(
        received_at=submission.received_at,
        files=[_file_view(f) for f in submission.files.filter(message=None)],
        messages=_thread(submission),
    )


def reports_not_taken_up(received_before: Any) -> QuerySet[Submission]:
    """Reports never taken up into a case (new, spam, duplicate) received before the given
    time, oldest first: what retention expires. Coded columns only, nothing opened."""
    return (
        Submission.objects.exclude(status=SubmissionStatus.CONVERTED)
        .filter(received_at__lt=received_before)
        .order_by("received_at", "pk")
    )
