"""Thin views: the public report form and follow-up (no account, no JavaScript, no
addresses), and the intake team's triage queue."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aegis.access import found, public, requires
from aegis.accounts import once
from aegis.cases import selectors as case_selectors
from aegis.rules import Conflict, RuleError
from aegis.vault.keychain import Keychain, NoKeyAccess, NoSearchKey, unlocked

from . import flood, pages, receipts, selectors, services, triage
from .forms import (
    HONEYPOT_FIELD,
    ConvertForm,
    MarkForm,
    ReceiptCodeForm,
    ReplyForm,
    ReporterMessageForm,
    ReportForm,
    max_files,
)
from .middleware import part_unreadable, too_large
from .models import Submission
from .rendering import Fields

FILES_AGAIN = gettext_lazy(
    "Attach your files again: for your safety they are kept only when the report is sent."
)
MESSAGE_FILES_AGAIN = gettext_lazy(
    "Attach your files again: for your safety they are kept only when the message is sent."
)
THREAD_ENDED = gettext_lazy("Your follow-up session has ended. Enter your receipt code again.")
# A form sent without the CSRF cookie it came with (aegis.views.csrf_failure): shown again.
REPORT_NOT_CHECKED = gettext_lazy(
    "Your report was NOT sent: your browser did not send back the cookie it was given with "
    "the form (a new identity in Tor Browser, cleared cookies or a restarted browser do this). "
    "What you wrote is kept below: check it and press “Send the report” again."
)
MESSAGE_NOT_CHECKED = gettext_lazy(
    "Your message was NOT sent: your browser did not send back the cookie it was given with "
    "the form (a new identity in Tor Browser, cleared cookies or a restarted browser do this). "
    "What you wrote is kept below: check it and press “Send the message” again."
)
CODE_NOT_CHECKED = gettext_lazy(
    "Your code was not checked: your browser did not send back the cookie it was given with "
    "the form (a new identity in Tor Browser, cleared cookies or a restarted browser do this). "
    "Enter your receipt code again."
)
# A file whose name is too long for its part of the body to be read (middleware).
REPORT_NAME_TOO_LONG = gettext_lazy(
    "Your report was NOT sent: the name of a file you attached is too long to be received. "
    "What you wrote is kept below. Give the file a shorter name, attach your files again and "
    "press “Send the report” again."
)
MESSAGE_NAME_TOO_LONG = gettext_lazy(
    "Your message was NOT sent: the name of a file you attached is too long to be received. "
    "What you wrote is kept below. Give the file a shorter name, attach your files again and "
    "press “Send the message” again."
)
# A message sent after the follow-up session ended: kept through the code page.
MESSAGE_KEPT_FOR_CODE = gettext_lazy(
    "Your message was NOT sent: your follow-up session has ended. What you wrote is kept "
    "below. Enter your receipt code again and press “Open my report”; then send the message."
)
MESSAGE_NOT_SENT_YET = gettext_lazy(
    "Your message is NOT sent yet: check it below and press “Send the message”."
)
TOO_MUCH = gettext_lazy(
    "What you sent is too large to be received: write less text at once (at most about "
    "20,000 characters) and attach at most a few files at a time. Nothing was stored."
)


def _unreadable(request: HttpRequest) -> bool:
    """True when the posted data is beyond Django's limits on size or number of parts; the
    page then says so instead of answering with a bare 'Bad Request'. PublicFormBodyMiddleware
    has read what it could (too_large)."""
    try:
        request.POST  # noqa: B018 (parsing is the point)
        request.FILES  # noqa: B018
    except (RequestDataTooBig, TooManyFilesSent, TooManyFieldsSent):
        return True
    return too_large(request)


def _too_much(request: HttpRequest) -> str:
    """The "too large" message: saying what was kept when the middleware kept the text."""
    if not too_large(request) or not request.POST:
        return str(TOO_MUCH)
    return _(
        "What you sent is too large to be received in one go: at most %(files)s files, and "
        "at most about 20,000 characters in each box. Nothing was stored yet. What could be "
        "kept of what you wrote is below: check it, attach your files again and send."
    ) % {"files": max_files()}


def _typed(request: HttpRequest, names: Any) -> dict[str, str]:
    """What was typed into the fields `names`, to show again; nothing when unreadable."""
    try:
        return {k: str(v) for k, v in request.POST.items() if k in names}
    except (RequestDataTooBig, TooManyFilesSent, TooManyFieldsSent):
        return {}


def _attached(request: HttpRequest) -> bool:
    """Whether files were sent (or, from the region button, their names)."""
    try:
        return bool(request.FILES) or any(request.POST.getlist("files"))
    except (RequestDataTooBig, TooManyFilesSent, TooManyFieldsSent):
        return False


def _same_or_new_form_token(token: str) -> str:
    """The posted form token where the form may still be sent with it (nothing was stored,
    so its nonce is unused), else a new one: pressing Send again then works at once."""
    try:
        flood.check_form_token(token)
    except flood.FormTokenProblem:
        return flood.new_form_token()
    return token


def _public_context(**extra: Any) -> dict[str, Any]:
    return {"organisation": settings.ORGANISATION_NAME, **extra}


def _while_accepting(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """After a wipe, until the instance is set up again, a public page answers only that the
    service is not accepting reports: nothing is read, checked or written."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            services.require_accepting()
            return view(request, *args, **kwargs)
        except services.NotAccepting as closed:
            return render(
                request,
                "intake/not_accepting.html",
                _public_context(message=closed.MESSAGE),
                status=503,
            )

    return wrapper


