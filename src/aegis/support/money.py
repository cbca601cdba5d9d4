"""Amounts, currencies and the programme's limits.

Amounts are Decimal, never float. Currencies are ISO 4217 codes (pycountry). The limits are
settings (README, "Support network"), read when a rule is applied, each with a default:

- SUPPORT_BASE_CURRENCY: the currency caps are counted in (EUR);
- SUPPORT_GRANT_CAP: the most one grant may be, in the base currency (10,000);
- SUPPORT_SECOND_APPROVER_ABOVE: above this a grant needs two approvers (5,000);
- SUPPORT_PERSON_CAP, SUPPORT_CAP_PERIOD_DAYS: the most the grants for one person or group
  (one case) may add up to within the period (15,000 in 365 days);
- SUPPORT_REPORT_DAYS: days after the first tranche that the reports are due (60)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import pycountry
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aegis import places
from aegis.rules import RuleError

CENTS = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
RATE_PLACES = Decimal("0.00000001")
MAX_RATE = Decimal("9999999999")


def _setting(name: str, default: str) -> Decimal:
    return Decimal(str(getattr(settings, name, default)))


def base_currency() -> str:
    return str(getattr(settings, "SUPPORT_BASE_CURRENCY", "EUR"))


def grant_cap() -> Decimal:
    return _setting("SUPPORT_GRANT_CAP", "10000")


def second_approver_above() -> Decimal:
    return _setting("SUPPORT_SECOND_APPROVER_ABOVE", "5000")


def person_cap() -> Decimal:
    return _setting("SUPPORT_PERSON_CAP", "15000")


def cap_period_days() -> int:
    return int(getattr(settings, "SUPPORT_CAP_PERIOD_DAYS", 365))


def report_days() -> int:
    return int(getattr(settings, "SUPPORT_REPORT_DAYS", 60))


# A comma is taken only as a thousands separator, in groups of three before any decimals
# ("12,500.75"), and only in English: "1,50" had been read as 150.00, and a decimal comma
# (as Spanish and French write it) is refused in words rather than guessed at. In those
# languages "2,500" is two and a half, so there a comma is refused whatever follows it.
THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]*)?")
# More than two decimals written ("12.500", twelve thousand five hundred with a dot between
# thousands) is refused even where they are zeros: read as 12.50 it is the same error.
DECIMALS = re.compile(r"\.([0-9]*)$")
# What Decimal would read beyond plain ASCII digits is refused: "1e3" (an exponent: a slip
# or a trick, it had been taken as 1000) and full-width or other scripts' digits (full-width "123"),
# which no ledger or bank statement writes.
PLAIN = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


def amount(value: Any, field: str = "amount", *, row: int | None = None) -> Decimal:
    """A positive amount with at most two decimals, else a RuleError."""
    text = str(value).strip() if value is not None else ""
    english = (get_language() or "en").split("-")[0] == "en"
    if "," in text and not (english and THOUSANDS.fullmatch(text)):
        raise RuleError(
            _("Write the decimals after a dot, with no other separator, for example 1250.50."),
            field,
            row,
        )
    if text.count(".") == 1 and (written := DECIMALS.search(text)) and len(written.group(1)) > 2:
        raise RuleError(_("The amount may have at most two decimals."), field, row)
    plain = text.replace(",", "")
    try:
        found = Decimal(plain) if value is not None and PLAIN.fullmatch(plain) else None
    except (InvalidOperation, ValueError):
        found = None
    if found is None or not found.is_finite():
        raise RuleError(_("Enter the amount as a number, for example 1250.50."), field, row)
    if found <= 0:
        raise RuleError(_("The amount must be more than zero."), field, row)
    # The bound first: quantizing a number too large for the context's precision (1e26) is
    # an InvalidOperation, not a refusal.
    if found > MAX_AMOUNT:
        raise RuleError(_("The amount is too large."), field, row)
    if found != found.quantize(CENTS):
        raise RuleError(_("The amount may have at most two decimals."), field, row)
    return found.quantize(CENTS)


def rate(value: Any, field: str = "rate") -> Decimal:
    """A positive exchange rate (up to eight decimals), else a RuleError."""
    text = str(value).strip() if value is not None else ""
    try:
        found = Decimal(text) if PLAIN.fullmatch(text) else None
    except (InvalidOperation, ValueError):
        found = None
    if found is None or not found.is_finite() or found <= 0:
        raise RuleError(_("Enter the exchange rate as a number above zero."), field)
    if found > MAX_RATE:
        raise RuleError(_("The exchange rate is too large."), field)
    if found != found.quantize(RATE_PLACES):
        raise RuleError(_("The exchange rate may have at most eight decimals."), field)
    return found


# ISO 4217's X codes that are no money anyone is paid in: precious metals (XAU gold, XAG,
# XPT, XPD), units of account (XDR, XBA-XBD, XSU, XUA, XAD), the test code XTS and XXX ("no
# currency"). A grant in them has no meaning; the X codes of real currencies (XOF, XAF,
# XCD, XCG, XPF) stay. So do ISO 4217's fund codes, units for accounts and contracts beside a
# country's own currency (the US dollar "next day", Chile's Unidad de Fomento, Bolivia's
# Mvdol, the Swiss WIR units, Mexico's, Colombia's and Uruguay's indexed units): nobody is
# handed cash in them.
FUNDS = frozenset({"BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW"})
NOT_MONEY = FUNDS | frozenset(
    c.alpha_3
    for c in pycountry.currencies
    if c.alpha_3.startswith("X") and c.alpha_3 not in {"XAF", "XCD", "XCG", "XOF", "XPF"}
)
# The codes `currency` takes, as the API's schema lists them.
CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies) - NOT_MONEY


# ISO 4217's exponents where they are not two (its list, not CLDR's: Babel gives IQD 0 and
# ISK 0 as cash is counted). Amounts are stored with two decimals, so a currency with three is
# entered with at most two.
ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
EXPONENTS = {
    **dict.fromkeys(ZERO_DECIMALS.split(" "), 0),
    **dict.fromkeys(THREE_DECIMALS.split(" "), 3),
    "CLF": 4,
    "UYW": 4,
}


def exponent(code: str) -> int:
    """How many decimals the currency's minor unit has (ISO 4217)."""
    return EXPONENTS.get(code, 2)


