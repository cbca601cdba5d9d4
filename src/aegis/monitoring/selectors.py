"""Reads for the monitoring pages. Every record here is keyed for analysts and case staff
alike (keys.py), so the scope is the role (checked by the views); a selector that returns
what a page shows opens its keys."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from aegis.cases import selectors as cases
from aegis.paging import Order, SeekPage, capped_count, seek_page
from aegis.vault.keychain import NoKeyAccess
from aegis.vault.selectors import open_records, opened_in_chunks

from . import fingerprints
from .models import Article, Campaign, CampaignItem, Proposal, Source
from .vocabulary import ProposalStatus

PAGE_SIZE = 25
# Each list's order, read through an index of the same order, page after page by seeking
# (aegis.paging): the last page of a long queue costs what the first does.
QUEUE_ORDER = Order("confidence", descending=True)  # index monitoring_queue_order
SOURCE_ORDER = Order("name", descending=False)
CAMPAIGN_ORDER = Order("first_seen", descending=True)
ITEM_ORDER = Order("seen_on", descending=True)
ARTICLE_ORDER = Order("fetched_at", descending=True)
MERGED_ORDER = Order("decided_at", descending=False)  # the longest waiting first


def _page(query: QuerySet[Any], order: Order, params: Mapping[str, Any]) -> SeekPage:
    return seek_page(query, order, params, size=PAGE_SIZE)


def queue_page(params: Mapping[str, Any], status: str = ProposalStatus.PENDING) -> SeekPage:
    """Proposals of one status, the most confident first; their articles' titles opened."""
    if status not in ProposalStatus.values:
        status = ProposalStatus.PENDING
    query = Proposal.objects.filter(status=status).select_related("article", "article__source")
    page = _page(query, QUEUE_ORDER, params)
    open_records([p.article for p in page.object_list])
    return page


def pending_count() -> tuple[int, bool]:
    """(count, more), stopping at paging.COUNT_CAP."""
    return capped_count(Proposal.objects.filter(status=ProposalStatus.PENDING))


def proposal(proposal_id: int) -> Proposal | None:
    found = (
        Proposal.objects.select_related("article", "article__source", "article__duplicate_of")
        .filter(pk=proposal_id)
        .first()
    )
    if found is not None:
        open_records([found, found.article])
    return found


DUPLICATES_SHOWN = 20


def duplicates_of(article: Article) -> tuple[int, list[Article]]:
    """How many copies of the story came from other sources, and the first DUPLICATES_SHOWN
    of them (opened)."""
    found = list(article.duplicates.select_related("source").order_by("pk")[:DUPLICATES_SHOWN])
    count = len(found) if len(found) < DUPLICATES_SHOWN else article.duplicates.count()
    open_records(found)
    return count, found


def sources_page(params: Mapping[str, Any]) -> SeekPage:
    return _page(Source.objects.all(), SOURCE_ORDER, params)


def source(source_id: int) -> Source | None:
    return Source.objects.filter(pk=source_id).first()


def articles_page(source: Source, params: Mapping[str, Any]) -> SeekPage:
    """The source's articles, the latest read first, opened, with their proposals (or their
    originals') to link to."""
    query = source.articles.select_related("proposal", "duplicate_of__proposal")
    page = _page(query, ARTICLE_ORDER, params)  # index monitoring_by_source
    open_records(page.object_list)
    return page


def campaigns_page(params: Mapping[str, Any]) -> SeekPage:
    page = _page(Campaign.objects.all(), CAMPAIGN_ORDER, params)
    open_records(page.object_list)
    return page


def campaign(campaign_id: int) -> Campaign | None:
    found = Campaign.objects.filter(pk=campaign_id).first()
    open_records([found])
    return found


def campaign_recorded_by(once: str) -> Campaign | None:
    """The campaign a form with this one-time token (forms.OnceForm) recorded, if any."""
    return Campaign.objects.filter(form_token=once).first() if once else None


def item_recorded_by(campaign: Campaign, once: str) -> CampaignItem | None:
    """The item a form with this one-time token attached to the campaign, if any."""
    return campaign.items.filter(form_token=once).first() if once else None


def items_page(campaign: Campaign, params: Mapping[str, Any]) -> SeekPage:
    """A page of the campaign's items, the latest first, keys opened: a busy campaign keeps
    every item reachable."""
    page = _page(CampaignItem.objects.filter(campaign=campaign), ITEM_ORDER, params)
    open_records(page.object_list)
    return page


def compartments() -> QuerySet[Any]:
    """Where an accepted proposal can go: compartment names only (no case contents), never a
    safe house's own compartment (it holds one address, and its members are no case team)."""
    return cases.work_compartments()


def compartment_to_file_in(compartment_id: int) -> Any:
    """The compartment of that id if an accepted proposal may go there, else None."""
    return compartments().filter(pk=compartment_id).first()


def open_references(proposals: list[Proposal]) -> None:
    """Open the keys of those proposals whose incident's reference is sealed (the others,
    pending or rejected, or kept before it was sealed, need none)."""
    open_records(
        [p for p in proposals if not p.legacy_reference and p.__dict__.get("incident_sealed")]
    )


