"""The defender's check-in page. It works without JavaScript, and what it shows never
depends on the word typed: a duress word is handled by the service, out of the view's sight."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aegis.access import requires

from . import checkins, selectors
from .checkin_forms import CheckInForm


@requires("view_own_case")
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest) -> HttpResponse:
    person = selectors.own_person(request.user)
    form = CheckInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if person is None:
            raise Http404
        if form.is_valid():
            checkins.check_in(person, form.cleaned_data["word"], actor_id=request.user.pk)
            messages.success(request, _("Thank you. Your check-in is recorded."))
            return redirect("alerts:checkin")
    status = checkins.status(person) if person is not None else None
    return render(
        request,
        "alerts/checkin.html",
        {"person": person, "form": form, "status": status},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
