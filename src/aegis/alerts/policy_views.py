"""Pages where coordinators set escalation policies (one per risk level, and a case's own),
partner organisations and alert rules. Plain forms, no JavaScript. A case outside the
coordinator's compartments answers 404, like a missing one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aegis import paging
from aegis.access import found, requires
from aegis.cases import selectors as cases
from aegis.cases.models import Case
from aegis.risk.vocabulary import Level
from aegis.rules import RuleError, refusal_on, show_on
from aegis.text import whole_number
from aegis.vault import service_keys

from . import channels as alert_channels
from . import ladder, policies
from .models import EscalationPolicy
from .policy_forms import REFRESH, PartnerForm, PolicyForm, RuleForm, step_forms
from .vocabulary import Audience

PERMISSION = "coordinate"


@dataclass(frozen=True)
class StepView:
    """A step in words, for the pages."""

    number: int
    deadline_minutes: int
    audiences: list[str]
    channels: list[str]
    partners: list[str]


def _view(number: int, deadline: int, audiences: Any, channels: Any, partners: Any) -> StepView:
    names, ways = dict(Audience.choices), dict(alert_channels.choices())
    return StepView(
        number,
        deadline,
        [str(names.get(code, code)) for code in audiences],
        # Channels only matter for emergency contacts.
        [str(ways.get(code, code)) for code in channels] if Audience.CONTACTS in audiences else [],
        [p.name + ("" if p.is_active else str(_(" (inactive)"))) for p in partners],
    )


def _step_views(policy: EscalationPolicy | None) -> list[StepView]:
    """A policy's steps in words; None: the built-in ladder."""
    if policy is None:
        return [
            _view(r.number, r.deadline_minutes, r.audiences, r.channels, [])
            for r in ladder.default_ladder()
        ]
    return [
        _view(
            step.number,
            step.deadline_minutes,
            ladder.split(step.audiences),
            ladder.split(step.channels),
            step.partners.all(),
        )
        for step in policy.steps.all()
    ]


def _case_or_404(request: HttpRequest, reference: str) -> Case:
    return found(cases.case_for(request.user, reference))


# --- Policies -----------------------------------------------------------------------------


@requires(PERMISSION)
@require_safe
def policy_list(request: HttpRequest) -> HttpResponse:
    reference = request.GET.get("reference", "").strip().upper()
    if reference:
        if cases.case_for(request.user, reference) is not None:
            return redirect("alerts:case-policy", reference=reference)
        messages.error(request, _("There is no case with this reference in your compartments."))
    by_level = policies.level_policies()
    levels = [(level, by_level.get(level.value)) for level in Level]
    return render(
        request,
        "alerts/policies.html",
        {
            "levels": [(level, policy, _step_views(policy)) for level, policy in levels],
            "overrides": [(p, _step_views(p)) for p in policies.case_policies(request.user)],
            "default_ladder": _step_views(None),
            "reference": reference,
        },
    )


def _edit(
    request: HttpRequest,
    policy: EscalationPolicy | None,
    save: Callable[[str, list[policies.StepInput]], EscalationPolicy],
    context: dict[str, Any],
) -> HttpResponse:
    partners = policies.active_partners()
    data = request.POST if request.method == "POST" else None
    form = PolicyForm(
        data,
        initial={"name": policy.name if policy else ""},
        current=policy.updated_at.isoformat() if policy else "",
    )
    rows = step_forms(data, policies.steps_of(policy), partners)
    if data is not None:
        valid = [row.is_valid() for row in rows]
        if form.is_valid() and all(valid):
            steps = [row.step(i) for i, row in enumerate(rows) if not row.is_empty()]
            try:
                save(form.cleaned_data["name"], steps)
            except RuleError as error:
                show_on(rows[error.row] if error.row is not None else form, error)
            else:
                messages.success(
                    request,
                    _("The policy is saved. Alerts already running keep the steps they had."),
                )
                return redirect("alerts:policies")
    status = 400 if data is not None else 200
    invalid_rows = any(row.errors for row in rows) if data is not None else False
    return render(
        request,
        "alerts/policies_edit.html",
        {**context, "form": form, "rows": rows, "policy": policy, "invalid_rows": invalid_rows},
        status=status,
    )


