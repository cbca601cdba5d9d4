"""Thin views for incidents. An incident outside the reader's compartments answers exactly
like a missing one (Http404), so nobody learns that it exists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aegis import paging, places
from aegis.access import found, requires
from aegis.cases import selectors as case_selectors
from aegis.notices import notices_for
from aegis.rules import RuleError, refusal_on
from aegis.vault.selectors import open_records, opened

from . import selectors, services
from .forms import (
    ActEditForm,
    ActForm,
    IncidentEditForm,
    IncidentForm,
    LinkForm,
    PerpetratorEditForm,
    PerpetratorForm,
    SourceEditForm,
    SourceForm,
    VerificationForm,
    VictimsEditForm,
)
from .models import Incident
from .vocabulary import PerpetratorType, VerificationStatus, ViolationType

CHANGE_FIELDS = {
    "incident": IncidentEditForm.base_fields,
    "act": {**ActEditForm.base_fields, **VictimsEditForm.LOGGED},
    "source": SourceEditForm.base_fields,
    "perpetrator": PerpetratorEditForm.base_fields,
}
REFRESH = "show_regions"  # the submit button that only redraws the form with new regions


def _incident(request: HttpRequest, incident_ref: str) -> Incident:
    return found(selectors.incident_for(request.user, incident_ref))


def _add_to_incident(
    request: HttpRequest,
    incident: Any,
    form: django_forms.Form,
    save: Callable[[dict[str, Any]], object],
    *,
    heading: Any,
    done: Any,
) -> HttpResponse:
    """The flow shared by every 'add … to this incident' page: save through a service, show
    its refusal on the form, or go back to the incident."""
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            save(form.cleaned_data)
            messages.success(request, done)
            return redirect("incidents:detail", incident_ref=incident.reference)
    return render(
        request,
        "incidents/simple_form.html",
        {"form": form, "incident": incident, "heading": heading},
    )


def _case_choices(request: HttpRequest, compartment: Any) -> list[tuple[str, str]] | None:
    """The cases to tick, or None where there are too many to list (typed instead)."""
    if compartment is None:
        cases = case_selectors.visible_cases(request.user).order_by("reference")
    else:
        cases = selectors.cases_in(request.user, compartment)
    return _listed(cases)


def _listed(cases: Any) -> list[tuple[str, str]] | None:
    few = paging.few_enough(cases.only("reference"))
    return None if few is None else [(c.reference, c.reference) for c in few]


def _chosen_cases(request: HttpRequest, form: Any) -> list[Any] | None:
    """The visible cases of the form's references, or None, with the form's error, where a
    typed one is none of them. Any visible case: one of another compartment gets the
    service's clear error."""
    references = form.cleaned_data.get("cases", [])
    cases = list(case_selectors.visible_cases(request.user).filter(reference__in=references))
    unknown = sorted(set(references) - {c.reference for c in cases})
    if unknown:
        form.add_error(
            "cases",
            _("No case you can see has the reference %(refs)s. Nothing was saved.")
            % {"refs": ", ".join(unknown)},
        )
        return None
    return cases


def _incident_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {name: data[name] for name in services.INCIDENT_FIELDS}
    fields["date_precision"] = fields["date_precision"] or "day"
    return fields


