"""The analyst's decisions on proposals: edit, accept (an incident draft for caseworkers),
merge with an incident already recorded, reject with a reason. Each decision is kept with the
values decided, to learn from (`aegis monitoring train --decisions`: extraction/decided.py).

Accepting writes through incidents.services only: a new incident in the chosen compartment,
under a new key sealed to that compartment's members (the analyst keeps no copy and never
reads it afterwards), with the article as a media source of its source's reliability grade,
the violations, and the people the article names as *described* victims: never a Person."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, rules
from aegis.audit import services as audit
from aegis.cases.vocabulary import AgeGroup, Gender
from aegis.incidents import selectors as incident_selectors
from aegis.incidents import services as incidents
from aegis.incidents.vocabulary import (
    DatePrecision,
    Involvement,
    PerpetratorType,
    Reliability,
    SourceKind,
    ViolationType,
)
from aegis.rules import Conflict, RuleError
from aegis.vault.keychain import KeyNotOpened, NoKeyAccess, VaultLocked

from . import selectors
from .drafts import EARLIEST, MAX_VICTIMS, Draft, VictimDraft, from_extraction
from .models import Article, Proposal
from .vocabulary import ProposalStatus, RejectReason


def draft_of(proposal: Proposal) -> Draft:
    """The analyst's corrected draft if there is one, else the extractor's, mapped."""
    if proposal.edited:
        return Draft.from_json(json.loads(str(proposal.edited)))
    article = proposal.article
    source = article.source
    return from_extraction(
        json.loads(str(proposal.extracted or "{}")),
        title=str(article.title),
        published=article.published,
        reliability=source.reliability if source else Reliability.C,
        source_place=(source.country, source.region) if source else ("", ""),
    )


def _locked(proposal: Proposal) -> Proposal:
    """The proposal as its row is now, locked until the decision's transaction ends: the
    instance a page loaded may be stale, so a double click or two analysts at once would
    both pass a check on it. The second waits here, then sees the first's decision."""
    proposal.refresh_from_db(from_queryset=Proposal.objects.select_for_update())
    return proposal


DECIDED = gettext_lazy("This proposal has been decided already.")
REJECT_NOTE_MAX = 2_000  # a rejection's note: the API states it too


def _pending(proposal: Proposal) -> None:
    if _locked(proposal).status != ProposalStatus.PENDING:
        raise Conflict(str(DECIDED))


def check_draft(draft: Draft) -> Draft:
    """The same rules as the incident's own, before anything is written."""
    draft.title = rules.text(draft.title, "title", gettext_lazy("The title"), limit=200, line=True)
    if not draft.title:
        raise RuleError(_("Give the incident a short title."), "title")
    draft.description = rules.text(
        draft.description, "description", gettext_lazy("The description"), limit=20_000
    )
    rules.choice(
        draft.date_precision, DatePrecision, "date_precision", gettext_lazy("Date precision")
    )
    if draft.date_start > clock.today():
        raise RuleError(_("The incident cannot start in the future."), "date_start")
    if draft.date_start < EARLIEST:
        raise RuleError(
            _("The incident cannot start before %(year)s.") % {"year": EARLIEST.year},
            "date_start",
        )
    draft.country, draft.region = rules.place(draft.country, draft.region)
    if not draft.violation_types:
        raise RuleError(_("Choose at least one violation."), "violation_types")
    for code in draft.violation_types:
        rules.choice(code, ViolationType, "violation_types", gettext_lazy("Violation type"))
    rules.choice(
        draft.perpetrator_type,
        PerpetratorType,
        "perpetrator_type",
        gettext_lazy("Perpetrator type"),
    )
    rules.choice(draft.reliability, Reliability, "reliability", gettext_lazy("Reliability"))
    if sum(1 for v in draft.victims if str(v.description).strip()) > MAX_VICTIMS:
        raise RuleError(_("Keep to %(n)s victims; add more on the incident.") % {"n": MAX_VICTIMS})
    for n, victim in enumerate(draft.victims):
        # On the victim's own row of the form (victim_N, victim_N_sex, victim_N_age).
        victim.description = rules.text(
            victim.description,
            f"victim_{n}",
            gettext_lazy("The victim's description"),
            limit=500,
            line=True,
        )
        rules.choice(victim.sex, Gender, f"victim_{n}_sex", gettext_lazy("Sex"))
        rules.choice(victim.age_group, AgeGroup, f"victim_{n}_age", gettext_lazy("Age group"))
    draft.victims = [v for v in draft.victims if v.description]
    return draft


# "Someone": the other corrections may be the same analyst's, from another tab.
STALE = gettext_lazy(
    "Someone saved other corrections to this draft since you opened this page (a colleague, "
    "or you in another tab), so nothing was saved or decided. What you typed is below: open "
    "the proposal in another tab to see the other corrections; saving again replaces them "
    "with what is below."
)