def in_units(
    value: Decimal, code: str, field: str = "amount", *, row: int | None = None
) -> Decimal:
    """The amount, refused where it has decimals the currency does not: 1000.50 JPY had been
    accepted, and no yen is divided."""
    # Only the currencies without a minor unit: two decimals are the amounts' own rule.
    if exponent(code) == 0 and value != value.to_integral_value():
        raise RuleError(
            _("%(code)s has no minor unit: enter a whole amount, for example 1000.")
            % {"code": code},
            field,
            row,
        )
    return value


def shown(value: Decimal, code: str) -> str:
    """An amount with the currency's decimals (10506.20 EUR, 1000 JPY, 12.500 BHD): a sum
    from the database had been shown with ten."""
    return format(Decimal(value).quantize(Decimal(1).scaleb(-exponent(code))), "f")


def currency(value: Any, field: str = "currency") -> str:
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isascii() or pycountry.currencies.get(alpha_3=code) is None:
        raise RuleError(
            _("Unknown currency %(code)s: use an ISO 4217 code such as EUR or USD.")
            % {"code": str(value)[:8]},
            field,
        )
    if code in NOT_MONEY:
        raise RuleError(
            _(
                "%(code)s is not a currency money is paid in (a metal, a unit of account or "
                "a code for tests): use one such as EUR or USD."
            )
            % {"code": code},
            field,
        )
    return code


def currencies() -> list[tuple[str, str]]:
    """(ISO 4217 code, "code · name"), the name in the reader's language (pycountry's
    catalogues, else CLDR's), sorted by code."""
    return list(_currencies((get_language() or "en").split("-")[0]))


@cache
def _currencies(language: str) -> tuple[tuple[str, str], ...]:
    names = places.catalogue("iso4217", language)
    return tuple(
        sorted(
            (c.alpha_3, f"{c.alpha_3} · {_name(c.alpha_3, c.name, names.gettext, language)}")
            for c in pycountry.currencies
            if c.alpha_3 not in NOT_MONEY
        )
    )


def _name(code: str, english: str, translated: Any, language: str) -> str:
    """The catalogue's name, or CLDR's (Babel) where the catalogue has none: about 33
    currencies (the Kenyan shilling, the CFA francs) had stayed English on Arabic pages."""
    name = str(translated(english))
    if name != english or language == "en":
        return name
    from babel.numbers import get_currency_name

    try:
        cldr = get_currency_name(code, locale=language)
    except Exception:  # a locale Babel lacks: the English name serves
        return name
    return cldr[:1].upper() + cldr[1:] if cldr and cldr != code else name


def plain(rate: Decimal) -> str:
    """A rate as people write it: 0.92, not 0.92000000 as it is stored."""
    return format(rate.normalize(), "f")


def in_base(value: Decimal, rate_to_base: Decimal) -> Decimal:
    return (value * rate_to_base).quantize(CENTS)
