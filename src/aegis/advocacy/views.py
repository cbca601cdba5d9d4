"""Pages for communications. Case staff (view_cases) write, review, send and track them in
their own compartments (any other answers as missing: 404); analysts (view_analytics) see
counts only; administrators (manage_settings) keep the mechanisms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aegis import clock
from aegis.access import found, requires
from aegis.cases import selectors as cases
from aegis.rules import flash_refusal, refusal_on

from . import builder, checks, export, selectors, services
from .forms import (
    EditForm,
    MechanismForm,
    NewForm,
    OutcomeForm,
    ReplyForm,
    ResolutionForm,
    StepForm,
)
from .models import Communication
from .vocabulary import Checks, Status

STAFF = "view_cases"
CASE_CHOICES = 500


def _communication(request: HttpRequest, communication_id: int) -> Communication:
    communication = found(selectors.communication_for(request.user, communication_id))
    services.seal_references(communication)  # one kept before its references were sealed
    return communication


def _detail(communication: Communication) -> HttpResponse:
    return redirect("advocacy:detail", communication_id=communication.pk)


@requires(STAFF)
@require_safe
def communication_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    late = request.GET.get("overdue") == "1"
    soon = not late and request.GET.get("due_soon") == "1"
    page = selectors.communications_page(
        request.user,
        request.GET.get("page"),
        status=status,
        late=late,
        soon=soon,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    return render(
        request,
        "advocacy/list.html",
        {
            "page": page,
            "status": status,
            "late": late,
            "soon": soon,
            "statuses": Status.choices,
            "today": clock.today(),
            "member": bool(cases.compartment_ids(request.user)),
        },
    )


@requires(STAFF)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    visible = cases.visible_cases(request.user).select_related("person")[:CASE_CHOICES]
    mechanisms = selectors.mechanisms()
    initial = {"case": request.GET.get("case", ""), "language": "en"}
    form = NewForm(request.POST or None, initial=initial, cases=visible, mechanisms=mechanisms)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = found(cases.case_for(request.user, data["case"]))
        mechanism = data["mechanism"]
        with refusal_on(form):
            communication = services.create_communication(
                case,
                mechanism=mechanism,
                kind=data["kind"],
                language=data["language"],
                mandates=selectors.mandates_of(mechanism, data["mandates"]),
                actor_id=request.user.pk,
            )
            messages.success(request, _("Draft created: now write the account and the elements."))
            return redirect("advocacy:edit", communication_id=communication.pk)
    return render(
        request,
        "advocacy/new.html",
        {"form": form, "mechanisms": mechanisms},
        status=422 if form.errors else 200,
    )


@requires(STAFF)
@require_safe
def detail(request: HttpRequest, communication_id: int) -> HttpResponse:
    communication = _communication(request, communication_id)
    dossier = builder.build(communication)
    return render(
        request,
        "advocacy/detail.html",
        {
            "c": communication,
            "dossier": dossier,
            "elements": [
                (e, e.satisfied(dossier), e.shortfall(dossier))
                for e in checks.elements_of(communication.mechanism.checks)
            ],
            "tracking": selectors.tracking_of(communication),
            "overdue": selectors.is_overdue(communication),
            "may_approve": communication.status == Status.REVIEW
            and communication.reviewed_by_id is None
            and communication.created_by_id != request.user.pk,
            "measures": communication.mechanism.checks in (Checks.IACHR, Checks.ECHR_RULE_39),
            "sent": communication.status in services.SENT_STATES,
            "may_reply": services.may_record_reply(communication),
            "formats": export.FORMATS,
            "default_format": export.default_format(communication.mechanism.channel),
            "step": StepForm(),
        },
    )


@requires(STAFF)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, communication_id: int) -> HttpResponse:
    communication = _communication(request, communication_id)
    incidents = selectors.incidents_of(request.user, communication.case)
    initial: dict[str, Any] = {
        "language": communication.language,
        "narrative": communication.narrative,
        "incidents": [str(pk) for pk in communication.incidents.values_list("pk", flat=True)],
        **builder.parse_elements(communication.elements),
    }
    form = EditForm(
        request.POST or None, initial=initial, communication=communication, incidents=incidents
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [i for i in incidents if str(i.pk) in data["incidents"]]
        with refusal_on(form):
            services.update_draft(
                communication,
                actor_id=request.user.pk,
                narrative=data["narrative"],
                elements=form.elements(),
                incidents=chosen,
                language=data["language"],
            )
            messages.success(request, _("Changes saved."))
            return _detail(communication)
    return render(
        request,
        "advocacy/edit.html",
        {"c": communication, "form": form},
        status=422 if form.errors else 200,
    )


def _step(request: HttpRequest, communication: Communication, data: dict[str, Any]) -> str:
    actor, on = request.user.pk, data.get("on")
    step = data["step"]
    if step == "submit":
        services.submit_for_review(communication, actor_id=actor)
        return _("Sent for internal review.")
    if step == "approve":
        services.approve(communication, actor_id=actor)
        return _("Reviewed: it may now be sent.")
    if step == "send":
        services.mark_sent(communication, actor_id=actor, on=on)
        return _("Marked sent. The State's reply is due on %(date)s.") % {
            "date": communication.reply_due_on
        }
    if step == "acknowledge":
        services.acknowledge(communication, reference=data["reference"], actor_id=actor, on=on)
        return _("Acknowledgement recorded.")
    if step == "transmit":
        services.transmitted(communication, actor_id=actor, on=on)
        return _("Transmission to the State recorded. The reply is due on %(date)s.") % {
            "date": communication.reply_due_on
        }
    if step == "no_reply":
        services.record_no_reply(communication, actor_id=actor)
        return _("Recorded: no reply by the deadline.")
    if step == "publish":
        services.publish(communication, publication=data["publication"], actor_id=actor, on=on)
        return _("Publication recorded.")
    services.follow_up(communication, actor_id=actor, on=on)
    return _("Follow-up recorded.")


@requires(STAFF)
@require_POST
def step(request: HttpRequest, communication_id: int) -> HttpResponse:
    communication = _communication(request, communication_id)
    form = StepForm(request.POST)
    if not form.is_valid():
        # Each refused field by its label and reason: a NUL in the reference had been told
        # "Choose a step, and give a valid date".
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else None
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return _detail(communication)
    with flash_refusal(request):
        messages.success(request, _step(request, communication, form.cleaned_data))
    return _detail(communication)


def _record(
    request: HttpRequest,
    communication: Communication,
    form: Any,
    heading: str,
    save: Any,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            save(form.cleaned_data)
            messages.success(request, _("Recorded."))
            return _detail(communication)
    return render(
        request,
        "advocacy/record.html",
        {"c": communication, "form": form, "heading": heading},
        status=422 if form.errors else 200,
    )


@requires(STAFF)
@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, communication_id: int) -> HttpResponse:
    communication = _communication(request, communication_id)

    def save(data: dict[str, Any]) -> None:
        services.record_reply(
            communication,
            reply=data["reply"],
            summary=data["summary"],
            on=data.get("on"),
            actor_id=request.user.pk,
        )

    return _record(
        request, communication, ReplyForm(request.POST or None), _("The State's reply"), save
    )


@requires(STAFF)
@require_http_methods(["GET", "POST"])
def resolution(request: HttpRequest, communication_id: int) -> HttpResponse:
    communication = _communication(request, communication_id)

    def save(data: dict[str, Any]) -> None:
        services.record_resolution(
            communication,
            decision=data["decision"],
            number=data["number"],
            measures=data["measures"],
            on=data.get("on"),
            actor_id=request.user.pk,
        )

    return _record(
        request,
        communication,
        ResolutionForm(request.POST or None),
        _("A resolution on protection measures"),
        save,
    )


@requires(STAFF)
@require_http_methods(["GET", "POST"])
def outcome(request: HttpRequest, communication_id: int) -> HttpResponse:
    communication = _communication(request, communication_id)

    def save(data: dict[str, Any]) -> None:
        services.record_outcome(
            communication,
            outcome=data["outcome"],
            note=data["note"],
            on=data.get("on"),
            actor_id=request.user.pk,
        )

    return _record(
        request, communication, OutcomeForm(request.POST or None), _("What changed"), save
    )


@requires(STAFF)
@require_safe
def export_view(request: HttpRequest, communication_id: int, export_format: str) -> HttpResponse:
    communication = _communication(request, communication_id)
    fmt = found(export_format if export_format in export.FORMATS else None)
    name = f"communication-{communication.pk}"
    if fmt == export.PDF:
        response = HttpResponse(export.pdf(communication), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    elif fmt == export.TEXT:
        response = HttpResponse(
            export.render(communication, fmt), content_type="text/plain; charset=utf-8"
        )
    else:
        response = HttpResponse(export.render(communication, fmt))
    services.record_export(communication, actor_id=request.user.pk)
    response["Cache-Control"] = "no-store"
    return response


@requires("view_analytics")
@require_safe
def analysis(request: HttpRequest) -> HttpResponse:
    return render(request, "advocacy/analysis.html", {"rows": selectors.outcome_counts()})


@requires("manage_settings")
@require_safe
def mechanisms(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "advocacy/mechanisms.html",
        {"mechanisms": selectors.mechanisms(active_only=False)},
    )


@requires("manage_settings")
@require_http_methods(["GET", "POST"])
def mechanism(request: HttpRequest, mechanism_id: int) -> HttpResponse:
    shown = found(selectors.mechanism_by_id(mechanism_id))
    initial = {
        "name": shown.name,
        "channel": shown.channel,
        "address": shown.address,
        "subject_convention": shown.subject_convention,
        "consent_rule": shown.consent_rule,
        "languages": shown.language_list,
        "kinds": shown.kind_list,
        "reply_period_days": shown.reply_period_days,
        "active": shown.active,
    }
    form = MechanismForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            services.update_mechanism(shown, actor_id=request.user.pk, **form.cleaned_data)
            messages.success(request, _("Mechanism saved."))
            return redirect("advocacy:mechanisms")
    return render(
        request,
        "advocacy/mechanism.html",
        {"mechanism": shown, "form": form, "elements": checks.elements_of(shown.checks)},
        status=422 if form.errors else 200,
    )