@requires(PERMISSION)
@require_http_methods(["GET", "POST"])
def level_policy(request: HttpRequest, risk_level: str) -> HttpResponse:
    if risk_level not in Level.values:
        raise Http404
    policy = policies.level_policy(risk_level)

    def save(name: str, steps: list[policies.StepInput]) -> EscalationPolicy:
        return policies.save_level_policy(risk_level, steps, actor=request.user, name=name)

    return _edit(request, policy, save, {"level": Level(risk_level)})


@requires(PERMISSION)
@require_http_methods(["GET", "POST"])
def case_policy(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    policy = policies.case_policy(case)

    def save(name: str, steps: list[policies.StepInput]) -> EscalationPolicy:
        return policies.save_case_policy(case, steps, actor=request.user, name=name)

    return _edit(request, policy, save, {"case": case})


@requires(PERMISSION)
@require_POST
def case_policy_remove(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    if policies.remove_case_policy(case, actor=request.user):
        messages.success(
            request, _("The case's own policy is removed: its risk level's policy applies.")
        )
    return redirect("alerts:policies")


# --- Partner organisations ----------------------------------------------------------------


@requires(PERMISSION)
@require_http_methods(["GET", "POST"])
def partner_list(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            policies.add_partner(actor=request.user, **form.cleaned_data)
            messages.success(request, _("The partner organisation is added."))
            return redirect("alerts:partners")
    return render(
        request,
        "alerts/partners.html",
        {"form": form, "partners": policies.partners()},
        status=400 if form.errors else 200,
    )


@requires(PERMISSION)
@require_POST
def partner_active(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = found(policies.partner_by_id(partner_id))
    active = request.POST.get("active") == "1"
    policies.set_partner_active(partner, active, actor=request.user)
    if active:
        messages.success(request, _("%(name)s receives alerts again.") % {"name": partner.name})
    else:
        messages.success(request, _("%(name)s receives no more alerts.") % {"name": partner.name})
    return redirect("alerts:partners")


# --- Rules --------------------------------------------------------------------------------


def _people(request: HttpRequest) -> tuple[list[tuple[str, str]], bool]:
    """The people a rule may be limited to, and whether they were too many to list: then only
    the one chosen (sent, or from their page's link, `?person=`) is offered."""
    people = paging.few_enough(cases.people_choices(request.user))
    narrowed = people is None
    if people is None:
        pk = whole_number(request.POST.get("person") or request.GET.get("person"))
        person = cases.person_for(request.user, pk) if pk is not None else None
        people = [person] if person is not None else []
    return [(str(p.pk), p.pseudonym) for p in people], narrowed


@requires(PERMISSION)
@require_safe
def rule_list(request: HttpRequest) -> HttpResponse:
    visible = set(cases.visible_people(request.user).values_list("pk", flat=True))
    return render(
        request,
        "alerts/rules.html",
        {
            "rules": policies.rules(),
            "visible_people": visible,
            # The news rule needs the alert service to hold the search key to recognise names.
            "names_unrecognised": not service_keys.holds_search_key(),
        },
    )


@requires(PERMISSION)
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    people, narrowed = _people(request)
    form = RuleForm(
        request.POST or None,
        initial={"person": request.GET.get("person", "")},
        people=people,
        narrowed=narrowed,
    )
    if request.method == "POST" and REFRESH not in request.POST and form.is_valid():
        values = dict(form.cleaned_data)
        person_id = values.pop("person")
        person = cases.person_for(request.user, int(person_id)) if person_id else None
        with refusal_on(form):
            if person_id and person is None:
                raise RuleError(_("Choose a person from the list."), "person")
            policies.create_rule(actor=request.user, person=person, **values)
            messages.success(request, _("The rule is active."))
            return redirect("alerts:rules")
    refreshing = request.method == "POST" and REFRESH in request.POST
    if refreshing:
        form.errors.clear()
    return render(
        request,
        "alerts/rules_new.html",
        {"form": form, "refresh": REFRESH},
        status=400 if request.method == "POST" and not refreshing else 200,
    )


@requires(PERMISSION)
@require_POST
def rule_active(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = found(policies.rule_for(request.user, rule_id))
    active = request.POST.get("active") == "1"
    policies.set_rule_active(rule, active, actor=request.user)
    messages.success(
        request, _("The rule is active.") if active else _("The rule is switched off.")
    )
    return redirect(reverse("alerts:rules"))
