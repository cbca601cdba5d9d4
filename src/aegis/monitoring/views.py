"""Monitoring pages. Analysts (view_analytics) keep the reading list, work the proposal queue
and track campaigns; case staff (view_cases) also read campaigns and add the articles merged
into their incidents. Nothing here fetches from the web: the worker does (tasks.py)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aegis.access import found, requires
from aegis.accounts import once
from aegis.files.handlers import body_problem, read_form_body
from aegis.files.uploads import UploadRejected
from aegis.rules import RuleError, flash_refusal, refusal_on, show_on

from . import campaigns as campaign_services
from . import decisions, drafts, keys, manual, selectors, sources
from .drafts import Draft
from .forms import (
    LANGUAGE_NAMES,
    AcceptForm,
    CampaignEditForm,
    CampaignForm,
    DraftForm,
    ItemForm,
    NewCampaignForm,
    PasteForm,
    RejectForm,
    SourceForm,
    UploadForm,
)
from .models import Proposal
from .vocabulary import ProposalStatus

ANALYST = "view_analytics"
STAFF = "view_cases"


# --- The queue and its proposals -----------------------------------------------------------


@requires(ANALYST)
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    keys.pass_on(actor_id=request.user.pk)  # to colleagues given the role since
    status = request.GET.get("status", ProposalStatus.PENDING)
    page = selectors.queue_page(request.GET, status)
    return render(
        request,
        "monitoring/queue.html",
        {"page": page, "status": status, "statuses": ProposalStatus.choices},
    )


def _proposal(proposal_id: int) -> Proposal:
    return found(selectors.proposal(proposal_id))


def _kept_version(proposal: Proposal) -> str:
    """The version of the draft kept now, which the page's `seen` is checked against; none
    once the proposal is decided (its page says that instead)."""
    if proposal.status != ProposalStatus.PENDING:
        return ""
    return decisions.draft_of(proposal).version()


def _proposal_page(request: HttpRequest, proposal: Proposal, **given: Any) -> HttpResponse:
    """The proposal's page, with the forms `given` as sent (None, or one not given: as new)."""
    forms = {name: form for name, form in given.items() if form is not None}
    draft = decisions.draft_of(proposal)
    pending = proposal.status == ProposalStatus.PENDING
    duplicate_count, duplicates = selectors.duplicates_of(proposal.article)
    extracted = json.loads(str(proposal.extracted or "{}"))
    if not pending:
        # A page loaded before a colleague decided: what matters is that, not the form.
        for form in forms.values():
            if form.is_bound and form.errors and not form.non_field_errors():
                form.add_error(None, str(decisions.DECIDED))
    context = {
        "proposal": proposal,
        "article": proposal.article,
        "draft": draft,
        "extracted": extracted,
        # The article's language by name; a code no source offers (a page's own) as it is;
        # none when it was not recognised ("" is the form's "Recognise it").
        "language": LANGUAGE_NAMES.get(code, code) if (code := proposal.article.language) else "",
        "pending": pending,
        "duplicate_count": duplicate_count,
        "duplicates": duplicates,
        "draft_form": forms.get("draft_form") or DraftForm(initial=DraftForm.initial_from(draft)),
        "accept_form": forms.get("accept_form")
        or AcceptForm(compartments=selectors.compartments()),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "candidates": decisions.candidates(proposal) if pending else [],
        "names_checked": decisions.names_checked(proposal) if pending else True,
        "reasons": drafts.reasons(extracted),
    }
    return render(request, "monitoring/proposal.html", context)


@requires(ANALYST)
@require_safe
def proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _proposal_page(request, _proposal(proposal_id))


@requires(ANALYST)
@require_POST
def edit(request: HttpRequest, proposal_id: int) -> HttpResponse:
    shown = _proposal(proposal_id)
    if DraftForm.REFRESH in request.POST:
        return _proposal_page(request, shown, draft_form=DraftForm.redrawn(request.POST))
    form = DraftForm(request.POST, current=_kept_version(shown))
    if form.is_valid():
        with refusal_on(form):
            decisions.edit(
                shown,
                _sent_draft(form, shown),
                actor_id=request.user.pk,
                seen=form.cleaned_data["seen"],
            )
            messages.success(request, _("Your corrections are saved."))
            return redirect("monitoring:proposal", proposal_id=shown.pk)
    return _proposal_page(request, shown, draft_form=form)


@requires(ANALYST)
@require_POST
def accept(request: HttpRequest, proposal_id: int) -> HttpResponse:
    shown = _proposal(proposal_id)
    form = AcceptForm(request.POST, compartments=selectors.compartments())
    draft_form, corrected = _corrections(request, shown)
    if draft_form is not None and corrected is None:
        form.is_valid()  # its own errors shown too
        return _proposal_page(request, shown, draft_form=draft_form, accept_form=form)
    if form.is_valid():
        try:
            reference = decisions.accept(
                shown,
                compartment_id=form.cleaned_data["compartment"],
                actor_id=request.user.pk,
                corrected=corrected,
                seen=draft_form.cleaned_data["seen"] if draft_form else "",
            )
        except RuleError as refused:
            on_draft = draft_form is not None and refused.field in draft_form.fields
            show_on(draft_form if on_draft else form, refused)
        else:
            messages.success(
                request,
                _("Incident %(ref)s is drafted for the compartment's caseworkers.")
                % {"ref": reference},
            )
            return redirect("monitoring:queue")
    return _proposal_page(request, shown, draft_form=draft_form, accept_form=form)


