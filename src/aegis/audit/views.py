from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aegis.accounts.access import requires

from . import selectors


@requires("view_audit_log")
def log_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.entries(), 100).get_page(request.GET.get("page"))
    checked, problem = (None, None)
    if request.GET.get("verify") == "1":
        checked, problem = selectors.verify_chain()
    return render(request, "audit/log.html", {"page": page, "checked": checked, "problem": problem})
