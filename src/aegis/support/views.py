"""Pages of the provider directory and of referrals. Case staff (view_cases) use them;
coordinators (coordinate) vet providers. Referrals are reached within the reader's
compartments: anyone else's answers exactly like a missing one (404)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aegis.access import found, requires
from aegis.cases import selectors as cases
from aegis.rules import flash_refusal, refusal_on
from aegis.text import whole_number

from . import selectors, services
from .forms import (
    AvailabilityForm,
    ProviderEditForm,
    ProviderForm,
    ReferenceForm,
    ReferralForm,
    ReferralMoveForm,
    RenewalForm,
    VetForm,
)
from .vocabulary import ProviderKind, ReferralKind, ReferralStatus, VettingStatus

STAFF = "view_cases"
COORDINATOR = "coordinate"
PAGE = 25


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE).get_page(request.GET.get("page"))


# --- Providers ----------------------------------------------------------------------------


@requires(STAFF)
@require_safe
def providers(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    vetting = request.GET.get("vetting", "")
    due = request.GET.get("due") == "1"
    rows = selectors.providers(
        kind=kind if kind in ProviderKind.values else "",
        country=request.GET.get("country", "")[:2],
        vetting=vetting if vetting in VettingStatus.values else "",
        due=due,
    )
    return render(
        request,
        "support/providers.html",
        {
            "page": _page(request, rows),
            "kinds": ProviderKind.choices,
            "vettings": VettingStatus.choices,
            "kind": kind,
            "vetting": vetting,
            "due": due,
            "due_count": selectors.providers_due().count(),
        },
    )


@requires(STAFF)
@require_http_methods(["GET", "POST"])
def provider_new(request: HttpRequest) -> HttpResponse:
    compartments = cases.work_compartments_of(request.user).order_by("name")
    form = ProviderForm(request.POST or None)
    chosen = request.POST.get("compartment") or ""
    if request.method == "POST" and form.is_valid():
        pk = whole_number(chosen)
        compartment = compartments.filter(pk=pk).first() if pk is not None else None
        if compartment is None:
            form.add_error(None, _("Choose the compartment whose members may read the contacts."))
        else:
            with refusal_on(form):
                made = services.create_provider(compartment, actor=request.user, **form.values())
                messages.success(request, _("The provider is in the directory, not yet vetted."))
                return redirect("support:provider", provider_id=made.pk)
    return render(
        request,
        "support/provider_form.html",
        {"form": form, "compartments": compartments, "chosen": chosen},
        status=422 if form.errors else 200,
    )


@requires(STAFF)
@require_safe
def provider(request: HttpRequest, provider_id: int) -> HttpResponse:
    return _provider_page(request, found(selectors.provider(provider_id)))


def _provider_page(
    request: HttpRequest,
    shown: Any,
    reference_form: ReferenceForm | None = None,
    vet_form: VetForm | None = None,
) -> HttpResponse:
    """The provider's page; with a reference or vetting form refused for its errors, that
    form as it was sent (what was typed, and why), answered 422."""
    refused = reference_form is not None or vet_form is not None
    return render(
        request,
        "support/provider.html",
        {
            "file": selectors.provider_file(shown),
            "due": services.revetting_due(shown),
            "offerable": services.offerable(shown),
            "reference_form": reference_form or ReferenceForm(),
            "vet_form": vet_form or VetForm(),
            "availability_form": AvailabilityForm(initial={"availability": shown.availability}),
            "coordinator": request.user.has_perm("accounts.coordinate"),
        },
        status=422 if refused else 200,
    )


def _provider_initial(shown: Any) -> dict[str, Any]:
    return {
        "name": shown.name,
        "individual": shown.individual,
        "kinds": [k for k in shown.kinds.split(",") if k],
        "countries": [c for c in shown.countries.split(",") if c],
        "regions": shown.regions,
        "languages": shown.languages,
        "capacity": "" if shown.capacity is None else shown.capacity,
        "availability": shown.availability,
        "cost": shown.cost,
        "contact": shown.contact or "",
        "notes": shown.notes or "",
        "revet_on": shown.revet_on,
    }


@requires(STAFF)
@require_http_methods(["GET", "POST"])
def provider_edit(request: HttpRequest, provider_id: int) -> HttpResponse:
    """The directory entry's details. Only holders of the directory key edit it: anyone else
    would overwrite contact details they cannot read."""
    shown = found(selectors.provider(provider_id))
    if not selectors.provider_file(shown).readable:
        messages.error(
            request,
            _("Only members of the compartment this provider was entered in can edit it."),
        )
        return redirect("support:provider", provider_id=shown.pk)
    coordinator = request.user.has_perm("accounts.coordinate")
    form = ProviderEditForm(
        request.POST or None, initial=_provider_initial(shown), coordinator=coordinator
    )
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            approved = shown.vetting == VettingStatus.APPROVED
            services.update_provider(shown, actor=request.user, **form.values())
            messages.success(request, _("The provider's details are updated."))
            if approved and shown.vetting != VettingStatus.APPROVED:
                messages.warning(
                    request,
                    _(
                        "Its kinds of help or countries changed, so it needs vetting again: "
                        "it is not offered until a coordinator approves it."
                    ),
                )
            return redirect("support:provider", provider_id=shown.pk)
    return render(
        request,
        "support/provider_edit.html",
        {"form": form, "provider": shown},
        status=422 if form.errors else 200,
    )


@requires(STAFF)
@require_POST
def provider_reference(request: HttpRequest, provider_id: int) -> HttpResponse:
    shown = found(selectors.provider(provider_id))
    form = ReferenceForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            services.add_reference(shown, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Reference added."))
            return redirect("support:provider", provider_id=shown.pk)
    # Shown again with what was typed and why: a redirect had lost both, and said only
    # "give the name and how to reach them" of a name too long or a NUL in the contact.
    return _provider_page(request, shown, reference_form=form)


@requires(COORDINATOR)
@require_POST
def provider_vet(request: HttpRequest, provider_id: int) -> HttpResponse:
    shown = found(selectors.provider(provider_id))
    form = VetForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            services.vet(
                shown,
                form.cleaned_data["status"],
                actor=request.user,
                revet_on=form.cleaned_data["revet_on"],
            )
            messages.success(request, _("The vetting decision is recorded."))
            return redirect("support:provider", provider_id=shown.pk)
    # Shown again with the status and date chosen and why: a redirect had emptied both.
    return _provider_page(request, shown, vet_form=form)


@requires(STAFF)
@require_POST
def provider_availability(request: HttpRequest, provider_id: int) -> HttpResponse:
    shown = found(selectors.provider(provider_id))
    form = AvailabilityForm(request.POST)
    if form.is_valid():
        with flash_refusal(request):
            services.set_availability(shown, form.cleaned_data["availability"], actor=request.user)
            messages.success(request, _("Availability updated."))
    return redirect("support:provider", provider_id=shown.pk)


# --- Referrals ----------------------------------------------------------------------------


@requires(STAFF)
@require_safe
def referrals(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = selectors.referrals(request.user)
    if status in ReferralStatus.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "support/referrals.html",
        {
            "page": _page(request, rows),
            "statuses": ReferralStatus.choices,
            "status": status,
            "follow_up": selectors.referrals_to_follow_up(request.user),
            "withdrawn": selectors.referrals_on_withdrawn_consents(request.user),
        },
    )


def _referral_values(form: ReferralForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "purpose": data["purpose"],
        "shared": data["shared"],
        "follow_up_on": data["follow_up_on"],
        "kind": data["kind"],
        "relocation": {name: data.get(name) for name in ReferralForm.RELOCATION}
        if data["kind"] == ReferralKind.RELOCATION
        else None,
    }


@requires(STAFF)
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    visible = cases.visible_cases(request.user).order_by("-opened_at")[:200]
    reference = request.POST.get("case") or request.GET.get("case", "")
    case = cases.case_for(request.user, reference) if reference else None
    grants = selectors.grant_choices_for(case) if case is not None else []
    form = ReferralForm(
        request.POST or None,
        initial={"case": reference, "provider": request.GET.get("provider", "")},
        cases=visible,
        providers=selectors.offerable_providers(),
        grants=grants,
    )
    if request.method == "POST" and form.is_valid() and case is None:
        form.add_error("case", _("Choose one of your cases."))
    elif request.method == "POST" and form.is_valid() and case is not None:
        chosen = selectors.offerable_providers().filter(pk=form.cleaned_data["provider"]).first()
        grant = None
        if form.cleaned_data.get("grant"):
            grant = selectors.grant_for(request.user, int(form.cleaned_data["grant"]))
        with refusal_on(form):
            made = services.create_referral(
                case, found(chosen), actor=request.user, grant=grant, **_referral_values(form)
            )
            messages.success(request, _("The referral is saved as a draft."))
            return redirect("support:referral", referral_id=made.pk)
    return render(
        request,
        "support/referral_form.html",
        {"form": form, "case": case},
        status=422 if form.errors else 200,
    )


@requires(STAFF)
@require_safe
def referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    shown = found(selectors.referral_for(request.user, referral_id))
    relocation = (
        getattr(shown, "relocation", None) if shown.kind == ReferralKind.RELOCATION else None
    )
    return render(
        request,
        "support/referral.html",
        {
            "referral": shown,
            "relocation": relocation,
            "steps": list(shown.steps.select_related("by")),
            "moves": [
                (s, ReferralStatus(s).label)
                for s in services.REFERRAL_MOVES[ReferralStatus(shown.status)]
            ],
            "move_form": ReferralMoveForm(),
            "renewal_form": RenewalForm(),
            "renewable": relocation is not None and shown.status in services.RENEWABLE,
            "consent_withdrawn": shown.consent.withdrawn_at is not None,
        },
    )


@requires(STAFF)
@require_POST
def referral_renew(request: HttpRequest, referral_id: int) -> HttpResponse:
    shown = found(selectors.referral_for(request.user, referral_id))
    form = RenewalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number of months to add (1 to 6)."))
    else:
        with flash_refusal(request):
            services.renew_relocation(shown, actor=request.user, months=form.cleaned_data["months"])
            messages.success(request, _("The relocation is renewed."))
    return redirect("support:referral", referral_id=shown.pk)


@requires(STAFF)
@require_POST
def referral_move(request: HttpRequest, referral_id: int) -> HttpResponse:
    shown = found(selectors.referral_for(request.user, referral_id))
    form = ReferralMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the new status and a valid date."))
    else:
        with flash_refusal(request):
            services.move_referral(
                shown,
                form.cleaned_data["status"],
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                follow_up_on=form.cleaned_data["follow_up_on"],
            )
            messages.success(request, _("The referral's status is updated."))
    return redirect("support:referral", referral_id=shown.pk)