@requires("view_cases")
@require_http_methods(["GET"])
def incident_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "country": request.GET.get("country", "").strip().upper()[:2],
        "violation_type": request.GET.get("violation_type", "").strip(),
        "verification": request.GET.get("verification", "").strip(),
    }
    if filters["violation_type"] not in ViolationType.values:
        filters["violation_type"] = ""
    if filters["verification"] not in VerificationStatus.values:
        filters["verification"] = ""
    seek = {"after": request.GET.get("after", ""), "before": request.GET.get("before", "")}
    page = selectors.incidents_page(request.user, request.GET.get("page"), **filters, **seek)
    return render(
        request,
        "incidents/list.html",
        {
            "page": page,
            "filters": filters,
            "filtered": any(filters.values()),
            # One cached string, not some 250 options rendered by the template each view.
            "country_select": places.country_select(
                "country", filters["country"], {"id": "f-country"}, _("All countries")
            ),
            "violation_types": ViolationType.choices,
            "verification_statuses": VerificationStatus.choices,
        },
    )


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    compartments = list(case_selectors.work_compartments_of(request.user))
    if not compartments:
        return render(request, "incidents/no_compartment.html")
    form = IncidentForm(
        request.POST or None,
        compartments=[(str(c.pk), c.name) for c in compartments],
        cases=_case_choices(request, compartments[0] if len(compartments) == 1 else None),
    )
    if (
        request.method == "POST"
        and REFRESH not in request.POST
        and form.is_valid()
        and (cases := _chosen_cases(request, form)) is not None
    ):
        data = form.cleaned_data
        compartment = next(c for c in compartments if str(c.pk) == data["compartment"])
        with refusal_on(form):
            incident = services.create_incident(
                compartment, actor_id=request.user.pk, cases=cases, **_incident_fields(data)
            )
            messages.success(request, _("Incident %(ref)s recorded.") % {"ref": incident.reference})
            return redirect("incidents:detail", incident_ref=incident.reference)
    return render(
        request, "incidents/form.html", {"form": form, "incident": None, "refresh": REFRESH}
    )


def _changes_of(incident: Incident) -> list[Any]:
    """The corrections of the incident, its acts and sources, and the perpetrators it names."""
    records: list[tuple[str, Any]] = [("incident", incident.reference)]
    records += [("act", pk) for pk in incident.acts.values_list("pk", flat=True)]
    records += [("source", pk) for pk in incident.sources.values_list("pk", flat=True)]
    named = selectors.perpetrators_of(incident).values_list("pk", flat=True)
    records += [("perpetrator", pk) for pk in named]
    return case_selectors.history_of(records, CHANGE_FIELDS)


@requires("view_cases")
@require_http_methods(["GET"])
def incident_detail(request: HttpRequest, incident_ref: str) -> HttpResponse:
    incident = _incident(request, incident_ref)
    services.seal_days(incident)  # a row from before the days were sealed, opened by a member
    shown = selectors.incident_page(request.user, incident)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "country_name": places.country_name(incident.country),
            "region_name": places.region_name(incident.country, incident.region),
            "acts": shown.acts,
            "sources": shown.sources,
            "cases": selectors.related_cases(request.user, incident),
            "outgoing": shown.outgoing,
            "incoming": shown.incoming,
            "history": incident.verification_changes.select_related("changed_by"),
            "changes": _changes_of(incident),
            "independent_sources": services.independent_sources(incident),
            "verify_form": VerificationForm(initial={"status": incident.verification}),
            "notices": notices_for(incident, request.user),  # alerts its acts raised
        },
    )


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, incident_ref: str) -> HttpResponse:
    incident = _incident(request, incident_ref)
    initial = {name: getattr(incident, name) for name in services.INCIDENT_FIELDS}
    # Only the linked cases the editor sees: typed references are shown as text, and the
    # service keeps the links to cases the editor cannot see.
    initial["cases"] = list(
        case_selectors.visible_cases(request.user)
        .filter(incidents=incident)
        .values_list("reference", flat=True)
    )
    form = IncidentEditForm(
        request.POST or None,
        initial=initial,
        cases=_listed(selectors.cases_for_incident(request.user, incident)),
        current=incident.updated_at.isoformat(),
    )
    if (
        request.method == "POST"
        and REFRESH not in request.POST
        and form.is_valid()
        and (cases := _chosen_cases(request, form)) is not None
    ):
        data = form.cleaned_data
        with refusal_on(form):
            services.update_incident(
                incident,
                actor_id=request.user.pk,
                reason=data["reason"],
                cases=cases,
                **_incident_fields(data),
            )
            messages.success(request, _("Changes saved."))
            return redirect("incidents:detail", incident_ref=incident.reference)
    return render(
        request, "incidents/form.html", {"form": form, "incident": incident, "refresh": REFRESH}
    )


