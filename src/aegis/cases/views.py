"""Staff pages for people, cases, consent and compartments. Thin: selectors read, services
write. A case or person outside the reader's compartments answers exactly like a missing one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aegis import confirm, places
from aegis.access import found, requires
from aegis.rules import RuleError, flash_refusal, refusal_on, show_on
from aegis.vault.keychain import NoSearchKey

from . import panels, selectors, services
from .forms import (
    CaseEditForm,
    CaseFilterForm,
    CaseForm,
    CaseMoveForm,
    CompartmentForm,
    ConsentForm,
    LinkAccountForm,
    MemberForm,
    NoteForm,
    PersonEditForm,
    PersonForm,
    SearchForm,
    StatusForm,
    TaskForm,
)
from .models import Case, Compartment, Person
from .services import PERSON_FIELDS
from .vocabulary import SubjectKind

PERSON_PREFIX = "person"


def _new_person_form(*args: Any, **kwargs: Any) -> PersonForm:
    """The new-person part of 'Open a case' is only needed when no known person is chosen,
    so the browser must not insist on its required fields."""
    return PersonForm(*args, prefix=PERSON_PREFIX, use_required_attribute=False, **kwargs)


def _case_or_404(request: HttpRequest, reference: str) -> Case:
    return found(selectors.case_for(request.user, reference))


def _person_or_404(request: HttpRequest, person_id: int) -> Person:
    return found(selectors.person_for(request.user, person_id))


def _compartment_or_404(compartment_id: int) -> Compartment:
    return found(selectors.compartment_by_id(compartment_id))


def _with_places(records: Any) -> Any:
    for record in records:
        record.place = places.place_label(record.country, record.region)
    return records


def _seek(request: HttpRequest) -> dict[str, str]:
    """The page links' cursors (aegis.paging): where the next or previous page starts."""
    return {"after": request.GET.get("after", ""), "before": request.GET.get("before", "")}


def _initial(data: Any, prefix: str = "") -> dict[str, Any]:
    """A submitted form's values as initial data (to redisplay it without errors)."""
    start = f"{prefix}-" if prefix else ""
    return {k[len(start) :]: v for k, v in data.items() if k.startswith(start)}


def _not_saved(missing: NoSearchKey) -> str:
    """The missing search key explained (who can give it), and that nothing was kept."""
    return f"{missing} {_('Nothing was saved.')}"


# --- Cases --------------------------------------------------------------------------------


@requires("view_cases")
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    filters = CaseFilterForm(request.GET or None)
    chosen = filters.filters()
    page = selectors.cases_page(request.user, request.GET.get("page"), **chosen, **_seek(request))
    _with_places(page.object_list)
    member = bool(selectors.compartment_ids(request.user))
    return render(
        request,
        "cases/list.html",
        {"page": page, "filters": filters, "filtered": bool(chosen), "member": member},
    )


TASKS_DUE = ("overdue", "today")


@requires("view_cases")
@require_safe
def tasks(request: HttpRequest) -> HttpResponse:
    """Open tasks across the reader's cases, where the work queue's counts lead."""
    due = request.GET.get("due", "")
    due = due if due in TASKS_DUE else ""
    page = selectors.open_tasks_page(
        request.user, due, {"page": request.GET.get("page"), **_seek(request)}
    )
    return render(request, "cases/tasks.html", {"page": page, "due": due})


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    compartments = selectors.work_compartments_of(request.user).order_by("name")
    if not compartments.exists():
        return render(request, "cases/new.html", {"no_compartment": True})
    people = selectors.people_choices(request.user)
    post = request.POST if request.method == "POST" else None
    if post is None or PersonForm.REFRESH in post:
        # A first visit, or 'Show regions': display the form again without checking it.
        # The person's page links here with ?person=, choosing them.
        initial = _initial(post or {"person": request.GET.get("person", "")})
        form = CaseForm(initial=initial, compartments=compartments, people=people)
        person_form = _new_person_form(initial=_initial(post or {}, "person"))
        context = {
            "form": form,
            "person_form": person_form,
            "missing_key": selectors.search_key_missing(request.user),
        }
        return render(request, "cases/new.html", context)
    form = CaseForm(post, compartments=compartments, people=people)
    new_person = post.get("subject_kind") == SubjectKind.PERSON and not post.get("person")
    if new_person:
        person_form = _new_person_form(post)
    else:  # the new-person fields are not used: show them again without complaints
        person_form = _new_person_form(initial=_initial(post, "person"))
    status = 200
    if form.is_valid() and (not new_person or person_form.is_valid()):
        cleaned = form.cleaned_data
        try:
            case = services.start_case(
                cleaned["compartment"],
                subject_kind=cleaned["subject_kind"],
                actor_id=request.user.pk,
                summary=cleaned["summary"],
                person=cleaned["person"],
                new_person=person_form.person_fields() if new_person else None,
                subject_name=cleaned["subject_name"],
                country=cleaned["country"],
                region=cleaned["region"],
                sector=cleaned["sector"],
            )
        except RuleError as problem:
            # The new person's inputs come back named new_person-<field>.
            field = (problem.field or "").removeprefix("new_person-")
            if field != (problem.field or ""):
                show_on(person_form, RuleError(problem.message, field))
            else:
                show_on(form, problem)
        except NoSearchKey as missing:
            form.add_error(None, _not_saved(missing))
            status = 403
        else:
            messages.success(request, _("Case %(ref)s is open.") % {"ref": case.reference})
            return redirect("cases:detail", reference=case.reference)
    context = {
        "form": form,
        "person_form": person_form,
        "missing_key": selectors.search_key_missing(request.user),
    }
    return render(request, "cases/new.html", context, status=status)