@requires(ANALYST)
@require_POST
def merge(request: HttpRequest, proposal_id: int) -> HttpResponse:
    shown = _proposal(proposal_id)
    draft_form, corrected = _corrections(request, shown)
    if draft_form is not None and corrected is None:
        return _proposal_page(request, shown, draft_form=draft_form)
    try:
        decisions.merge(
            shown,
            reference=request.POST.get("reference", ""),
            actor_id=request.user.pk,
            corrected=corrected,
            seen=draft_form.cleaned_data["seen"] if draft_form else "",
        )
    except RuleError as refused:
        if draft_form is None:
            messages.error(request, str(refused))
            return redirect("monitoring:proposal", proposal_id=shown.pk)
        if refused.field in draft_form.fields:
            show_on(draft_form, refused)
        else:
            messages.error(request, str(refused))
        return _proposal_page(request, shown, draft_form=draft_form)  # what was typed stays
    messages.success(request, _("The article waits for the incident's caseworkers."))
    return redirect("monitoring:queue")


def _corrections(request: HttpRequest, shown: Proposal) -> tuple[DraftForm | None, Draft | None]:
    """The page's draft as sent with a decision's button (the buttons are in its form), and
    the Draft it reads as; (form, None) when it breaks a field's rule, (None, None) when no
    draft was sent (an older page, the API)."""
    if "title" not in request.POST:
        return None, None
    form = DraftForm(request.POST, current=_kept_version(shown))
    if not form.is_valid():
        return form, None
    return form, _sent_draft(form, shown)


def _sent_draft(form: DraftForm, shown: Proposal) -> Draft:
    """The Draft a valid draft form reads as, with the kept victims past the rows its page
    showed (none, unless the page came from before the draft grew)."""
    return form.draft(decisions.draft_of(shown).victims[form.rows :])


@requires(ANALYST)
@require_POST
def reject(request: HttpRequest, proposal_id: int) -> HttpResponse:
    shown = _proposal(proposal_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            decisions.reject(
                shown,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                actor_id=request.user.pk,
            )
            messages.success(request, _("The proposal is rejected; the reason is kept."))
            return redirect("monitoring:queue")
    return _proposal_page(request, shown, reject_form=form)


# --- Articles merged into incidents, for their caseworkers ---------------------------------


@requires(STAFF)
@require_safe
def merged(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitoring/merged.html",
        {
            "waiting": selectors.merged_page(request.user, request.GET),
            "drafts": selectors.drafts_unverified(request.user),
            "drafts_count": selectors.drafts_unverified_count(request.user),
        },
    )


@requires(STAFF)
@require_POST
def add_merged(request: HttpRequest, proposal_id: int) -> HttpResponse:
    shown = selectors.merged_proposal(request.user, proposal_id)
    if shown is None and selectors.merged_added_already(request.user, proposal_id):
        messages.info(request, _("This article has been added already."))
        return redirect("monitoring:merged")
    shown = found(shown)
    with flash_refusal(request):
        decisions.add_merged_source(shown, actor=request.user)
        messages.success(
            request, _("The article is a source of %(ref)s.") % {"ref": shown.incident_reference}
        )
    return redirect("monitoring:merged")


# --- Sources and articles ------------------------------------------------------------------


@requires(ANALYST)
@require_http_methods(["GET", "POST"])
def source_list(request: HttpRequest) -> HttpResponse:
    redraw = SourceForm.REFRESH in request.POST
    form = SourceForm.redrawn(request.POST) if redraw else SourceForm(request.POST or None)
    if request.method == "POST" and not redraw and form.is_valid():
        with refusal_on(form):
            added = sources.create_source(
                actor_id=request.user.pk,
                **form.cleaned_data,
            )
            if added.is_active:
                said = _("The worker will read “%(name)s” shortly.")
            else:
                said = _("“%(name)s” is on the reading list, paused: resume it to have it read.")
            messages.success(request, said % {"name": added.name})
            return redirect("monitoring:sources")
    sources.revive_overdue()
    page = selectors.sources_page(request.GET)
    return render(request, "monitoring/sources.html", {"page": page, "form": form})


@requires(ANALYST)
@require_http_methods(["GET", "POST"])
def source_detail(request: HttpRequest, source_id: int) -> HttpResponse:
    shown = found(selectors.source(source_id))
    initial = {n: getattr(shown, n) for n in SourceForm.base_fields}
    redraw = SourceForm.REFRESH in request.POST
    form = (
        SourceForm.redrawn(request.POST)
        if redraw
        else SourceForm(request.POST or None, initial=initial)
    )
    if request.method == "POST" and not redraw and form.is_valid():
        with refusal_on(form):
            sources.update_source(
                shown,
                actor_id=request.user.pk,
                **form.cleaned_data,
            )
            messages.success(request, _("The source is saved."))
            return redirect("monitoring:source", source_id=shown.pk)
    return render(
        request,
        "monitoring/source.html",
        {"source": shown, "form": form, "page": selectors.articles_page(shown, request.GET)},
    )


@requires(ANALYST)
@require_POST
def source_poll(request: HttpRequest, source_id: int) -> HttpResponse:
    shown = found(selectors.source(source_id))
    with flash_refusal(request):
        sources.poll_soon(shown, actor_id=request.user.pk)
        messages.success(request, _("The worker will read this source at its next pass."))
    return redirect("monitoring:source", source_id=shown.pk)


def _added(request: HttpRequest, added: manual.Added) -> HttpResponse:
    said, warning = manual.outcome(added)
    (messages.warning if warning else messages.success)(request, said)
    if hasattr(added.article, "proposal"):
        return redirect("monitoring:proposal", proposal_id=added.article.proposal.pk)
    return redirect("monitoring:queue")


# Both forms are on one page with fields of the same names: their ids (and so their labels)
# must differ.
UPLOAD_IDS = "id_upload_%s"


@requires(ANALYST)
@require_http_methods(["GET", "POST"])
def paste(request: HttpRequest) -> HttpResponse:
    form = PasteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            added = manual.add_pasted(actor_id=request.user.pk, **form.cleaned_data)
            return _added(request, added)
    return render(
        request,
        "monitoring/add.html",
        {"form": form, "upload_form": UploadForm(auto_id=UPLOAD_IDS), "pasting": True},
    )


@requires(ANALYST)
@csrf_exempt  # CSRF is checked in _upload, once the upload handler has been swapped
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    read_form_body(request)
    return once.run(request, lambda: _upload(request))


@csrf_protect
@require_http_methods(["GET", "POST"])
def _upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, auto_id=UPLOAD_IDS)
    status = 200
    if request.method == "POST" and (problem := body_problem(request)):
        form.add_error(None, problem[0])  # the text typed is shown again, nothing stored
        status = problem[1]
    elif request.method == "POST" and form.is_valid():
        sent = form.cleaned_data["file"]
        with refusal_on(form):
            try:
                added = manual.add_upload(
                    actor_id=request.user.pk,
                    source=sent,
                    name=sent.name,
                    claimed_type=sent.content_type or "",
                    title=form.cleaned_data["title"],
                    url=form.cleaned_data["url"],
                    published=form.cleaned_data["published"],
                )
            except UploadRejected as rejected:  # said of the file, so shown on its input
                form.add_error("file", str(rejected))
            else:
                return _added(request, added)
    context = {"form": PasteForm(), "upload_form": form, "pasting": False}
    return render(request, "monitoring/add.html", context, status=status)