def _nameable_people(
    request: HttpRequest, incident: Incident, *, also: Sequence[int] = ()
) -> tuple[dict[str, Any], bool]:
    """Whom an act may name as victims on file, and whether the list is narrowed: everyone of
    the compartment the reader sees or, where they are too many to list, the people of the
    incident's related cases and `also` (the act's own victims, which an edit must keep)."""
    people = paging.few_enough(selectors.people_in(request.user, incident.compartment))
    narrowed = people is None
    if people is None:
        near = selectors.people_of_incident(request.user, incident, also=also)
        people = list(near.order_by("pseudonym", "pk"))
    return {str(p.pk): p for p in people}, narrowed


def _nameable_perpetrators(incident: Incident) -> tuple[dict[str, Any], bool]:
    """The compartment's perpetrators, keys opened, and whether the list is narrowed to those
    the incident already names, where the compartment's are too many to list."""
    perpetrators = paging.few_enough(selectors.perpetrators_in(incident.compartment))
    narrowed = perpetrators is None
    if perpetrators is None:
        perpetrators = list(selectors.perpetrators_of(incident))
    return {str(p.pk): p for p in opened(perpetrators)}, narrowed


def _pseudonyms(people: dict[str, Any]) -> list[tuple[str, str]]:
    return [(pk, p.pseudonym) for pk, p in people.items()]


def _perpetrator_label(perpetrator: Any) -> str:
    kind = PerpetratorType(perpetrator.perpetrator_type).label
    return f"{kind}: {perpetrator.name}" if perpetrator.name else str(kind)


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def act_add(request: HttpRequest, incident_ref: str) -> HttpResponse:
    incident = _incident(request, incident_ref)
    people, people_narrowed = _nameable_people(request, incident)
    perpetrators, perpetrators_narrowed = _nameable_perpetrators(incident)
    form = ActForm(
        request.POST or None,
        people=_pseudonyms(people),
        perpetrators=[(pk, _perpetrator_label(p)) for pk, p in perpetrators.items()],
        narrowed={"victims": people_narrowed, "perpetrators": perpetrators_narrowed},
    )

    def save(data: dict[str, Any]) -> object:
        described = []
        if data["victim_description"].strip():
            described.append(
                services.DescribedVictim(
                    data["victim_description"], data["victim_sex"], data["victim_age_group"]
                )
            )
        return services.add_act(
            incident,
            violation_type=data["violation_type"],
            actor_id=request.user.pk,
            victims=[people[pk] for pk in data["victims"]],
            perpetrators=[(perpetrators[pk], data["involvement"]) for pk in data["perpetrators"]],
            described_victims=described,
        )

    return _add_to_incident(
        request, incident, form, save, heading=_("Add an act"), done=_("Act added.")
    )


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def source_add(request: HttpRequest, incident_ref: str) -> HttpResponse:
    incident = _incident(request, incident_ref)
    return _add_to_incident(
        request,
        incident,
        SourceForm(request.POST or None),
        lambda data: services.add_source(incident, actor_id=request.user.pk, **data),
        heading=_("Add a source"),
        done=_("Source added."),
    )


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def perpetrator_add(request: HttpRequest, incident_ref: str) -> HttpResponse:
    incident = _incident(request, incident_ref)
    acts = {str(a.pk): a for a in incident.acts.all()}
    form = PerpetratorForm(
        request.POST or None,
        acts=[
            (pk, f"{n}. {a.get_violation_type_display()}")
            for n, (pk, a) in enumerate(acts.items(), 1)
        ],
    )

    def save(data: dict[str, Any]) -> object:
        added = services.add_perpetrator(
            incident,
            actor_id=request.user.pk,
            perpetrator_type=data["perpetrator_type"],
            name=data["name"],
            description=data["description"],
            act=acts.get(data["act"]),
            involvement=data["involvement"],
        )
        if data["act"] not in acts:  # shown nowhere yet: it had been added again, twice
            messages.info(
                request,
                _(
                    "It is linked to no act yet, so the incident's page does not show it: "
                    "choose it in an act (Add an act, or Correct on an act)."
                ),
            )
        return added

    return _add_to_incident(
        request, incident, form, save, heading=_("Add a perpetrator"), done=_("Perpetrator added.")
    )