@transaction.atomic
def edit(proposal: Proposal, draft: Draft, *, actor_id: int | None, seen: str = "") -> Proposal:
    """Keep the analyst's corrected draft. `seen`: the version of the draft their page showed
    (Draft.version); refused when other corrections were saved since. The page's form refuses
    it first, drawn again on the present version (forms.DraftForm); this, under the lock, is
    for two saves at the same moment."""
    _pending(proposal)
    if seen and seen != draft_of(proposal).version():
        raise Conflict(str(STALE))
    draft = check_draft(draft)
    proposal.edited = json.dumps(draft.as_json(), ensure_ascii=False)
    proposal.save(update_fields=["edited"])
    audit.record(
        "monitoring.decision", actor_id=actor_id, object_type="proposal", object_id=proposal.pk
    )
    return proposal


def _decided(proposal: Proposal, status: str, actor_id: int | None, **fields: Any) -> None:
    proposal.status = status
    proposal.decided_by_id = actor_id
    proposal.decided_at = clock.now()
    for name, value in fields.items():
        setattr(proposal, name, value)
    proposal.save()
    audit.record(
        "monitoring.decision", actor_id=actor_id, object_type="proposal", object_id=proposal.pk
    )
    if status in (ProposalStatus.ACCEPTED, ProposalStatus.MERGED):
        for copy in Article.objects.filter(duplicate_of=proposal.article_id, proposal=None):
            offer_copy(copy, proposal, actor_id=actor_id)


def offer_copy(article: Article, story: Proposal, *, actor_id: int | None = None) -> bool:
    """The same story from another outlet, once its story is an incident's (accepted or
    merged): merged into that incident for its caseworkers to add as a source, as an
    analyst's merge is (a second outlet is what corroboration asks for). It had been kept
    with no word to anyone. `story`: the decided proposal of the story's first article; where
    this key context cannot read its incident's reference (the worker holds no article's
    key), the copy carries its token alone, and its caseworkers' list names the incident
    (selectors._named). False where this key context cannot write the copy's proposal (an
    article key not passed on yet): the copy stays listed under its story."""
    try:
        reference = story.incident_reference
    except (NoKeyAccess, KeyNotOpened, VaultLocked):
        reference = ""  # the worker, which holds no article's key: the token lists the copy
    try:
        copy = Proposal(
            article=article,
            data_key_id=article.data_key_id,
            extracted="{}",
            edited="",
            reject_note="",
            status=ProposalStatus.MERGED,
            decided_by_id=actor_id,
            decided_at=clock.now(),
            created_at=clock.now(),
        )
        if reference:
            copy.incident_reference = reference
        else:  # its caseworkers' list names the incident from the token (selectors)
            copy.incident_token = story.incident_token
        with transaction.atomic():
            copy.save(force_insert=True)
    except (NoKeyAccess, KeyNotOpened, VaultLocked):
        return False
    audit.record(
        "monitoring.decision", actor_id=actor_id, object_type="proposal", object_id=copy.pk
    )
    return True


def _source_text(proposal: Proposal) -> str:
    article = proposal.article
    lines = [str(article.title), str(article.url)]
    if article.published:
        lines.append(article.published.isoformat())
    if article.source is not None:
        lines.append(article.source.name)
    return "\n".join(line for line in lines if line)


def _save_corrections(
    proposal: Proposal, corrected: Draft | None, actor_id: int | None, seen: str = ""
) -> None:
    """The draft as the analyst last left it on the page, saved with the decision where it
    differs from the one kept: corrections typed beside a decision's button are not lost.
    The kept draft is compared as it is, with no rule applied: one the extractor made may
    break a rule that the analyst's retyped value meets."""
    if corrected is None or corrected.comparable() == draft_of(proposal).comparable():
        return  # sent as it was kept: no edit, and no rule the analyst did not touch
    edit(proposal, corrected, actor_id=actor_id, seen=seen)  # (which applies the rules)


@transaction.atomic
def accept(
    proposal: Proposal,
    *,
    compartment_id: Any,
    actor_id: int | None,
    corrected: Draft | None = None,
    seen: str = "",
) -> str:
    """Create the incident draft; returns its reference. `corrected`, `seen`:
    _save_corrections."""
    _pending(proposal)
    _save_corrections(proposal, corrected, actor_id, seen)
    compartment = selectors.compartment_to_file_in(_id(compartment_id))
    if compartment is None:
        raise RuleError(
            _("Choose the compartment whose caseworkers will take it up."), "compartment"
        )
    draft = check_draft(draft_of(proposal))
    incident = incidents.create_incident(
        compartment,
        actor_id=actor_id,
        title=draft.title,
        description=draft.description,
        date_start=draft.date_start,
        date_precision=draft.date_precision,
        country=draft.country,
        region=draft.region,
    )
    perpetrators = []
    if draft.perpetrator_mentioned:
        perpetrator = incidents.create_perpetrator(
            compartment, actor_id=actor_id, perpetrator_type=draft.perpetrator_type
        )
        perpetrators.append((perpetrator, Involvement.SUSPECTED))
    described = [
        incidents.DescribedVictim(v.description, v.sex, v.age_group) for v in draft.victims
    ]
    for code in dict.fromkeys(draft.violation_types):
        incidents.add_act(
            incident,
            violation_type=code,
            actor_id=actor_id,
            described_victims=described,
            perpetrators=perpetrators,
        )
    incidents.add_source(
        incident,
        actor_id=actor_id,
        kind=SourceKind.MEDIA,
        reliability=draft.reliability,
        description=_source_text(proposal),
    )
    _decided(
        proposal,
        ProposalStatus.ACCEPTED,
        actor_id,
        incident_reference=incident.reference,
        source_added=True,
    )
    return incident.reference


