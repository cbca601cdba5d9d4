"""Exchange pages: partners and their keys, sending a bundle, receiving one, and the review
of what waits in quarantine. A bundle, partner or record outside the reader's compartments
answers 404, like a missing one."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aegis.access import found, requires
from aegis.accounts import once
from aegis.cases import selectors as cases
from aegis.files.handlers import body_problem, read_form_body
from aegis.files.uploads import max_upload_bytes
from aegis.rules import RuleError, flash_refusal, refusal_on

from . import identity, review, selectors, services
from .forms import DecisionForm, ExportForm, ImportForm, PartnerForm, RotateForm, VetForm

MAX_BUNDLE = 256 * 1024 * 1024
MAX_SIGNATURE = 64 * 1024


@requires("view_cases")
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "exchange/home.html",
        {
            "identity": identity.public(),
            "partners": selectors.partners(request.user),
            "received": selectors.received_page(request.user, request.GET.get("page")),
        },
    )


@requires("view_cases")
@require_safe
def public_key(request: HttpRequest) -> HttpResponse:
    """Our minisign public key as the .pub file `minisign -V -p` reads, for partners."""
    shown = found(identity.public())
    return _attachment(shown.public_key_file.encode(), "aegis-exchange.pub", "text/plain")


@requires("view_cases")
@require_safe
def partner(request: HttpRequest, partner_id: Any) -> HttpResponse:
    chosen = found(selectors.partner_by_id(partner_id))
    return render(
        request,
        "exchange/partner.html",
        {
            "partner": chosen,
            "problem": services.usable_problem(chosen),
            "keys": selectors.keys_of(chosen),
            "exports": selectors.exports_to(chosen, request.user, request.GET.get("page")),
            "rotate_form": RotateForm(),
            "vet_form": VetForm(),
        },
    )


@requires("coordinate")
@require_http_methods(["GET", "POST"])
def partner_add(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            added = services.add_partner(
                form.cleaned_data["name"],
                age_recipient=form.cleaned_data["age_recipient"],
                minisign_key=form.cleaned_data["minisign_key"],
                actor_id=request.user.pk,
                vetted=form.cleaned_data["vetted"],
                expires_on=form.cleaned_data["expires_on"],
            )
            messages.success(request, _("The partner was added."))
            return redirect("exchange:partner", partner_id=added.pk)
    status = 400 if form.errors else 200
    return render(request, "exchange/partner_add.html", {"form": form}, status=status)


@requires("coordinate")
@require_POST
def partner_rotate(request: HttpRequest, partner_id: Any) -> HttpResponse:
    chosen = found(selectors.partner_by_id(partner_id))
    form = RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give both new keys."))
        return redirect("exchange:partner", partner_id=chosen.pk)
    with flash_refusal(request):
        services.rotate_keys(chosen, actor_id=request.user.pk, **form.cleaned_data)
        messages.success(request, _("New keys saved; the old ones still verify older bundles."))
    return redirect("exchange:partner", partner_id=chosen.pk)


@requires("coordinate")
@require_POST
def partner_vet(request: HttpRequest, partner_id: Any) -> HttpResponse:
    chosen = found(selectors.partner_by_id(partner_id))
    form = VetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid date."))
        return redirect("exchange:partner", partner_id=chosen.pk)
    with flash_refusal(request):
        services.vet_partner(
            chosen, actor_id=request.user.pk, expires_on=form.cleaned_data["expires_on"]
        )
        messages.success(request, _("The partner is vetted."))
    return redirect("exchange:partner", partner_id=chosen.pk)


def _attachment(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST or None, partners=selectors.partners())
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            sent = services.export_bundle(
                request.user,
                form.cleaned_data["partner"],
                form.references(),
                profile=form.cleaned_data["profile"],
                purpose=form.cleaned_data["purpose"],
                to_self=form.cleaned_data["to_self"],
            )
            # Both files in one download; the bundle inside is the encrypted one.
            name = f"bundle-{sent.export.pk}.age"
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr(name, sent.age_file)
                archive.writestr(f"{name}.minisig", sent.signature)
            response = _attachment(
                buffer.getvalue(), f"bundle-{sent.export.pk}.zip", "application/zip"
            )
            # A download, not a redirect: without this the same form sent again (a double
            # click) made a second bundle. Led instead to where the send is listed.
            listed = reverse("exchange:partner", args=[sent.export.partner_id])
            return once.lead_again_to(response, listed)
    status = 400 if form.errors else 200
    return render(request, "exchange/export.html", {"form": form}, status=status)


@requires("view_cases")
@csrf_exempt  # CSRF is checked in _import, once the upload handler has been swapped
@require_http_methods(["GET", "POST"])
def import_bundle(request: HttpRequest) -> HttpResponse:
    # The bundle and its signature never reach a temp file. Its own limit, not the upload
    # limit: a bundle cut at the upload limit had been refused as altered after signing.
    # A signature is a few hundred bytes: no more is kept of one.
    read_form_body(request, {"bundle": MAX_BUNDLE, "signature": MAX_SIGNATURE})
    # Multipart, so the sent-once middleware leaves it: a double click had sent one bundle
    # twice at once.
    return once.run(request, lambda: _import(request))


@csrf_protect
def _import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        compartments=cases.work_compartments_of(request.user),
        partners=selectors.partners(),
    )
    status = 200
    if request.method == "POST" and (problem := body_problem(request)):
        form.add_error(None, problem[0])  # the choices made are shown again, nothing stored
        status = problem[1]
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["bundle"]
        signature = form.cleaned_data["signature"]
        legacy = form.cleaned_data["file_format"] != "bundle"
        if upload.size > (max_upload_bytes() if legacy else MAX_BUNDLE):
            # An OpenEvSys or CSV file is parsed whole: the upload limit, not a bundle's.
            form.add_error("bundle", _("This bundle is larger than this instance accepts."))
        elif signature is not None and signature.size > MAX_SIGNATURE:
            form.add_error("signature", _("This is no minisign signature: it is too large."))
        else:
            with refusal_on(form):
                received = _received(request, form, upload, signature)
                messages.success(request, _("The bundle is in quarantine for review."))
                return redirect("exchange:received", received_id=received.pk)
    if status == 200 and form.errors:
        status = 400
    context = {"form": form, "locked": identity.public() is None}
    return render(request, "exchange/import.html", context, status=status)


def _received(request: HttpRequest, form: ImportForm, upload: Any, signature: Any) -> Any:
    compartment = form.cleaned_data["compartment"]
    file_format = form.cleaned_data["file_format"]
    if file_format != "bundle":
        if form.cleaned_data["partner"] is None:
            raise RuleError(_("Choose the partner who sent this file."), "partner")
        return services.import_legacy(
            upload.read(),
            file_format,
            partner=form.cleaned_data["partner"],
            compartment=compartment,
            actor_id=request.user.pk,
        )
    signature_text = signature.read().decode("utf-8", "replace") if signature else None
    return services.import_bundle(
        upload.read(), signature_text, compartment=compartment, actor_id=request.user.pk
    )


@requires("view_cases")
@require_safe
def received(request: HttpRequest, received_id: Any) -> HttpResponse:
    chosen = found(selectors.received_for(request.user, received_id))
    page = selectors.items_page(chosen, request.GET.get("page"))
    went_to = selectors.evidence_cases(request.user, page)
    rows = [(item, review.content(item), went_to.get(item.pk)) for item in page]
    context = {
        "received": chosen,
        "purpose": review.purpose_shown(chosen.purpose),
        "rows": rows,
        "page": page,
    }
    return render(request, "exchange/received.html", context)


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def item(request: HttpRequest, quarantined_id: Any) -> HttpResponse:
    chosen = found(selectors.item_for(request.user, quarantined_id))
    form = DecisionForm(request.POST or None, kind=chosen.kind)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                review.decide(
                    chosen,
                    form.cleaned_data["decision"],
                    actor=request.user,
                    target=form.cleaned_data["target"],
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except RuleError as refused:
                form.add_error(
                    refused.field if refused.field in form.fields else None, str(refused.message)
                )
            else:
                messages.success(request, _("The decision was recorded."))
                return redirect("exchange:received", received_id=chosen.received_id)
        status = 400
    received = review.content(chosen)
    event = review.as_dict(received.get("event"))
    context = {
        "item": chosen,
        "content": received,
        "person_rows": review.person_rows(
            review.as_dict(received.get("person")).get("biographic_details")
        ),
        "place": review.place_shown(event.get("place")),
        "acts": review.acts_shown(event.get("acts")),
        "matches": selectors.matches(request.user, chosen) if chosen.decision == "pending" else [],
        "evidence_case": selectors.evidence_cases(request.user, [chosen]).get(chosen.pk),
        "form": form,
    }
    return render(request, "exchange/item.html", context, status=status)
