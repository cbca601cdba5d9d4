"""`{{ contact.phone|tel_uri }}`: a tel: address to call a contact with one tap, or "" for a
value that is not a number (then it is shown, not linked)."""

from __future__ import annotations

import re

from django import template

register = template.Library()

_NOT_DIGIT = re.compile(r"\D")


@register.filter
def tel_uri(value: str | None) -> str:
    text = (value or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    digits = _NOT_DIGIT.sub("", text)
    if len(digits) < 3 or re.search(r"[^\d\s+().\-/]", text):
        return ""
    return "tel:" + ("+" if text.startswith("+") else "") + digits
