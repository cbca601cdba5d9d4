"""API for news monitoring, mounted at /api/v1/monitoring/: the reading list, articles added
by hand, and the proposal queue (read, reject). Accepting and merging are done on the pages,
where the analyst sees the article beside the draft."""

import datetime
import json
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from aegis.api_auth import RoleAuth
from aegis.api_schemas import (
    WEB_ADDRESS,
    WEB_ADDRESS_OR_NONE,
    BlankIsNone,
    ErrorOut,
    InputSchema,
    OneLine,
    Pages,
    RecordId,
    RuleErrorOut,
    blank_allowed,
    column_max_length,
    form_max_length,
    requires,
    when,
)
from aegis.incidents.vocabulary import Reliability

from . import decisions, keys, manual, mentions, selectors, sources, texts
from .forms import PasteForm
from .models import Proposal, Source
from .vocabulary import ProposalStatus, RejectReason, SourceKind

router = Router(tags=["monitoring"], auth=RoleAuth("view_analytics"))
NOT_FOUND = gettext_noop("Not found.")


# The services check literal lengths here: the page's forms and the columns hold the same.
SOURCE_NAME_MAX = column_max_length(Source, "name")
TITLE_MAX = form_max_length(PasteForm, "title")
REJECT_NOTE_MAX = decisions.REJECT_NOTE_MAX


class NewsSourceIn(InputSchema):
    name: OneLine = Field(min_length=1, max_length=SOURCE_NAME_MAX)
    kind: SourceKind
    url: str = Field(max_length=1000, json_schema_extra=WEB_ADDRESS)
    language: sources.SourceLanguage = ""
    country: str = ""
    region: str = ""
    reliability: Reliability = Reliability.C
    interval_minutes: int = Field(60, ge=sources.MIN_INTERVAL, le=sources.MAX_INTERVAL)


class NewsSourceOut(Schema):
    id: int
    name: str
    kind: str
    url: str
    language: str
    country: str
    region: str
    reliability: str
    interval_minutes: int
    is_active: bool
    status: str = Field(description="What the last read found: ok, malformed, not_found, …")
    status_detail: str = Field(
        description="More on the status, in words in the caller's language (\"the server "
        'answered 503", "too slow"); empty where the status says it all.'
    )
    last_polled_at: datetime.datetime | None
    articles_found: int

    @staticmethod
    def resolve_status_detail(source: Source) -> str:
        return source.detail_said  # never an exception's name


class ProposalRow(Schema):
    id: int
    status: str
    confidence: float = Field(
        description="The extractor's confidence in tenths, as the queue ranks it (the exact "
        "figure is in the proposal's `extracted`)."
    )
    is_attack: bool
    published: datetime.date | None
    language: str
    source_id: int | None
    incident_reference: str


class ProposalOut(ProposalRow):
    title: str
    url: str
    draft: dict[str, Any] = Field(description="The incident draft, in Aegis's vocabularies.")
    extracted: dict[str, Any] = Field(description="The extractor's output, in its own labels.")
    page_unread: str = Field(
        description="Where only the feed's summary of the article was read, that and why its "
        'page could not be ("the server answered 404"), in words in the caller\'s language; '
        "empty where the page was read."
    )


class PastedOut(ProposalRow):
    reading: Literal["read", "unread"] = Field(
        description="read: the extractor read the article and the proposal holds what it "
        "found. unread: the extractor could not read it (its process failed, or its model "
        "could not be loaded): the article is kept, but its proposal is empty and nothing is "
        "proposed from it; fill in the incident by hand, on the proposal's page."
    )
    detail: str = Field(
        description="What became of the article, in words in the caller's language, as the "
        "page that adds an article says it."
    )


class PastedIn(InputSchema):
    title: OneLine = Field(min_length=1, max_length=TITLE_MAX)
    text: str = Field(min_length=1, max_length=texts.TEXT_MAX)
    url: str = Field("", max_length=1000, json_schema_extra=WEB_ADDRESS_OR_NONE)
    published: datetime.date | None = None


class RejectIn(InputSchema):
    reason: RejectReason
    note: str = Field("", max_length=REJECT_NOTE_MAX, description="Required for the reason other.")

    conditions = (when("reason", [RejectReason.OTHER], requires("note")),)


def _row(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "status": p.status,
        "confidence": p.confidence,
        "is_attack": p.is_attack,
        "published": p.article.published,
        "language": p.article.language,
        "source_id": p.article.source_id,
        "incident_reference": p.incident_reference,
    }


