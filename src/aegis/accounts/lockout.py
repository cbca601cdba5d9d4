"""django-axes hooks: lock by username only and never record client addresses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .forms import SignInForm


def no_client_ip(request: HttpRequest) -> None:
    return None


def locked_out_response(
    request: HttpRequest, response: Any = None, credentials: Any = None
) -> HttpResponse:
    form = SignInForm()
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": SignInForm.LOCKED_MESSAGE},
        status=429,
    )
