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


_NOT_PHONE = re.compile(r"[^\d\s()+.\-/]")


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


def is_possible_phone(value: str, *, mobile: bool = False) -> bool:
    """Whether the text can be a whole phone number (`mobile`: one that takes texts): digits
    and the usual separators, and, with its country code (or the configured default region),
    a length the country dials ("+57 300 1" is cut short); without either, 7 to 15 digits
    (E.164's longest)."""
    cleaned = value.strip()
    if not cleaned or _NOT_PHONE.search(cleaned):
        return False
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        parsed = phonenumbers.parse(cleaned, settings.VAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return 7 <= len(_DIGITS.sub("", cleaned)) <= 15 and not cleaned.startswith("+")
    if mobile:
        return phonenumbers.is_possible_number_for_type(parsed, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.is_possible_number(parsed)


def identifier(value: str) -> str:
    """Reference numbers and document ids: case and separators do not matter."""
    return re.sub(r"[\s\-_./]", "", unicodedata.normalize("NFKC", value)).upper()


NORMALISERS = {"name": name, "phone": phone, "identifier": identifier}
