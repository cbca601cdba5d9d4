"""Asking before an action that cannot be undone, without JavaScript: the action's address
answers GET with the question and acts on POST, so the button on the record's page is a link
to the question (a key destroyed, a grant withdrawn at one click, with no way back)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def ask(
    request: HttpRequest, *, question: str, consequence: str, button: str, back: str
) -> HttpResponse:
    """The question page: what will happen, the button that does it, and the way back."""
    return render(
        request,
        "confirm.html",
        {"question": question, "consequence": consequence, "button": button, "back": back},
    )