# --- Public report form ---------------------------------------------------------------------


def _render_report(
    request: HttpRequest,
    form: ReportForm,
    token: str,
    problems: list[Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "intake/report_form.html",
        _public_context(
            form=form,
            fields=Fields(form),
            form_token=token,
            problems=problems or [],
            # These begin "Your report was NOT sent": the box's own first line would repeat it.
            said_not_sent=any(
                p in (REPORT_NOT_CHECKED, REPORT_NAME_TOO_LONG) for p in problems or []
            ),
            honeypot=HONEYPOT_FIELD,
            language_form="report",
        ),
        status=status,
    )


FORM_TOKEN_PLACEHOLDER = "formAEGISPLACEHOLDERtoken"
CODE_PLACEHOLDER = "codeAEGISPLACEHOLDERcode"


def _empty_report_form(request: HttpRequest) -> HttpResponse:
    form = ReportForm(country=request.GET.get("country", ""))
    return pages.render_shared(
        request,
        "intake/report_form.html",
        _public_context(
            form=form,
            fields=Fields(form),
            form_token=FORM_TOKEN_PLACEHOLDER,
            problems=[],
            honeypot=HONEYPOT_FIELD,
            language_form="report",
        ),
        {FORM_TOKEN_PLACEHOLDER: flood.new_form_token()},
    )


def _receipt_page(request: HttpRequest, receipt: services.Receipt) -> HttpResponse:
    return pages.render_shared(
        request,
        "intake/receipt.html",
        _public_context(code=CODE_PLACEHOLDER, receipt_days=receipts.receipt_days()),
        {CODE_PLACEHOLDER: receipt.code},
    )


@public
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@_while_accepting
def report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _empty_report_form(request)
    if _unreadable(request):
        typed = _typed(request, ReportForm.base_fields)
        form = ReportForm(initial=typed, country=typed.get("country", ""))
        problem = _too_much(request)
        return _render_report(request, form, flood.new_form_token(), [problem], status=413)
    token = request.POST.get("form_token", "")
    if part_unreadable(request):
        return _report_again(request, REPORT_NAME_TOO_LONG, status=400)
    language = pages.language_chosen(request)
    if language is not None or "show_regions" in request.POST:
        # Without JavaScript the region list comes from the server: show the same form again,
        # with everything typed so far, and the regions of the chosen country; and the same
        # for the language chooser, which sends this form (pages.language_chosen).
        # The buttons send the form without its files, their names only (formenctype).
        initial = {
            k: v for k, v in request.POST.items() if k in ReportForm.base_fields and k != "files"
        }
        form = ReportForm(initial=initial, country=request.POST.get("country", ""))
        attached = request.FILES or any(request.POST.getlist("files"))
        shown = _render_report(request, form, token, [FILES_AGAIN] if attached else None)
        return shown if language is None else pages.keep_language(shown, language)
    form = ReportForm(request.POST, request.FILES)
    problems: list[Any] = []
    nonce = None
    if request.POST.get(HONEYPOT_FIELD):
        problems.append(flood.HONEYPOT)
    try:
        nonce = flood.check_form_token(token)
    except flood.FormTokenProblem as problem:
        problems.append(problem.args[0])
        token = flood.new_form_token()
    if form.is_valid() and not problems:
        try:
            receipt = services.submit_report(
                form.report(get_language() or ""), form.cleaned_data["files"], form_nonce=nonce
            )
        except flood.FormTokenProblem as problem:
            problems.append(problem.args[0])
            token = flood.new_form_token()
        except RuleError as rejected:
            form.add_error(None, rejected.message)
        else:
            return _receipt_page(request, receipt)
    if request.FILES:
        problems.append(FILES_AGAIN)
    return _render_report(request, form, token, problems)


def _report_again(request: HttpRequest, problem: Any, status: int) -> HttpResponse:
    """The form again with the text typed, nothing stored: `problem` says why it was not
    sent. Files cannot be kept: the reporter is asked to attach them again."""
    typed = _typed(request, [name for name in ReportForm.base_fields if name != "files"])
    form = ReportForm(initial=typed, country=typed.get("country", ""))
    problems = [problem]
    if part_unreadable(request) and problem is not REPORT_NAME_TOO_LONG:
        problems.append(REPORT_NAME_TOO_LONG)
    elif _attached(request) and problem is not REPORT_NAME_TOO_LONG:
        problems.append(FILES_AGAIN)
    token = _same_or_new_form_token(_typed(request, ["form_token"]).get("form_token", ""))
    return _render_report(request, form, token, problems, status=status)


@_while_accepting
def report_not_checked(request: HttpRequest) -> HttpResponse:
    """The report form refused by the CSRF check (aegis.views.csrf_failure): a new identity
    in Tor Browser or a closed browser drops the cookie while a report is being typed. The
    form is shown again with everything typed and a fresh CSRF token (rendering it sets the
    cookie), so pressing Send again sends it; the view itself never ran, nothing is stored."""
    return _report_again(request, REPORT_NOT_CHECKED, status=403)


# --- Public follow-up -----------------------------------------------------------------------


def _code_page(
    request: HttpRequest, error: Any = None, status: int = 200, kept: str = ""
) -> HttpResponse:
    # Always an empty code field: the page must not differ with the code typed. `kept` is a
    # message the reporter wrote and could not send yet; it goes on with the code.
    return render(
        request,
        "intake/follow_up.html",
        _public_context(code_fields=Fields(ReceiptCodeForm()), error=error, kept=kept),
        status=status,
    )


def _kept_message(request: HttpRequest) -> str:
    """A message typed and not sent yet, carried through the code page."""
    return _typed(request, ["body"]).get("body", "")


def _thread_page(
    request: HttpRequest,
    submission: Submission,
    chain: Keychain,
    form: ReporterMessageForm,
    problems: list[Any],
    status: int = 200,
) -> HttpResponse:
    with unlocked(chain):
        thread = selectors.reporter_thread(submission)
    return render(
        request,
        "intake/follow_up.html",
        _public_context(
            thread=thread,
            message_form=form,
            message_fields=Fields(form),
            problems=problems,
            language_form="message",
        ),
        status=status,
    )


def _open(request: HttpRequest) -> HttpResponse:
    kept = _kept_message(request)
    try:
        access = services.open_receipt(request.POST.get("code", ""))
    except flood.TooManyAttempts as refused:
        return _code_page(request, refused.MESSAGE, status=429, kept=kept)
    except services.ReceiptRefused as refused:
        return _code_page(request, refused.MESSAGE, kept=kept)
    request.session.cycle_key()  # a fresh session id for the reporter's thread
    response: HttpResponse
    if kept:
        # The message the reporter could not send, in the form, waiting for Send.
        try:
            submission, chain = services.reporter_keychain(access)
        except services.ReceiptRefused:
            return _code_page(request, THREAD_ENDED, kept=kept)
        form = ReporterMessageForm(initial={"body": kept})
        response = _thread_page(request, submission, chain, form, [MESSAGE_NOT_SENT_YET])
    else:
        response = redirect("intake:follow-up")
    receipts.set_cookie(response, receipts.remember(request, access))
    return response


@public
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@_while_accepting
def follow_up(request: HttpRequest) -> HttpResponse:
    too_much = request.method == "POST" and _unreadable(request)
    action = request.POST.get("action", "") if request.method == "POST" and not too_much else ""
    if action == "open":
        return _open(request)
    if action == "leave":
        response: HttpResponse = redirect("intake:follow-up")
        receipts.forget(request, response)
        messages.info(request, _("You have left your report. Enter your code to come back."))
        return response
    if not too_much and (language := pages.language_chosen(request)) is not None:
        return pages.keep_language(_message_again(request, [], status=200), language)
    status = 413 if too_much else 200
    kept = _kept_message(request) if action == "message" else ""
    access = receipts.recall(request)
    if access is None:
        if kept:
            return _code_page(request, MESSAGE_KEPT_FOR_CODE, kept=kept)
        problem = TOO_MUCH if too_much else THREAD_ENDED if action else None
        return _code_page(request, problem, status=status)
    try:
        submission, chain = services.reporter_keychain(access)
    except services.ReceiptRefused:
        response = _code_page(request, MESSAGE_KEPT_FOR_CODE if kept else THREAD_ENDED, kept=kept)
        receipts.forget(request, response)
        return response
    form = ReporterMessageForm(initial=_typed(request, ["body"]) if too_much else None)
    if action == "message" and part_unreadable(request):
        form = ReporterMessageForm(initial={"body": kept})
        return _thread_page(request, submission, chain, form, [MESSAGE_NAME_TOO_LONG], status=400)
    if action == "message":
        # Sent twice over a slow link (a second tap, a reload), it reaches the team once.
        return once.run(request, lambda: _message(request, access, submission, chain, kept))
    problems: list[Any] = [_too_much(request)] if too_much else []
    return _thread_page(request, submission, chain, form, problems, status=status)


def _message(
    request: HttpRequest, access: Any, submission: Submission, chain: Keychain, kept: str
) -> HttpResponse:
    form = ReporterMessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_reporter_message(
                access, form.cleaned_data["body"], form.cleaned_data["files"]
            )
        except RuleError as rejected:
            form.add_error(None, rejected.message)
        except services.ReceiptRefused:
            return _code_page(request, MESSAGE_KEPT_FOR_CODE if kept else THREAD_ENDED, kept=kept)
        else:
            messages.success(request, _("Your message was sent to the protection team."))
            return redirect("intake:follow-up")
    problems = [MESSAGE_FILES_AGAIN] if request.FILES and form.errors else []
    return _thread_page(request, submission, chain, form, problems)


def follow_up_not_checked(request: HttpRequest) -> HttpResponse | None:
    """The follow-up forms refused by the CSRF check (aegis.views.csrf_failure): a message is
    shown again in its form, or, where the follow-up session went with the cookie, carried
    through the code page; a code is asked for again. A fresh CSRF token comes with the page.
    None for another action (leaving): the general refusal page answers."""
    if _typed(request, ["action"]).get("action", "") not in ("open", "message"):
        return None
    return _follow_up_again(request)


@_while_accepting
def _follow_up_again(request: HttpRequest) -> HttpResponse:
    if _typed(request, ["action"]).get("action", "") == "open":
        return _code_page(request, CODE_NOT_CHECKED, status=403)
    return _message_again(request, [MESSAGE_NOT_CHECKED], status=403)


def _message_again(request: HttpRequest, problems: list[Any], status: int) -> HttpResponse:
    """The reporter's thread again with the message typed and not sent, `problems` saying
    why; through the code page where the follow-up session is gone. Files cannot be kept."""
    kept = _kept_message(request)
    refused = MESSAGE_KEPT_FOR_CODE if kept else None
    access = receipts.recall(request)
    if access is None:
        return _code_page(request, refused, status=status, kept=kept)
    try:
        submission, chain = services.reporter_keychain(access)
    except services.ReceiptRefused:
        response = _code_page(request, refused, status=status, kept=kept)
        receipts.forget(request, response)
        return response
    if part_unreadable(request):
        problems = [*problems, MESSAGE_NAME_TOO_LONG]
    elif _attached(request):
        problems = [*problems, MESSAGE_FILES_AGAIN]
    form = ReporterMessageForm(initial={"body": kept})
    return _thread_page(request, submission, chain, form, problems, status=status)


# --- Triage (intake team) -------------------------------------------------------------------


def _submission_or_404(request: HttpRequest, submission_id: uuid.UUID) -> Submission:
    return found(
        selectors.submission_for(request.user, submission_id), _("There is no such report.")
    )


@requires("view_cases")
@never_cache
@require_safe
def triage_queue(request: HttpRequest) -> HttpResponse:
    member = selectors.on_intake_team(request.user)
    awaiting = request.GET.get("awaiting") == "1"
    page = selectors.triage_page(request.user, request.GET.get("page"), awaiting=awaiting)
    return render(
        request,
        "intake/triage.html",
        {
            "member": member or page.paginator.count > 0,
            "awaiting": awaiting,
            "page": page,
            "notices": selectors.recent_flood_notices() if member else [],
        },
    )


def _detail(
    request: HttpRequest,
    submission: Submission,
    *,
    reply_form: ReplyForm | None = None,
    mark_form: MarkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        view = selectors.submission_view(submission)
    except NoKeyAccess as exc:
        raise Http404(_("There is no such report.")) from exc
    candidates = selectors.duplicate_candidates(request.user, submission)
    return render(
        request,
        "intake/submission.html",
        {
            "view": view,
            "s": submission,
            "reply_form": reply_form or ReplyForm(),
            "mark_form": mark_form or MarkForm(candidates=candidates),
        },
        status=status,
    )


@requires("view_cases")
@never_cache
@require_safe
def submission_detail(request: HttpRequest, submission_id: uuid.UUID) -> HttpResponse:
    submission = _submission_or_404(request, submission_id)
    with contextlib.suppress(NoKeyAccess):  # the page then says the key is missing
        triage.seal_links(submission)  # a report converted before its links were sealed
    return _detail(request, submission)


@requires("view_cases")
@require_POST
def reply(request: HttpRequest, submission_id: uuid.UUID) -> HttpResponse:
    submission = _submission_or_404(request, submission_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            triage.reply(submission, form.cleaned_data["body"], actor_id=request.user.pk)
        except RuleError as error:
            form.add_error("body", str(error))
        except NoKeyAccess as exc:
            raise Http404(_("There is no such report.")) from exc
        else:
            messages.success(request, _("Your reply is stored for the reporter."))
            return redirect("intake:submission", submission_id=submission.pk)
    return _detail(request, submission, reply_form=form)


@requires("view_cases")
@require_POST
def mark(request: HttpRequest, submission_id: uuid.UUID) -> HttpResponse:
    submission = _submission_or_404(request, submission_id)
    candidates = selectors.duplicate_candidates(request.user, submission)
    form = MarkForm(request.POST, candidates=candidates)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if form.cleaned_data["decision"] == MarkForm.SPAM:
                triage.mark_spam(submission, reason, actor_id=request.user.pk)
            else:
                original = selectors.submission_for(
                    request.user, uuid.UUID(form.cleaned_data["duplicate_of"])
                )
                if original is None:
                    raise RuleError(_("Choose the report this one duplicates."))
                triage.mark_duplicate(submission, original, reason, actor_id=request.user.pk)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The report is marked."))
            return redirect("intake:triage")
    return _detail(request, submission, mark_form=form)


@requires("view_cases")
@never_cache
@require_http_methods(["GET", "POST"])
def convert(request: HttpRequest, submission_id: uuid.UUID) -> HttpResponse:
    submission = _submission_or_404(request, submission_id)
    compartments = case_selectors.work_compartments_of(request.user).order_by("name")
    form = ConvertForm(request.POST or None, compartments=compartments)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case_request = (
            triage.CaseRequest(
                subject_kind=data["subject_kind"],
                pseudonym=data["pseudonym"],
                subject_name=data["subject_name"],
                sector=data["sector"],
            )
            if data["make_case"]
            else None
        )
        incident_request = (
            triage.IncidentRequest(data["incident_title"], data["incident_date"])
            if data["make_incident"]
            else None
        )
        try:
            done = triage.convert(
                submission,
                data["compartment"],
                actor_id=request.user.pk,
                case=case_request,
                incident=incident_request,
            )
        except RuleError as error:
            form.add_error(None, str(error))
        except NoSearchKey as missing:  # the report is readable; the contact cannot be indexed
            form.add_error(None, f"{missing} {_('Nothing was saved.')}")
            status = 403
        except NoKeyAccess as exc:
            raise Http404(_("There is no such report.")) from exc
        else:
            if done.case is not None:
                messages.success(request, _("Case %(ref)s is open.") % {"ref": done.case.reference})
            if done.incident is not None:
                messages.success(
                    request, _("Incident %(ref)s is recorded.") % {"ref": done.incident.reference}
                )
            return redirect("intake:submission", submission_id=submission.pk)
    return render(
        request,
        "intake/convert.html",
        {"s": submission, "form": form, "has_files": submission.files.exists()},
        status=status,
    )


@requires("view_cases")
@never_cache
@require_safe
def download(
    request: HttpRequest, submission_id: uuid.UUID, submission_file_id: int
) -> HttpResponse:
    submission = _submission_or_404(request, submission_id)
    item = found(selectors.file_for(submission, submission_file_id), _("There is no such file."))
    try:
        name, data = triage.read_file(item, actor_id=request.user.pk)
    except NoKeyAccess as exc:
        raise Http404(_("There is no such file.")) from exc
    response = HttpResponse(data, content_type=item.content_type)
    response["Content-Disposition"] = _attachment(name)
    return response


@requires("view_cases")
@require_POST
def add_file_to_evidence(
    request: HttpRequest, submission_id: uuid.UUID, submission_file_id: int
) -> HttpResponse:
    """A file of the report into the evidence of the case the report became (one the
    reporter sent after the take-up)."""
    submission = _submission_or_404(request, submission_id)
    item = found(selectors.file_for(submission, submission_file_id), _("There is no such file."))
    try:
        case = selectors.case_of(request.user, submission)
        if case is None and selectors.taken_up_as_case(submission):
            messages.error(
                request,
                _(
                    "Only members of the compartment of case %(ref)s may add to its evidence: "
                    "ask one of them. Nothing was added."
                )
                % {"ref": submission.case_reference},
            )
            return _detail(request, submission, status=403)
        triage.carry_file(submission, item, case, actor_id=request.user.pk)
    except NoKeyAccess as exc:
        raise Http404(_("There is no such file.")) from exc
    except Conflict as already:
        messages.info(request, str(already))
        return _detail(request, submission, status=409)
    except RuleError as error:
        messages.error(request, f"{error} {_('Nothing was added.')}")
        return _detail(request, submission, status=400)
    # Not the file's name: a message waits for the next page in a cookie, signed, not sealed.
    messages.success(
        request, _("The file is now in the evidence of case %(ref)s.") % {"ref": case.reference}
    )
    return redirect(
        reverse("intake:submission", kwargs={"submission_id": submission.pk}) + f"#file-{item.pk}"
    )


def _attachment(name: str) -> str:
    return content_disposition_header(True, name) or "attachment"