@requires("view_cases")
@require_safe
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    case.place = places.place_label(case.country, case.region)  # type: ignore[attr-defined]
    context = {
        "file": selectors.case_file(case),
        "case": case,
        # Incidents and evidence build on cases: they add their panels (panels.py).
        "panels": panels.case_panels(request.user, case),
        "history": selectors.history_of(
            [("case", case.reference)],
            {
                "case": {
                    **CaseEditForm.base_fields,
                    "compartment": CaseForm.base_fields["compartment"],
                }
            },
        ),
    }
    return render(request, "cases/detail.html", context)


def _case_form_page(
    request: HttpRequest, case: Case, form: Any, *, title: str, button: str
) -> HttpResponse:
    return render(
        request,
        "cases/case_form.html",
        {"case": case, "form": form, "title": title, "button": button},
    )


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def note_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            services.add_note(case, form.cleaned_data["body"], actor_id=request.user.pk)
            messages.success(request, _("The note is added."))
            return redirect("cases:detail", reference=case.reference)
    return _case_form_page(request, case, form, title=_("Add a note"), button=_("Add the note"))


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def task_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    form = TaskForm(request.POST or None, members=selectors.members_of(case.compartment))
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            services.add_task(
                case,
                form.cleaned_data["title"],
                actor_id=request.user.pk,
                due_on=form.cleaned_data["due_on"],
                assigned_to=form.cleaned_data["assigned_to"],
            )
            messages.success(request, _("The task is added."))
            return redirect("cases:detail", reference=case.reference)
    return _case_form_page(request, case, form, title=_("Add a task"), button=_("Add the task"))


