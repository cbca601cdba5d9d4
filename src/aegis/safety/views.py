"""Safety plan pages. Staff (view_cases) reach a plan through a person of their own
compartments; any other person answers exactly like a missing one (404). A defender
(view_own_case) sees only the plan of the person linked to their account."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from aegis.access import found, requires
from aegis.cases.models import Person

from . import selectors, services
from .forms import PlanEditor
from .models import PlanVersion

STAFF = "view_cases"
DEFENDER = "view_own_case"


def _person_or_404(request: HttpRequest, person_id: int) -> Person:
    return found(selectors.person_for_staff(request.user, person_id))


def _current_or_404(person: Person) -> PlanVersion:
    return found(selectors.current_version(person))


@requires(STAFF)
@require_safe
def plan(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    version = selectors.current_version(person)
    return render(
        request,
        "safety/plan.html",
        {
            "person": person,
            "plan": selectors.contents(version) if version else None,
            "staff": True,
        },
    )


@requires(STAFF)
@require_safe
def version(request: HttpRequest, person_id: int, plan_version: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    shown = found(selectors.version_of(person, plan_version))
    current = selectors.current_version(person)
    return render(
        request,
        "safety/plan.html",
        {
            "person": person,
            "plan": selectors.contents(shown),
            "staff": True,
            "earlier": current is not None and current.number != shown.number,
        },
    )


@requires(STAFF)
@require_safe
def versions(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    return render(
        request,
        "safety/versions.html",
        {"person": person, "versions": list(selectors.versions_of(person))},
    )


def _seen(request: HttpRequest) -> int | None:
    """The version the editor was opened on (its hidden `seen`); None from a page without it."""
    seen = request.POST.get("seen", "")
    return int(seen) if seen.isascii() and seen.isdigit() and len(seen) < 10 else None


@requires(STAFF)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    current = selectors.current_version(person)
    if request.method == "POST":
        editor = PlanEditor(request.POST)
        if editor.is_valid():
            try:
                saved = services.save_plan(
                    person, editor.draft(), actor_id=request.user.pk, seen=_seen(request)
                )
            except services.SafetyPlanError as problem:
                editor.add_errors(problem.errors)
            else:
                messages.success(
                    request,
                    _("Version %(number)s of the safety plan is saved.") % {"number": saved.number},
                )
                return redirect("safety:plan", person_id=person.pk)
    else:
        editor = PlanEditor(initial=selectors.draft_of(current))
    return render(
        request,
        "safety/edit.html",
        {"person": person, "editor": editor, "current": current},
        status=422 if editor.has_errors else 200,
    )


def _printed(request: HttpRequest, version: PlanVersion, back: str) -> HttpResponse:
    """The one-page plan, in the plan's language whatever the reader's."""
    plan = selectors.contents(version)
    services.record_printing(version, actor_id=request.user.pk)
    with translation.override(version.language):
        body = render_to_string("safety/print.html", {"plan": plan, "back": back}, request=request)
    return HttpResponse(body)


@requires(STAFF)
@require_safe
def print_plan(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    return _printed(
        request, _current_or_404(person), reverse("safety:plan", kwargs={"person_id": person.pk})
    )


@requires(DEFENDER)
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    person = selectors.own_person(request.user)
    version = selectors.current_version(person) if person is not None else None
    # Locked: the plan was last saved before this account was linked (see services).
    locked = version is not None and not selectors.can_open(version)
    plan = selectors.contents(version) if version is not None and not locked else None
    return render(
        request,
        "safety/mine.html",
        {"person": person, "plan": plan, "locked": locked},
    )


@requires(DEFENDER)
@require_safe
def mine_print(request: HttpRequest) -> HttpResponse:
    person = found(selectors.own_person(request.user))
    version = _current_or_404(person)
    if not selectors.can_open(version):
        raise Http404
    return _printed(request, version, reverse("safety:mine"))