# --- Campaigns -----------------------------------------------------------------------------


@requires(ANALYST, STAFF)
@require_safe
def campaign_list(request: HttpRequest) -> HttpResponse:
    keys.pass_on(actor_id=request.user.pk)
    page = selectors.campaigns_page(request.GET)
    return render(request, "monitoring/campaigns.html", {"page": page})


@requires(ANALYST, STAFF)
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = NewCampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if earlier := selectors.campaign_recorded_by(form.cleaned_data["once"]):
            messages.info(request, _("This form was sent already: the campaign is recorded once."))
            return redirect("monitoring:campaign", campaign_id=earlier.pk)
        with refusal_on(form):
            made = campaign_services.create_campaign(
                actor_id=request.user.pk,
                **form.cleaned_data,
            )
            messages.success(request, _("The campaign is recorded."))
            return redirect("monitoring:campaign", campaign_id=made.pk)
    return render(request, "monitoring/campaign_form.html", {"form": form, "campaign": None})


@requires(ANALYST, STAFF)
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    shown = found(selectors.campaign(campaign_id))
    initial = {n: getattr(shown, n) for n in CampaignForm.base_fields}
    current = campaign_services.saved_state(shown)
    form = CampaignEditForm(request.POST or None, initial=initial, current=current)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            campaign_services.update_campaign(
                shown,
                actor_id=request.user.pk,
                **form.cleaned_data,
            )
            messages.success(request, _("The campaign is saved."))
            return redirect("monitoring:campaign", campaign_id=shown.pk)
    return render(request, "monitoring/campaign_form.html", {"form": form, "campaign": shown})


@requires(ANALYST, STAFF)
@require_http_methods(["GET", "POST"])
def campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    shown = found(selectors.campaign(campaign_id))
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if selectors.item_recorded_by(shown, form.cleaned_data["once"]):
            messages.info(request, _("This form was sent already: the item is attached once."))
            return redirect("monitoring:campaign", campaign_id=shown.pk)
        with refusal_on(form):
            campaign_services.add_item(shown, actor_id=request.user.pk, **form.cleaned_data)
            messages.success(request, _("The item is attached to the campaign."))
            return redirect("monitoring:campaign", campaign_id=shown.pk)
    return render(
        request,
        "monitoring/campaign.html",
        {
            "campaign": shown,
            "items": selectors.items_page(shown, request.GET),
            "form": form,
        },
    )