@requires("view_cases")
@require_POST
def task_done(request: HttpRequest, reference: str, task_id: int) -> HttpResponse:
    case = _case_or_404(request, reference)
    task = found(selectors.task_of(case, task_id))
    if task.done_at is None:
        services.complete_task(task, actor_id=request.user.pk)
    messages.success(request, _("The task is marked as done."))
    return redirect("cases:detail", reference=case.reference)


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def status_change(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    form = StatusForm(request.POST or None, current=case.status)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            services.change_status(
                case,
                form.cleaned_data["to_status"],
                form.cleaned_data["reason"],
                actor_id=request.user.pk,
            )
            messages.success(request, _("The status is changed."))
            return redirect("cases:detail", reference=case.reference)
    return _case_form_page(
        request, case, form, title=_("Change the status"), button=_("Change the status")
    )


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    about_person = case.subject_kind == SubjectKind.PERSON
    status = 200
    if request.method == "POST" and CaseEditForm.REFRESH in request.POST:
        form = CaseEditForm(initial=_initial(request.POST), about_person=about_person)
    elif request.method == "POST":
        form = CaseEditForm(request.POST, about_person=about_person)
        if form.is_valid():
            with refusal_on(form):
                services.update_case(
                    case,
                    actor_id=request.user.pk,
                    reason=form.cleaned_data["reason"],
                    **form.case_fields(),
                )
                messages.success(request, _("The case is corrected."))
                return redirect("cases:detail", reference=case.reference)
    else:
        form = CaseEditForm(
            initial={name: getattr(case, name) for name in services.CASE_FIELDS},
            about_person=about_person,
        )
    context = {"case": case, "form": form, "refresh": CaseEditForm.REFRESH}
    return render(request, "cases/case_edit.html", context, status=status)


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def case_move(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    targets = selectors.work_compartments_of(request.user).exclude(pk=case.compartment_id)
    form = CaseMoveForm(request.POST or None, compartments=targets.order_by("name"))
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            services.move_case(
                case,
                form.cleaned_data["compartment"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("Case %(ref)s is now in the compartment %(name)s.")
                % {"ref": case.reference, "name": case.compartment.name},
            )
            return redirect("cases:detail", reference=case.reference)
    context = {"case": case, "form": form, "targets": targets.exists()}
    return render(request, "cases/case_move.html", context)


# --- People -------------------------------------------------------------------------------


@requires("view_cases")
@require_safe
def people(request: HttpRequest) -> HttpResponse:
    page = selectors.people_page(request.user, request.GET.get("page"), **_seek(request))
    _with_places(page.object_list)
    member = bool(selectors.compartment_ids(request.user))
    return render(request, "cases/people.html", {"page": page, "member": member})


def _person_page(
    request: HttpRequest, person: Person, consent_form: Any, status: int = 200
) -> HttpResponse:
    person.place = places.place_label(person.country, person.region)  # type: ignore[attr-defined]
    context = {
        "person": person,
        "consents": selectors.consents_of(person),
        "cases": selectors.cases_of(person),
        "consent_form": consent_form,
        "link_form": LinkAccountForm(candidates=selectors.linkable_accounts()),
        "history": selectors.history_of(
            [("person", person.pk)], {"person": PersonEditForm.base_fields}
        ),
    }
    return render(request, "cases/person.html", context, status=status)


@requires("view_cases")
@require_safe
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    return _person_page(request, person, ConsentForm())


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    status = 200
    if request.method == "POST" and PersonForm.REFRESH in request.POST:
        form = PersonEditForm(initial=_initial(request.POST))
    elif request.method == "POST":
        form = PersonEditForm(request.POST)
        if form.is_valid():
            try:
                services.update_person(
                    person,
                    actor_id=request.user.pk,
                    reason=form.cleaned_data["reason"],
                    **form.person_fields(),
                )
            except RuleError as problem:
                show_on(form, problem)
            except NoSearchKey as missing:
                form.add_error(None, _not_saved(missing))
                status = 403
            else:
                messages.success(request, _("The person's details are saved."))
                return redirect("cases:person", person_id=person.pk)
    else:
        form = PersonEditForm(initial={name: getattr(person, name) for name in PERSON_FIELDS})
    context = {"person": person, "form": form}
    return render(request, "cases/person_form.html", context, status=status)


@requires("view_cases")
@require_POST
def consent_add(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.record_consent(
            person, form.cleaned_data["scope"], form.cleaned_data["note"], actor_id=request.user.pk
        )
        messages.success(request, _("The consent is recorded."))
        return redirect("cases:person", person_id=person.pk)
    return _person_page(request, person, form, status=400)


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, person_id: int, consent_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    consent = found(selectors.consent_of(person, consent_id))
    if request.method != "POST":
        return confirm.ask(
            request,
            question=_("Withdraw this consent?"),
            consequence=_(
                "From now on, nothing that needed this consent may be done. The record of it "
                "stays, with the time it was withdrawn, and cannot be undone."
            ),
            button=_("Withdraw the consent"),
            back=reverse("cases:person", kwargs={"person_id": person.pk}),
        )
    services.withdraw_consent(consent, actor_id=request.user.pk)
    messages.success(request, _("The consent is withdrawn from now on."))
    return redirect("cases:person", person_id=person.pk)


@requires("view_cases")
@require_POST
def account_link(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    form = LinkAccountForm(request.POST, candidates=selectors.linkable_accounts())
    if not form.is_valid():
        messages.error(request, _("Choose one of the defenders' accounts listed."))
        return redirect(reverse("cases:person", kwargs={"person_id": person.pk}) + "#account")
    account = form.cleaned_data["account"]
    with flash_refusal(request):
        services.link_account(person, account, actor=request.user)
        messages.success(
            request,
            _(
                "The account %(name)s is linked: they can now see their safety plan, check in "
                "and raise a panic alert."
            )
            % {"name": account.get_username()},
        )
    return redirect(reverse("cases:person", kwargs={"person_id": person.pk}) + "#account")


@requires("view_cases")
@require_POST
def account_unlink(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    with flash_refusal(request):
        services.unlink_account(person, actor=request.user)
        messages.success(
            request,
            _("The account is unlinked; its copy of the safety plan's key is destroyed."),
        )
    return redirect(reverse("cases:person", kwargs={"person_id": person.pk}) + "#account")


# --- Search -------------------------------------------------------------------------------


@requires("view_cases")
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results, found = None, []
    if form.is_valid():
        results = selectors.search_capped(request.user, form.cleaned_data["q"])
        # Matches in the apps built on cases (incidents), from their panels (panels.py).
        found = panels.search_panels(
            request.user, form.cleaned_data["q"], cases=results.cases, limit=selectors.SEARCH_CAP
        )
    context = {
        "form": form,
        "results": results,
        "panels": found,
        "found_elsewhere": any(shown.content for shown in found),
        "cap": selectors.SEARCH_CAP,
        "missing_key": "" if results else selectors.search_key_missing(request.user),
    }
    return render(request, "cases/search.html", context)


# --- Compartments -------------------------------------------------------------------------


@requires("coordinate")
@require_http_methods(["GET", "POST"])
def compartments(request: HttpRequest) -> HttpResponse:
    form = CompartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            compartment = services.create_compartment_by(
                form.cleaned_data["name"], form.cleaned_data["description"], creator=request.user
            )
        except RuleError as problem:
            form.add_error("name", str(problem))
        else:
            messages.success(request, _("The compartment is created. You are its first member."))
            return redirect("cases:compartment", compartment_id=compartment.pk)
    mine = set(selectors.compartment_ids(request.user))
    return render(
        request,
        "cases/compartments.html",
        {"compartments": selectors.compartments_for_coordination(), "mine": mine, "form": form},
    )


@requires("coordinate")
@require_safe
def compartment_detail(request: HttpRequest, compartment_id: int) -> HttpResponse:
    compartment = _compartment_or_404(compartment_id)
    members = selectors.members_of(compartment)
    candidates = selectors.member_candidates(compartment)
    return render(
        request,
        "cases/compartment.html",
        {
            "compartment": compartment,
            "members": members,
            "is_member": selectors.member_of(request.user, compartment.pk),
            "form": MemberForm(candidates=candidates) if candidates.exists() else None,
        },
    )


@requires("coordinate")
@require_POST
def member_add(request: HttpRequest, compartment_id: int) -> HttpResponse:
    compartment = _compartment_or_404(compartment_id)
    form = MemberForm(request.POST, candidates=selectors.member_candidates(compartment))
    if not form.is_valid():
        messages.error(
            request, _("Choose one of the caseworkers, coordinators or responders listed.")
        )
    else:
        user = form.cleaned_data["user"]
        with flash_refusal(request):
            services.admit_member(compartment, user, actor=request.user)
            joined = (
                _("%(name)s is now a member and can open the compartment's records.")
                if user.has_perm("accounts.view_cases")
                else _("%(name)s is now a member and will receive the compartment's alerts.")
            )
            messages.success(request, joined % {"name": user.get_username()})
    return redirect("cases:compartment", compartment_id=compartment.pk)


@requires("coordinate")
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, compartment_id: int, member_id: int) -> HttpResponse:
    compartment = _compartment_or_404(compartment_id)
    user = found(selectors.members_of(compartment).filter(pk=member_id).first())
    if request.method != "POST":
        name = {"name": user.get_username(), "compartment": compartment.name}
        yourself = user.pk == request.user.pk
        return confirm.ask(
            request,
            question=_("Leave %(compartment)s?") % name
            if yourself
            else _("Remove %(name)s from %(compartment)s?") % name,
            consequence=_(
                "Your copies of its keys are destroyed: you can no longer open its records, "
                "and only another member can add you back."
            )
            if yourself
            else _(
                "Their copies of its keys are destroyed: they can no longer open its records "
                "until a member adds them again."
            ),
            button=_("Leave the compartment") if yourself else _("Remove %(name)s") % name,
            back=reverse("cases:compartment", kwargs={"compartment_id": compartment.pk}),
        )
    with flash_refusal(request):
        services.dismiss_member(compartment, user, actor=request.user)
        messages.success(
            request,
            _("%(name)s is no longer a member; their copies of the keys are destroyed.")
            % {"name": user.get_username()},
        )
    return redirect("cases:compartment", compartment_id=compartment.pk)