def _correct(
    request: HttpRequest,
    incident: Any,
    form: django_forms.Form,
    save: Callable[[dict[str, Any]], object],
    *,
    heading: Any,
) -> HttpResponse:
    """A correction page: the same flow as adding, the reason kept in the history."""
    return _add_to_incident(
        request, incident, form, save, heading=heading, done=_("Changes saved.")
    )


def _correct_record(
    request: HttpRequest,
    incident: Any,
    record: Any,
    form_class: type[django_forms.Form],
    fields: Sequence[str],
    update: Callable[..., object],
    *,
    heading: Any,
) -> HttpResponse:
    """The correction of one record of the incident (None: 404): its key opened, the form
    filled with its `fields`, `update(record, actor_id=…, reason=…, **fields)` when sent."""
    open_records([record])
    record = found(record)
    initial = {name: getattr(record, name) for name in fields}
    form = form_class(request.POST or None, initial=initial)
    return _correct(
        request,
        incident,
        form,
        lambda data: update(record, actor_id=request.user.pk, **data),
        heading=heading,
    )


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def act_edit(request: HttpRequest, incident_ref: str, act_id: int) -> HttpResponse:
    incident = _incident(request, incident_ref)
    act = incident.acts.filter(pk=act_id).first()
    return _correct_record(
        request,
        incident,
        act,
        ActEditForm,
        ("violation_type",),
        services.update_act,
        heading=_("Correct the act"),
    )


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def victims_edit(request: HttpRequest, incident_ref: str, act_id: int) -> HttpResponse:
    incident = _incident(request, incident_ref)
    act = found(selectors.acts_of(incident).filter(pk=act_id).first())
    victims = list(act.victims.all())
    on_file = [v.person_id for v in victims if v.person_id is not None]
    people, narrowed = _nameable_people(request, incident, also=on_file)
    form = VictimsEditForm(
        request.POST or None,
        initial={"victims": [str(pk) for pk in on_file]},
        people=_pseudonyms(people),
        described=[v for v in victims if v.person_id is None],
        narrowed=narrowed,
    )

    def save(data: dict[str, Any]) -> object:
        return services.update_victims(
            act,
            actor_id=request.user.pk,
            reason=data["reason"],
            people=[people[pk] for pk in data["victims"]],
            described=form.described(),
            added=form.added(),
        )

    return _correct(request, incident, form, save, heading=_("Correct the victims"))


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, incident_ref: str, source_id: int) -> HttpResponse:
    incident = _incident(request, incident_ref)
    source = incident.sources.filter(pk=source_id).first()
    return _correct_record(
        request,
        incident,
        source,
        SourceEditForm,
        services.SOURCE_FIELDS,
        services.update_source,
        heading=_("Correct the source"),
    )


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def perpetrator_edit(request: HttpRequest, incident_ref: str, perpetrator_id: int) -> HttpResponse:
    incident = _incident(request, incident_ref)
    perpetrator = selectors.perpetrators_in(incident.compartment).filter(pk=perpetrator_id).first()
    return _correct_record(
        request,
        incident,
        perpetrator,
        PerpetratorEditForm,
        services.PERPETRATOR_FIELDS,
        services.update_perpetrator,
        heading=_("Correct the perpetrator"),
    )


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def link_add(request: HttpRequest, incident_ref: str) -> HttpResponse:
    incident = _incident(request, incident_ref)

    def save(data: dict[str, Any]) -> object:
        other = selectors.incident_for(request.user, data["to_reference"])
        if other is None:
            raise RuleError(_("There is no incident with this reference."), "to_reference")
        return services.link_incidents(incident, other, kind=data["kind"], actor_id=request.user.pk)

    return _add_to_incident(
        request,
        incident,
        LinkForm(request.POST or None),
        save,
        heading=_("Link to another incident"),
        done=_("Incidents linked."),
    )


@requires("view_cases")
@require_POST
def verify(request: HttpRequest, incident_ref: str) -> HttpResponse:
    incident = _incident(request, incident_ref)
    form = VerificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a verification status."))
    else:
        try:
            services.set_verification(
                incident, form.cleaned_data["status"], actor_id=request.user.pk
            )
        except RuleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Verification status changed."))
    return redirect("incidents:detail", incident_ref=incident.reference)
