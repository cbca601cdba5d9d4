"""Evidence pages. Every case-scoped view answers 404 for a case or item outside the user's
compartments, exactly as for a missing one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aegis.access import found, requires
from aegis.accounts import once
from aegis.files.handlers import body_problem, read_form_body
from aegis.rules import RuleError
from aegis.visits import headers_only

from . import selectors, services
from .forms import OptionalReasonForm, ReasonForm, UploadForm
from .models import EvidenceItem


def _case(request: HttpRequest, reference: str) -> Any:
    return found(selectors.case_for(request.user, reference))


def _item(request: HttpRequest, item_id: Any) -> EvidenceItem:
    return found(selectors.item_for(request.user, item_id))


def _list_context(request: HttpRequest, case: Any, exhibit_form: ReasonForm | None = None) -> dict:
    return {
        "case": case,
        "page": selectors.items_page(case, request.GET.get("page")),
        "has_originals": selectors.has_originals(case),
        "exhibit_form": exhibit_form or ReasonForm(prefix="exhibit"),
        "signing_key_id": selectors.signing_key_id(),
    }


@requires("view_cases")
@require_safe
def item_list(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    return render(request, "evidence/list.html", _list_context(request, case))


@requires("view_cases")
@csrf_exempt  # CSRF is checked in _upload, once the upload handler has been swapped
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, reference: str) -> HttpResponse:
    read_form_body(request)
    return once.run(request, lambda: _upload(request, reference))


@csrf_protect
def _upload(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    sent = request.method == "POST"  # an empty form sent is still sent: its errors shown
    form = UploadForm(request.POST if sent else None, request.FILES if sent else None)
    status = 200
    if request.method == "POST" and (problem := body_problem(request)):
        form.add_error(None, problem[0])  # the text typed is shown again, nothing stored
        status = problem[1]
    elif request.method == "POST":
        if form.is_valid():
            received = form.cleaned_data["file"]
            try:
                item = services.upload_evidence(
                    case,
                    received,
                    received.name,
                    received.content_type or "",
                    actor_id=request.user.pk,
                    reason=form.cleaned_data["reason"],
                    description=form.cleaned_data["description"],
                )
            except RuleError as exc:  # the upload checks too
                form.add_error("file", str(exc))
            else:
                messages.success(
                    request, _("The file was added as an original (evidentiary copy).")
                )
                return redirect("evidence:detail", item_id=item.pk)
        status = 400
    context = {"case": case, "form": form, "max_mb": settings.AEGIS_MAX_UPLOAD_MB}
    return render(request, "evidence/upload.html", context, status=status)


def _detail(request: HttpRequest, item: EvidenceItem, status: int = 200, **forms: Any) -> Any:
    context = {
        "item": item,
        "case": item.case,
        "custody": selectors.custody_of(item),
        "custody_broken": selectors.custody_problem([item]) is not None,
        "working_copies": selectors.working_copies_of(item),
        "download_form": forms.get("download_form") or ReasonForm(prefix="download"),
        "copy_form": forms.get("copy_form") or OptionalReasonForm(prefix="copy"),
        "error": forms.get("error"),
    }
    return render(request, "evidence/detail.html", context, status=status)


def _with_reason(
    request: HttpRequest, item: EvidenceItem, form: Any, form_name: str, act: Callable[[str], Any]
) -> tuple[Any, HttpResponse | None]:
    """`act(reason)` with the reason the form was sent with: (its result, None), or (None, the
    item's page again): 400 for the reason, 409 when the file fails its integrity check."""
    if form.is_valid():
        try:
            return act(form.cleaned_data["reason"]), None
        except RuleError as exc:
            form.add_error("reason", str(exc))
        except services.IntegrityFailure as exc:
            return None, _detail(request, item, 409, error=str(exc))
    return None, _detail(request, item, 400, **{form_name: form})


@requires("view_cases")
@require_safe
def detail(request: HttpRequest, item_id: Any) -> HttpResponse:
    item = _item(request, item_id)
    if not headers_only(request):  # nothing of the item was seen
        services.record_view(item, actor_id=request.user.pk)
    return _detail(request, item)


@requires("view_cases")
@require_POST
def download(request: HttpRequest, item_id: Any) -> HttpResponse:
    item = _item(request, item_id)
    form = ReasonForm(request.POST, prefix="download")
    found, refused = _with_reason(
        request,
        item,
        form,
        "download_form",
        lambda reason: services.download(item, actor_id=request.user.pk, reason=reason),
    )
    if refused is not None:
        return refused
    response = HttpResponse(found.data, content_type=found.content_type)
    return as_attachment(response, found.name)


def as_attachment(response: HttpResponse, name: str) -> HttpResponse:
    """Always a download, never rendered by the browser: evidence may be hostile content."""
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@requires("view_cases")
@require_POST
def working_copy(request: HttpRequest, item_id: Any) -> HttpResponse:
    item = _item(request, item_id)
    form = OptionalReasonForm(request.POST, prefix="copy")
    copy, refused = _with_reason(
        request,
        item,
        form,
        "copy_form",
        lambda reason: services.make_working_copy(item, actor_id=request.user.pk, reason=reason),
    )
    if refused is not None:
        return refused
    messages.success(request, _("Working copy made; the original is unchanged."))
    return redirect("evidence:detail", item_id=copy.pk)


@requires("view_cases")
@require_POST
def verify(request: HttpRequest, item_id: Any) -> HttpResponse:
    item = _item(request, item_id)
    try:
        services.verify_integrity(item, actor_id=request.user.pk)
    except services.IntegrityFailure as exc:
        return _detail(request, item, 409, error=str(exc))
    messages.success(
        request, _("Integrity verified: the file matches the SHA-256 recorded at upload.")
    )
    return redirect("evidence:detail", item_id=item.pk)


@requires("view_cases")
@require_POST
def exhibit(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    form = ReasonForm(request.POST, prefix="exhibit")
    error = ""
    if form.is_valid():
        try:
            package = services.export_exhibit(
                case, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except RuleError as exc:
            form.add_error("reason", str(exc))
        except services.IntegrityFailure as exc:
            error = str(exc)
        else:
            response = FileResponse(package.data, as_attachment=True, filename=package.filename)
            response["Content-Type"] = "application/zip"
            response["X-Content-Type-Options"] = "nosniff"
            response["Cache-Control"] = "no-store"
            return response  # type: ignore[return-value]  # streamed, not an HttpResponse
    context = _list_context(request, case, exhibit_form=form)
    context["error"] = error
    return render(request, "evidence/list.html", context, status=409 if error else 400)
