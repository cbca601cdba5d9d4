"""The defender's check-in page. It works without JavaScript, and what it shows never
depends on the word typed: a duress word is handled by the service, out of the view's sight.
A check-in sent after the session ended is not recorded, whatever the word, and the sign-in
page says so (docs/decisions.md, "A panic page outlives its session")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from aegis.access import requires

from . import checkins, selectors
from .checkin_forms import CheckInForm

CHECKIN_NOT_RECORDED = gettext_lazy("Your check-in was NOT recorded: sign in and check in again.")


def checkin_signed_out(request: HttpRequest) -> HttpResponse:
    """No token records a check-in: it tells the team that the defender is fine, and a page
    left open on a seized phone must not say so for a day. The word is not read, so a duress
    word is answered exactly as any other."""
    if request.method == "POST":
        messages.error(request, CHECKIN_NOT_RECORDED)
        return redirect_to_login(reverse("alerts:checkin"))
    return redirect_to_login(request.get_full_path())


@requires("view_own_case", signed_out=checkin_signed_out)
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
