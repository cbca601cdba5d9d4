"""Normalisation before blind indexing, so that 'José  PÉREZ' finds 'jose perez'."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.conf import settings

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w\s]")
_DIGITS = re.compile(r"\D")


def name(value: str) -> str:
    """Case, accents, punctuation and spacing do not matter."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _NOT_WORD.sub(" ", stripped.casefold())
    return _SPACES.sub(" ", stripped).strip()


def phone(value: str) -> str:
    """E.164 when the number can be parsed (with the configured default region), else digits."""
    cleaned = value.strip()
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        parsed = phonenumbers.parse(cleaned, settings.VAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    digits = _DIGITS.sub("", cleaned)
    return ("+" + digits) if cleaned.startswith("+") else digits


def identifier(value: str) -> str:
    """Reference numbers and document ids: case and separators do not matter."""
    return re.sub(r"[\s\-_./]", "", unicodedata.normalize("NFKC", value)).upper()


NORMALISERS = {"name": name, "phone": phone, "identifier": identifier}
