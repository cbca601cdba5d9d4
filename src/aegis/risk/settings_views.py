"""The administrator's risk settings: level thresholds, review intervals, the pattern window
and the checklist. Nothing here reads case data (separation of duties)."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aegis.access import requires

from . import configuration, selectors
from .checks import RiskRuleError
from .forms import ChecklistItemForm, SettingsForm
from .models import ChecklistItem


def _attach(form: django_forms.Form, error: RiskRuleError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@requires("manage_settings")
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    current = selectors.current_settings()
    initial = {name: getattr(current, name) for name in configuration.SETTINGS_FIELDS}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.update_settings(actor_id=request.user.pk, **form.cleaned_data)
        except RiskRuleError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Risk settings saved."))
            return redirect("risk:settings")
    configuration.seed_checklist()
    return render(
        request,
        "risk/settings.html",
        {"form": form, "items": selectors.checklist_items()},
    )


def _item_page(
    request: HttpRequest, item: ChecklistItem | None, initial: dict[str, Any]
) -> HttpResponse:
    form = ChecklistItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if item is None:
                configuration.add_checklist_item(actor_id=request.user.pk, **form.cleaned_data)
            else:
                configuration.update_checklist_item(
                    item, actor_id=request.user.pk, **form.cleaned_data
                )
        except RiskRuleError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Checklist saved."))
            return redirect("risk:settings")
    return render(request, "risk/checklist_item.html", {"form": form, "item": item})


@requires("manage_settings")
@require_http_methods(["GET", "POST"])
def checklist_new(request: HttpRequest) -> HttpResponse:
    return _item_page(request, None, {"active": True, "position": 0})


@requires("manage_settings")
@require_http_methods(["GET", "POST"])
def checklist_edit(request: HttpRequest, checklist_item_id: int) -> HttpResponse:
    item = selectors.checklist_item(checklist_item_id)
    if item is None:
        raise Http404
    fields = ("label", "kind", "category", "amplifier", "position", "active")
    return _item_page(request, item, {name: getattr(item, name) for name in fields})
