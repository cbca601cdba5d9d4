"""Retention pages: the admin's periods and backup status (manage_settings); what expires
soon and the legal holds, for coordinators (coordinate) on the cases they may see."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aegis.access import found, requires
from aegis.backups import selectors as backup_selectors
from aegis.cases import selectors as case_selectors
from aegis.rules import RuleError, show_on

from . import schedule, selectors, services
from .forms import LiftForm, PeriodsForm, ReasonForm

FOLDER_SHOWN = 5


@requires("manage_settings")
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    form = PeriodsForm(request.POST or None, current=selectors.periods())
    if request.method == "POST" and form.is_valid():
        try:
            services.set_periods(form.cleaned_data, actor_id=request.user.pk)
        except RuleError as error:
            show_on(form, error)
        else:
            messages.success(request, _("Retention periods saved."))
            return redirect("retention:settings")
    try:
        plan: schedule.Schedule | None = schedule.schedule()
    except RuleError:
        plan = None  # the problem below says what is wrong
    return render(
        request,
        "retention/settings.html",
        {
            "form": form,
            "plan": plan,
            "problem": schedule.problem(),
            "runs": selectors.backup_runs(),
            # Every backup in the folder, made by the worker or by `aegis backup create`.
            "in_folder": backup_selectors.backups()[:FOLDER_SHOWN],
            "backup_dir": settings.AEGIS_BACKUP_DIR,
            "last_expiry": selectors.last_expiry_run(),
        },
    )


@requires("coordinate")
@require_http_methods(["GET"])
def expiring(request: HttpRequest) -> HttpResponse:
    page = selectors.expiring_page(request.user, request.GET.get("page"))
    return render(
        request,
        "retention/expiring.html",
        {"page": page, "periods": selectors.periods(), "window": selectors.REMINDER_DAYS},
    )


@requires("coordinate")
@require_http_methods(["GET"])
def holds(request: HttpRequest) -> HttpResponse:
    page = selectors.holds_page(request.user, request.GET.get("page"))
    return render(request, "retention/holds.html", {"page": page})


@requires("coordinate")
@require_http_methods(["GET", "POST"])
def hold_new(request: HttpRequest) -> HttpResponse:
    reference = (request.POST.get("case") or request.GET.get("case") or "").strip()
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # References are written in capitals; one typed in lower case is the same case.
        case = case_selectors.case_for(request.user, reference.upper()) if reference else None
        if case is None:
            form.add_error(None, _("No case with this reference among the cases you may see."))
        else:
            try:
                services.place_hold(case, form.cleaned_data["reason"], actor_id=request.user.pk)
            except RuleError as error:
                show_on(form, error)
            else:
                messages.success(
                    request, _("Case %(reference)s is under a legal hold.") % {"reference": case}
                )
                return redirect("retention:holds")
    return render(request, "retention/hold_new.html", {"form": form, "reference": reference})


@requires("coordinate")
@require_http_methods(["GET", "POST"])
def hold_lift(request: HttpRequest, hold_id: int) -> HttpResponse:
    hold = found(selectors.hold_for(request.user, hold_id))
    form = LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lift_hold(hold, form.cleaned_data["lift_reason"], actor_id=request.user.pk)
        except RuleError as error:
            show_on(form, error)
        else:
            messages.success(request, _("The legal hold is lifted."))
            return redirect("retention:holds")
    return render(request, "retention/hold_lift.html", {"form": form, "hold": hold})