def _of_visible_incidents(
    user: Any, decided: QuerySet[Proposal], **incident: Any
) -> tuple[Q, dict[str, str]]:
    """Those of the `decided` proposals whose incident this person may see (and, `incident`,
    is such): by its token (models.Proposal.incident_token), no copy of the disk can join a
    proposal to an incident. The tokens of the visible incidents are made here, under the
    fingerprint key, and only those that some decided proposal carries are asked for; a row
    kept before the reference was sealed is found by its reference among the visible ones
    (EXISTS), as before, until it is sealed. The reader's scope is applied before any
    ordering or slicing (filtering after a cap hid articles beyond it). Also the visible
    incidents' references by the tokens found (_named)."""
    from aegis.incidents import selectors as incidents

    visible = incidents.visible_incidents(user).filter(**incident)
    carried = set(
        decided.exclude(incident_token="").values_list("incident_token", flat=True).distinct()
    )
    tokens = (
        fingerprints.incident_tokens(visible.values_list("reference", flat=True)) if carried else {}
    )
    found = {t: ref for t, ref in tokens.items() if t in carried}
    return Q(incident_token__in=list(found)) | Q(
        Exists(visible.filter(reference=OuterRef("legacy_reference"))), ~Q(legacy_reference="")
    ), found


def _named(proposals: Any, references: dict[str, str]) -> None:
    """Name the incident of a copy the worker offered (decisions.offer_copy: it holds no
    article's key, so it could not read its story's reference, and gave the copy the story's
    token alone) from the reader's visible incidents; sealed when it is added as a source.
    The proposals' keys are opened."""
    for p in proposals:
        if not p.incident_reference and p.incident_token in references:
            p.incident_sealed = references[p.incident_token]  # in memory


def _merged_waiting(user: Any, *, added: bool = False) -> tuple[QuerySet[Proposal], dict[str, str]]:
    """Merged proposals waiting for a caseworker (or, `added`, added already), of the
    incidents this person may see (_of_visible_incidents), and the references by token."""
    waiting = Proposal.objects.filter(status=ProposalStatus.MERGED, source_added=added)
    visible, references = _of_visible_incidents(user, waiting)
    return waiting.filter(visible), references


DRAFTS_LISTED = 20


def _drafts_unverified(user: Any) -> QuerySet[Proposal]:
    """Accepted proposals whose incident, drafted from the news in a compartment this
    person works in, is still unverified: its caseworkers are to check it (they had not been
    told of it at all)."""
    from aegis.incidents.vocabulary import VerificationStatus

    accepted = Proposal.objects.filter(status=ProposalStatus.ACCEPTED)
    visible, _ = _of_visible_incidents(user, accepted, verification=VerificationStatus.UNVERIFIED)
    return accepted.filter(visible)


def drafts_unverified(user: Any) -> list[Proposal]:
    """The first DRAFTS_LISTED of _drafts_unverified, the longest waiting first, their
    incidents' references opened (no article: the reference and the decision's date say
    which)."""
    found = list(_drafts_unverified(user).order_by("decided_at", "pk")[:DRAFTS_LISTED])
    open_references(found)
    return found


def drafts_unverified_count(user: Any) -> tuple[int, bool]:
    return capped_count(_drafts_unverified(user))


def merged_added_already(user: Any, proposal_id: int) -> bool:
    """Whether a colleague added this merged article to an incident this person may see
    (a page loaded before they did)."""
    added = Proposal.objects.filter(pk=proposal_id, status=ProposalStatus.MERGED, source_added=True)
    return added.filter(_of_visible_incidents(user, added)[0]).exists()


def merged_page(user: Any, params: Mapping[str, Any]) -> SeekPage:
    """A page of the articles an analyst merged into incidents of this caseworker's
    compartments, that no one has added as a source yet, the oldest first, the articles
    opened."""
    waiting, references = _merged_waiting(user)
    page = _page(waiting.select_related("article"), MERGED_ORDER, params)
    open_records(page.object_list, [p.article for p in page.object_list])
    _named(page.object_list, references)
    return page


def merged_proposal(user: Any, proposal_id: int) -> Proposal | None:
    """One proposal of merged_page's (for adding it as a source), its article opened."""
    waiting, references = _merged_waiting(user)
    found = waiting.select_related("article").filter(pk=proposal_id).first()
    if found is not None:
        open_records([found, found.article])
        _named([found], references)
    return found


def merged_count(user: Any) -> tuple[int, bool]:
    """(count, more) of the articles merged_page lists (the same query, so the count and
    the list agree), stopping at paging.COUNT_CAP."""
    return capped_count(_merged_waiting(user)[0])


def decisions_for_training(
    unreadable: list[int] | None = None, statuses: tuple[str, ...] = ()
) -> Iterator[dict[str, Any]]:
    """Every decided proposal as training data: the article, what the extractor proposed,
    what the analyst decided (the corrected draft, in Aegis's vocabularies), and why a
    rejected one was rejected. The caller's key context must hold the articles' keys (an
    analyst's, or the recovery key's: `aegis monitoring train --decisions`, which learns from
    them through extraction/decided.py). Only those of `statuses`, where given (no article is
    opened for nothing). A proposal it cannot open is left out, its id added to `unreadable`."""
    decided = Proposal.objects.exclude(status=ProposalStatus.PENDING)
    if statuses:
        decided = decided.filter(status__in=statuses)
    decided = decided.select_related("article").order_by("pk")
    for proposal in opened_in_chunks(decided, related=lambda p: p.article):
        article = proposal.article
        try:
            row = {
                "title": str(article.title),
                "text": str(article.text),
                "published": article.published.isoformat() if article.published else None,
                "status": proposal.status,
                "reject_reason": proposal.reject_reason,
                "extracted": json.loads(str(proposal.extracted or "{}")),
                "decided": json.loads(str(proposal.edited)) if proposal.edited else None,
            }
        except NoKeyAccess:
            if unreadable is not None:
                unreadable.append(proposal.pk)
            continue
        yield row