def _id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def candidates(proposal: Proposal) -> list[Any]:
    """Incidents this report may be about (coded columns only: reference, date, place,
    violations), by blind index on the names it gives and by date, place and violation."""
    from . import mentions

    draft = draft_of(proposal)
    extracted = json.loads(str(proposal.extracted or "{}"))
    indexes = mentions.indexes_of(mentions.victim_names(extracted))
    if indexes is None:  # an analyst: those the worker made (mentions.with_name_indexes)
        indexes = {str(i) for i in extracted.get(mentions.NAME_INDEXES) or ()}
    return incident_selectors.merge_candidates(
        country=draft.country,
        around=draft.date_start,
        days=14,
        violation_types=draft.violation_types,
        name_indexes=indexes,
    )


def names_checked(proposal: Proposal) -> bool:
    """Whether the report's victim names could be looked up among the incidents: not where
    it names people and neither the worker, when the article came in, nor this key context
    held the search key (candidates then match on place, dates and violation alone)."""
    from . import mentions

    extracted = json.loads(str(proposal.extracted or "{}"))
    names = mentions.victim_names(extracted)
    return not names or mentions.NAME_INDEXES in extracted or mentions.indexes_of(names) is not None


@transaction.atomic
def merge(
    proposal: Proposal,
    *,
    reference: str,
    actor_id: int | None,
    corrected: Draft | None = None,
    seen: str = "",
) -> Proposal:
    """Mark the report as one more source of an incident among its candidates. The incident's
    caseworkers add it (they hold its key): their work queue shows it until they do.
    `corrected`: _save_corrections (an edited merge is what `monitoring train` learns from)."""
    _pending(proposal)
    allowed = {incident.reference for incident in candidates(proposal)}
    if reference not in allowed:
        raise RuleError(_("Choose one of the incidents offered."), "reference")
    _save_corrections(proposal, corrected, actor_id, seen)
    _decided(proposal, ProposalStatus.MERGED, actor_id, incident_reference=reference)
    return proposal


@transaction.atomic
def add_merged_source(proposal: Proposal, *, actor: Any) -> None:
    """A caseworker of the incident adds the merged article as its source."""
    # Read before the row is read again: a copy the worker offered is named in memory only
    # (selectors._named).
    reference = proposal.incident_reference
    if _locked(proposal).status != ProposalStatus.MERGED or proposal.source_added:
        raise Conflict(_("This article has been added already."))
    incident = incident_selectors.incident_for(actor, reference)
    if incident is None:
        raise RuleError(_("The incident is not in your compartments."))
    draft = draft_of(proposal)
    incidents.add_source(
        incident,
        actor_id=actor.pk,
        kind=SourceKind.MEDIA,
        reliability=draft.reliability,
        description=_source_text(proposal),
    )
    proposal.source_added = True
    # Sealed with this write where it was kept in clear before, or named from its token.
    proposal.incident_reference = reference
    proposal.save(
        update_fields=["source_added", "incident_sealed", "incident_token", "legacy_reference"]
    )


@transaction.atomic
def reject(proposal: Proposal, *, reason: str, note: str = "", actor_id: int | None) -> Proposal:
    _pending(proposal)
    if not reason:
        raise RuleError(_("Say why this proposal is rejected."), "reason")
    rules.choice(reason, RejectReason, "reason", gettext_lazy("Reason"))
    note = rules.text(note, "note", gettext_lazy("The note"), limit=REJECT_NOTE_MAX)
    if reason == RejectReason.OTHER and not note:
        raise RuleError(_("Say in a few words why."), "note")
    _decided(proposal, ProposalStatus.REJECTED, actor_id, reject_reason=reason, reject_note=note)
    return proposal


def victim_drafts(rows: list[dict[str, str]]) -> list[VictimDraft]:
    return [
        VictimDraft(
            description=row.get("description", ""),
            sex=row.get("sex") or Gender.UNKNOWN,
            age_group=row.get("age_group") or AgeGroup.UNKNOWN,
        )
        for row in rows
    ]
