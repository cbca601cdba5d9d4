"""Alert pages. The panic page and the acknowledgement page work without JavaScript; the
acknowledgement link needs no login and asks for a click, so link scanners acknowledge
nothing, and ends with its alert: once the alert is resolved, or after its ladder plus a
margin (selectors.ack_link_expires_at), it says so instead. Alerts outside a responder's
reach answer 404, like missing ones; so does the drill report of an alert that is no drill."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aegis import clock
from aegis.access import before_password_change, found, public, requires
from aegis.notices import notices_for
from aegis.rules import RuleError
from aegis.vault.keychain import NoKeyAccess, VaultLocked

from . import checkins, panic_tokens, selectors, services
from . import delivery as channels
from .forms import ManualAlertForm, NoteForm, ResolveForm
from .models import Alert
from .vocabulary import AlertKind, AlertStatus

CONSOLE_PAGE = 100
PANIC_RECEIVED = "panic_received"  # the session's one-time flag: show the neutral page
ALERT_NOT_SENT = gettext_lazy("Your alert was NOT sent: sign in and press the button again.")


def _alert_or_404(request: HttpRequest, alert_id: int) -> Alert:
    return found(selectors.alert_for(request.user, alert_id))


def panic_signed_out(request: HttpRequest) -> HttpResponse:
    """The panic form sent when its session has ended (30 idle minutes with the page open):
    its token (panic_tokens) raises the alert as the signed-in press does, and the browser
    sees only the same neutral page. Without a token that holds, the sign-in page says
    plainly that no alert was sent, and leads back to this page: one answer whatever the
    reason (a bad or copied token, a signed-out browser, or an account deactivated or no
    longer a defender's), so the answer tells nothing more of the account than that."""
    if request.method != "POST":
        return redirect_to_login(request.get_full_path())
    user = panic_tokens.user_of(request)
    person = selectors.own_person(user) if user is not None else None
    if user is None or person is None:
        messages.error(request, ALERT_NOT_SENT)
        response: HttpResponse = redirect_to_login(reverse("alerts:panic"))
    else:
        services.raise_panic(person, actor_id=user.pk)
        # The page a signed-in press ends on, and nothing more: not the note that the
        # session ended, which reads as if the alert had gone nowhere.
        list(messages.get_messages(request))  # read, so not kept for the next page either
        response = render(request, "alerts/panic_sent.html", {"messages": ()})
    add_never_cache_headers(response)
    return response


@before_password_change
@requires("view_own_case", signed_out=panic_signed_out)
@require_http_methods(["GET", "POST"])
def panic(request: HttpRequest) -> HttpResponse:
    person = selectors.own_person(request.user)
    if request.method == "POST":
        if person is None:
            raise Http404
        # Never an error page for a defender in danger: what cannot be raised here is raised
        # by the worker. Redirected, so reloading the page sends nothing twice.
        services.raise_panic(person, actor_id=request.user.pk)
        # Back to the page's own address, with nothing in it that says a press was made:
        # the browser's history of a seized phone shows only that the page was opened.
        request.session[PANIC_RECEIVED] = clock.now().timestamp()
        return redirect("alerts:panic")
    # Shown only as the redirect's answer: a press whose redirect never came (the tab closed
    # at once) must not leave the button hidden behind "received" the next time.
    pressed_at = request.session.pop(PANIC_RECEIVED, None)
    fresh = isinstance(pressed_at, int | float) and clock.now().timestamp() - pressed_at < 60
    if fresh and person is not None:
        return render(request, "alerts/panic_sent.html")
    # The page also tells the defender the ways to raise an alert that need no sign-in. Like
    # every page to a signed-in reader it is sent "no-store" (PrivateAnswersMiddleware), so
    # the token is not kept in the browser's cache.
    response = HttpResponse()
    context = {
        "person": person,
        "token": panic_tokens.token_for(request, response) if person is not None else "",
        "keyword": checkins.panic_keyword(),
        "sms": checkins.sms_alerts_enabled(),
    }
    response.content = render_to_string("alerts/panic.html", context, request)
    return response


@requires("view_cases")
@require_POST
def manual(request: HttpRequest, person_id: int) -> HttpResponse:
    person = found(selectors.person_for_staff(request.user, person_id))
    form = ManualAlertForm(request.POST)
    is_drill = form.is_valid() and form.cleaned_data["is_drill"]
    if not (form.is_valid() and form.cleaned_data["confirmed"]):
        return render(
            request, "alerts/manual_confirm.html", {"person": person, "is_drill": is_drill}
        )
    try:
        alert = services.raise_alert(
            person, AlertKind.MANUAL, actor_id=request.user.pk, is_drill=is_drill
        )
    except RuleError as error:
        messages.error(request, str(error))
        return redirect("cases:person", person_id=person.pk)
    messages.success(
        request,
        _("A drill alert was raised. Every message is marked as a drill.")
        if is_drill
        else _("The alert was raised. Responders and emergency contacts are being notified."),
    )
    return redirect("alerts:detail", alert_id=alert.pk)


@requires("respond_to_alerts")
@require_safe
def console(request: HttpRequest) -> HttpResponse:
    # The table of all open alerts is paged by cursor (selectors.console_page), and what
    # needs a human is looked for among the newest selectors.ATTENTION_SCAN.
    scan = selectors.ATTENTION_SCAN
    params = {key: request.GET.get(key, "") for key in ("page", "after", "before")}
    # A link's cursor may be mangled, or its page gone (every older alert resolved
    # meanwhile): the newest alerts are shown instead, and the page says why.
    page = selectors.console_page(request.user, params, size=CONSOLE_PAGE)
    unresolved = selectors.unresolved(request.user).select_related("person")
    newest = selectors.console_rows(list(unresolved[:scan]))
    attention = [row for row in newest if row.needs_human]
    # The first pages are among the newest: their rows are read once, not twice.
    read = {row.alert.pk: row for row in newest}
    shown = list(page.object_list)
    if all(alert.pk in read for alert in shown):
        rows = [read[alert.pk] for alert in shown]
    else:
        rows = selectors.console_rows(shown)
    stalled = selectors.stalled_messages(request.user)
    return render(
        request,
        "alerts/console.html",
        {
            "rows": rows,
            "page": page,
            "restarted": page.restarted,
            "attention": attention,
            "stalled": stalled,
            "scanned": scan if page.more or page.count > scan else None,
        },
    )


@requires("respond_to_alerts")
@require_safe
def history(request: HttpRequest) -> HttpResponse:
    params = {key: request.GET.get(key, "") for key in ("page", "after", "before")}
    page = selectors.history(request.user, params)
    return render(request, "alerts/history.html", {"page": page})


@requires("respond_to_alerts")
@require_safe
def drill_report(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert_or_404(request, alert_id)
    if not alert.is_drill:
        raise Http404
    report = selectors.drill_report(alert)
    return render(request, "alerts/drill_report.html", {"alert": alert, "report": report})


@requires("respond_to_alerts", "view_cases")
@require_safe
def detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Responders and coordinators act here; the case team (who may have raised the alert)
    sees its state and who acknowledged."""
    alert = _alert_or_404(request, alert_id)
    return _detail(request, alert)


def _detail(
    request: HttpRequest,
    alert: Alert,
    form: ResolveForm | None = None,
    note_form: NoteForm | None = None,
    status: int = 200,
) -> Any:
    outcome = selectors.outcome_of(alert)
    deliveries = list(selectors.deliveries_of(alert))
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "deliveries": deliveries,
            "unreached": selectors.unreached(deliveries),
            "repeats": selectors.repeats(deliveries),
            "acknowledgements": selectors.acknowledgements_of(alert),
            "acknowledged_by_me": selectors.acknowledged_by(alert, request.user),
            "notes": selectors.notes_of(alert),
            "notices": notices_for(alert, request.user),  # a news alert's article
            "form": form or ResolveForm(),
            "note_form": note_form or NoteForm(),
            "outcome": outcome or "",
            "readable": outcome is not None,
        },
        status=status,
    )


def _written(form: Any, field: str | None, write: Callable[[], object]) -> bool:
    """`write()` for a responder's form: True, or False with the refusal on the form (a broken
    rule on `field`, or no key that opens the alert's record)."""
    try:
        write()
    except RuleError as error:
        form.add_error(error.field if error.field in form.fields else field, str(error))
    except (NoKeyAccess, VaultLocked):
        form.add_error(None, _("You hold no key that opens this alert's record."))
    else:
        return True
    return False


@requires("respond_to_alerts")
@require_POST
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert_or_404(request, alert_id)
    try:
        services.acknowledge_as(alert, request.user)
    except RuleError as error:  # resolved meanwhile, by another responder
        messages.error(request, str(error))
    else:
        messages.success(request, _("You acknowledged the alert."))
    return redirect("alerts:detail", alert_id=alert.pk)


@requires("respond_to_alerts")
@require_POST
def note_add(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert_or_404(request, alert_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        text = form.cleaned_data["text"]
        if _written(form, "text", lambda: services.add_note(alert, text, actor=request.user)):
            messages.success(request, _("The note is saved."))
            return redirect("alerts:detail", alert_id=alert.pk)
    return _detail(request, alert, note_form=form, status=400)


@requires("respond_to_alerts")
@require_POST
def resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert_or_404(request, alert_id)
    form = ResolveForm(request.POST)
    if form.is_valid():
        outcome = form.cleaned_data["outcome"]
        if _written(form, None, lambda: services.resolve(alert, outcome, actor=request.user)):
            messages.success(request, _("The alert is resolved."))
            return redirect("alerts:console")
    alert.refresh_from_db()
    if alert.status == AlertStatus.RESOLVED:
        # Resolved first (by another responder, or this form sent twice): its page shows
        # that outcome, and what this responder wrote waits in the note form, which a
        # redirect had thrown away.
        messages.error(
            request,
            _(
                "This alert is already resolved; the outcome you wrote is not saved. It is in "
                "the note form below: add it as a note if it says more."
            ),
        )
        written = NoteForm(initial={"text": request.POST.get("outcome", "")})
        return _detail(request, alert, note_form=written, status=409)
    return _detail(request, alert, form=form, status=400)


@public
@csrf_exempt  # the token is the capability; Django's CSRF refusal wrote it to the log, and
# a recipient whose browser keeps no cookies could not acknowledge at all
@require_http_methods(["GET", "POST"])
def ack(request: HttpRequest, token: str) -> HttpResponse:
    delivery_id = channels.delivery_id_of(token)
    item = selectors.delivery_by_id(delivery_id) if delivery_id is not None else None
    if item is None:
        return render(request, "alerts/ack_invalid.html", status=404)
    # The page speaks the language the message was written in, where it had one of its own.
    with translation.override(item.language) if item.language else contextlib.nullcontext():
        if ended := selectors.ack_link_ended_for(item):
            context = {
                "is_drill": item.alert.is_drill,
                "closed": ended == "closed",
                "account": ended == "account",
            }
            return render(request, "alerts/ack_ended.html", context, status=410)
        if request.method == "POST":
            services.acknowledge(item.pk)
            return render(request, "alerts/ack_done.html", {"is_drill": item.alert.is_drill})
        if item.acked_at is not None:
            # Opened again: it says when, rather than a button that reads as still to press.
            done = {"is_drill": item.alert.is_drill, "acked_at": item.acked_at}
            return render(request, "alerts/ack_done.html", done)
        return render(request, "alerts/ack.html", {"is_drill": item.alert.is_drill})