def _out(p: Proposal) -> dict[str, Any]:
    return {
        **_row(p),
        "title": p.article.title,
        "url": p.article.url,
        "page_unread": p.article.unread_page_said,
        "draft": decisions.draft_of(p).as_json(),
        "extracted": {
            key: value
            for key, value in json.loads(str(p.extracted or "{}")).items()
            if key != mentions.NAME_INDEXES  # for the merge candidates only
        },
    }


@router.get("/sources", response={200: list[NewsSourceOut]}, url_name="monitoring_sources")
@paginate(Pages, max_limit=100)
def list_sources(request: HttpRequest) -> Any:
    """The reading list and what each source's last read found."""
    return Source.objects.order_by("name", "pk")


@router.post(
    "/sources", response={201: NewsSourceOut, 400: RuleErrorOut}, url_name="monitoring_source_add"
)
def add_source(request: HttpRequest, payload: NewsSourceIn) -> Any:
    """Add a feed or a page; the worker reads it shortly, then at its interval."""
    return Status(201, sources.create_source(actor_id=request.user.pk, **payload.model_dump()))


class ProposalPages(Pages):
    """Pages of proposals, their incidents' references (sealed, models.Proposal) read while
    the call's keys are open: the page's rows are made plain values here."""

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        rows = list(page["items"])
        selectors.open_references(rows)
        page["items"] = [_row(p) for p in rows]
        return page


class ProposalFilters(Schema):
    status: Annotated[ProposalStatus | None, BlankIsNone] = Field(
        None, json_schema_extra=blank_allowed, description="Pending when not given."
    )


@router.get("/proposals", response={200: list[ProposalRow]}, url_name="monitoring_proposals")
@paginate(ProposalPages, max_limit=100)
def list_proposals(request: HttpRequest, filters: Query[ProposalFilters]) -> Any:
    """Proposals of one status, the most confident first (coded fields only, and the
    incident's reference)."""
    status = filters.status or ProposalStatus.PENDING
    # The paginator slices the query: a page reads one page of rows.
    return (
        Proposal.objects.filter(status=status)
        .select_related("article")
        .only(
            "id",
            "status",
            "confidence",
            "is_attack",
            "data_key_id",
            "incident_sealed",
            "legacy_reference",
            "article__published",
            "article__language",
            "article__source_id",
        )
        .order_by("-confidence", "-pk")
    )


@router.get(
    "/proposals/{proposal_id}",
    response={200: ProposalOut, 404: ErrorOut},
    url_name="monitoring_proposal",
)
def get_proposal(request: HttpRequest, proposal_id: RecordId) -> Any:
    found = selectors.proposal(proposal_id)
    if found is None:
        raise HttpError(404, NOT_FOUND)
    return _out(found)


@router.post(
    "/proposals/{proposal_id}/reject",
    response={200: ProposalOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="monitoring_proposal_reject",
)
def reject_proposal(request: HttpRequest, proposal_id: RecordId, payload: RejectIn) -> Any:
    """Reject with a reason (kept for training)."""
    found = selectors.proposal(proposal_id)
    if found is None:
        raise HttpError(404, NOT_FOUND)
    decisions.reject(found, reason=payload.reason, note=payload.note, actor_id=request.user.pk)
    return _out(found)


@router.post(
    "/articles",
    response={201: PastedOut, 200: ErrorOut, 400: RuleErrorOut},
    url_name="monitoring_article_add",
)
def add_article(request: HttpRequest, payload: PastedIn) -> Any:
    """Add an article's text by hand: 201 with its proposal, its `reading` unread (an empty
    proposal, the incident to be filled in by hand) where the extractor could not read it;
    or 200 when the same story was proposed already (it is kept as a duplicate)."""
    keys.pass_on(actor_id=request.user.pk)  # as the queue page does: colleagues' fingerprints
    added = manual.add_pasted(actor_id=request.user.pk, **payload.model_dump())
    proposal = Proposal.objects.filter(article=added.article).select_related("article").first()
    said, _warning = manual.outcome(added)
    if proposal is None:
        # Kept as a copy of the story (as the page says it): an answer, not a refusal.
        return Status(200, {"detail": said})
    return Status(
        201, {**_row(proposal), "reading": "read" if added.read else "unread", "detail": said}
    )
