"""What every operation of the REST API shares, apart from the API object (so that an app's
API module can use it without importing every other): the input schema base (unknown fields
and text that cannot be stored are refused), bounded integers for ids and offsets, the error
bodies and the pagination."""

from __future__ import annotations

import contextlib
import copy
import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from types import UnionType
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination
from pydantic import (
    BeforeValidator,
    ConfigDict,
    JsonValue,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError

# The databases' 64-bit integers: larger ids and offsets are refused (422) before any query.
MAX_ID = 2**63 - 1
MAX_OFFSET = 2**31 - 1
# The most rows a page may ask for: a larger limit is refused (422) rather than read as a
# number no query can take. A paged list states its own maximum (100 for most; `Pages`).
MAX_LIMIT = 1000
# The most rows of a list read by limit and offset without `Pages` (evidence, quarantine).
ROWS_AT_MOST = 200


def form_max_length(form: type, name: str) -> int:
    """The longest value a page's form takes in its field `name` (the check a request runs
    through first where a service has no constant of its own), for a body's Field."""
    length = getattr(form.base_fields[name], "max_length", None)  # type: ignore[attr-defined]
    if not isinstance(length, int):
        raise TypeError(f"{form.__name__}.{name} has no max_length")
    return length


def column_max_length(model: type, name: str) -> int:
    """The longest value the column `name` of `model` holds (a service that checks a literal
    length of the same value, the database refusing past it), for a body's Field."""
    length = getattr(model._meta.get_field(name), "max_length", None)  # type: ignore[attr-defined]
    if not isinstance(length, int):
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return length


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# A list filter left empty (`?status=`, as a form's empty select sends it) filters nothing,
# as before the filters took the vocabularies; only a value outside the list is refused (one
# error, in words). `blank_allowed` has the schema say so too.
BlankIsNone = BeforeValidator(_blank_is_none)


# A list filter by country: a two-letter code, or nothing for every country. A name
# ("Colombia") had filtered to nothing, as if there were no such records.
COUNTRY_OR_ALL = r"^([A-Za-z]{2})?$"
COUNTRY_FILTER = "An ISO 3166-1 alpha-2 code (CO); empty for every country."


def blank_allowed(schema: dict[str, Any]) -> None:
    """json_schema_extra of a list filter: "" is taken beside the list's values and null."""
    schema.setdefault("anyOf", []).append({"const": "", "type": "string"})


def _not_true_or_false(value: Any) -> Any:
    # JSON's true is no id: pydantic would read it as 1, and a record would be made in the
    # compartment (or for the person) numbered 1.
    if isinstance(value, bool):
        raise PydanticCustomError("id_not_bool", _("A record's id is a number, not true or false."))
    return value


# The bounds before the validator: in the other order pydantic documents them as "ge"/"le"
# rather than JSON Schema's minimum and maximum.
RecordId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_not_true_or_false)]


def _unstorable(value: Any) -> bool:
    """True when `value` holds text that has no UTF-8 form (a lone surrogate such as
    "\\ud800" is valid JSON, but no database or cipher can take it)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_unstorable(v) for v in value)
    return False


def _scalars(annotation: Any) -> set[Any]:
    """The plain types a field takes, through Optional, unions and Annotated."""
    if get_origin(annotation) is Annotated:
        return _scalars(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return set().union(*(_scalars(a) for a in get_args(annotation)))
    return {annotation}


def _inner(annotation: Any, value: Any) -> list[Any]:
    """The types of a list's items (or an object's values) the annotation allows, where
    `value` is such a list (or object): through Optional, unions and Annotated."""
    if get_origin(annotation) is Annotated:
        return _inner(get_args(annotation)[0], value)
    if get_origin(annotation) in (Union, UnionType):
        return [t for a in get_args(annotation) for t in _inner(a, value)]
    if isinstance(value, list) and get_origin(annotation) is list:
        return list(get_args(annotation)[:1])
    if isinstance(value, dict) and get_origin(annotation) is dict:
        return list(get_args(annotation)[1:2])
    return []


# Pydantic reads a string of digits as a Unix time too ("0" is 1970-01-01).
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _not_lax(value: Any, annotation: Any) -> None:
    """Pydantic's lax mode reads JSON's false as the number 0 and a number as a date (0 is
    1970-01-01): a client's mistake would be stored as a real value. Refused in words."""
    for inner in _inner(annotation, value):  # each item of a list, each value of an object
        for item in value.values() if isinstance(value, dict) else value:
            _not_lax(item, inner)
    kinds = _scalars(annotation)
    if isinstance(value, bool) and bool not in kinds and kinds & {int, float, Decimal}:
        raise PydanticCustomError("number_not_bool", _("Send a number, not true or false."))
    # It also reads 0, 1, "yes" and "off" as true or false, and "2" or 2.0 as the number 2:
    # the schema says boolean or integer, and a fuzzer's mistyped value had been stored.
    if bool in kinds and not isinstance(value, bool) and value is not None:
        number = isinstance(value, int | float) and not kinds & {int, float, Decimal}
        if number or (isinstance(value, str) and str not in kinds):
            raise PydanticCustomError("bool_not_other", _("Send true or false."))
    # (Text that is no number, and a fraction, get pydantic's own words.)
    reads_as_whole = (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and _NUMBER.fullmatch(value) is not None
    )
    if (
        reads_as_whole
        and int in kinds
        and not kinds & {str, float, Decimal, datetime.date, datetime.datetime}
    ):
        raise PydanticCustomError("int_not_other", _("Send a whole number, such as 3."))
    if (
        (isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)))
        and kinds & {datetime.date, datetime.datetime}
        and str not in kinds
    ):
        raise PydanticCustomError(
            "date_not_number", _("Send the date as text, such as 2026-03-14, not a number.")
        )


# What every text of a request body must match: no control character other than tab and
# line breaks (`aegis.text.CONTROL`, on the same layer, so written again here; a test holds
# the two together). The schema documents it and the base below refuses it, one gate for
# every operation, before a form strips a value ("Ana\x1c" had become "Ana" on one path and
# been refused on another) or a service reads it.
_CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
TEXT_PATTERN = f"^[^{_CONTROL_CHARACTERS}]*$"
_CONTROL = re.compile(f"[{_CONTROL_CHARACTERS}]")
# The characters that show as nothing (`aegis.text.shows_nothing`: spaces, line breaks,
# format and control characters), those of the Basic Multilingual Plane: JSON Schema's
# patterns cannot write the others portably, and a text of nothing but them (tag characters
# alone) is left to the services. A text that cannot be empty (minLength 1) must hold one
# character outside them, VISIBLE_PATTERN: " " and "\u200b" had passed the schema's
# minLength and been refused by the service as empty.
_INVISIBLE_CHARACTERS = (
    r"\x00-\x20\x7f-\xa0\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u1680"
    r"\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ufeff\ufff9-\ufffb"
)


def text_pattern(refused: str = "", *, visible: bool = False) -> str:
    """The pattern of a text that holds no control character nor any of `refused` (a
    regular expression class's body) and, if `visible`, one character that shows."""
    others = f"[^{_CONTROL_CHARACTERS}{refused}]*"
    return f"^{others}[^{_INVISIBLE_CHARACTERS}]{others}$" if visible else f"^{others}$"


VISIBLE_PATTERN = text_pattern(visible=True)
_VISIBLE = re.compile(f"[^{_INVISIBLE_CHARACTERS}]")


@dataclass(frozen=True)
class Refuses:
    """A text field whose service refuses more characters than the control ones, as the
    field's type: `Annotated[str, Refuses(...)]` (OneLine, Undisguised). The schema documents
    them in the field's pattern and the gate refuses them with `message`."""

    characters: str  # the body of a regular expression class
    message: str  # gettext_noop: translated when said


# `aegis.text`'s classes (on the same layer, so written again here; a test holds them
# together), the Basic Multilingual Plane's part: direction overrides and isolates, the
# zero-width space and the byte-order mark, refused in every text of a case, a person or a
# safety plan; and in a one-line value (a name, a title, an address), line breaks and the
# characters a line shows as nothing too.
_DISGUISING = r"\u202a-\u202e\u2066-\u2069\u200b\ufeff"
UNDISGUISED = Refuses(
    _DISGUISING,
    gettext_noop(
        "The text contains hidden characters (a direction override or a zero-width space). "
        "Send it without them."
    ),
)
ONE_LINE = Refuses(
    _DISGUISING + r"\n\r\u2028\u2029\x85\u180e\u2060-\u2064",
    gettext_noop(
        "This must fit on one line, without hidden characters (a direction override or a "
        "zero-width space). Send it without them."
    ),
)
OneLine = Annotated[str, ONE_LINE]
Undisguised = Annotated[str, UNDISGUISED]


def _refuses(field: Any) -> Refuses | None:
    """The field's Refuses, from its metadata (a plain OneLine) or its type (OneLine | None)."""
    found = [m for m in field.metadata if isinstance(m, Refuses)]
    for option in get_args(field.annotation):
        found += [m for m in get_args(option)[1:] if isinstance(m, Refuses)]
    return found[0] if found else None


def _document_text_pattern(node: dict[str, Any], refused: str = "", *, top: bool = True) -> None:
    """Give its pattern to a free-text string of the JSON schema `node` (not a date, a
    choice or a string of a form of its own), through null-or-text and lists of text: no
    control character nor any of `refused`, and one that shows where a field's text cannot
    be empty (VISIBLE_PATTERN; the gate checks fields, not the items of lists)."""
    plain = node.get("type") == "string" and not {"format", "enum", "const", "pattern"} & set(node)
    if plain:
        visible = top and node.get("minLength", 0) >= 1
        node["pattern"] = text_pattern(refused, visible=visible)
    for option in node.get("anyOf", []):
        _document_text_pattern(option, refused, top=top)
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        _document_text_pattern(node["items"], refused, top=False)


# An e-mail address as the schema documents it, or none: a dot-atom before the "@" and a
# host name with a top-level domain of letters after it, which Django's validate_email (what
# the services check) takes. Documented, not enforced: the services also take what this
# leaves out (an internationalised domain, a quoted local part) and refuse in words.
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"  # of a host name
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL_PATTERN = rf"^$|^{_ATOM}(\.{_ATOM})*@({_LABEL}\.)+[A-Za-z]{{2,63}}$"
EMAIL: dict[str, JsonValue] = {
    "pattern": EMAIL_PATTERN,
    "description": "An e-mail address, or empty for none.",
}

# A public web address as the schema documents it: http(s), a host name with a top-level
# domain of letters, a port and a path of printable ASCII. Documented, not enforced: the
# services also take an internationalised name or an address, and refuse in words what is of
# a local network (`monitoring.fetching.written_as_local`).
WEB_ADDRESS_PATTERN = (
    rf"^[Hh][Tt][Tt][Pp][Ss]?://{_LABEL}(\.{_LABEL})*\.[A-Za-z]{{2,63}}(:[1-9][0-9]{{0,3}})?"
    r"([/?#][!-~]*)?$"
)
WEB_ADDRESS: dict[str, JsonValue] = {
    "pattern": WEB_ADDRESS_PATTERN,
    "description": "A web address starting with https:// or http://.",
}
WEB_ADDRESS_OR_NONE: dict[str, JsonValue] = {
    "pattern": f"^$|{WEB_ADDRESS_PATTERN}",
    "description": "A web address starting with https:// or http://, or empty for none.",
}

# Text that must show (a field a condition below requires).
VISIBLE_TEXT: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": VISIBLE_PATTERN}
NULL: dict[str, Any] = {"type": "null"}


def when(field: str, values: Iterable[str], then: dict[str, Any]) -> dict[str, Any]:
    """A rule across fields, in JSON Schema: where the body's `field` is one of `values`, the
    body must also match `then` ("a group's grant gives the group's size"). A body schema
    lists its rules in `conditions`; the services enforce them, and the schema says so, so
    that a client (or a fuzzer) following the schema is not refused for them."""
    return {
        "if": {"properties": {field: {"enum": [str(v) for v in values]}}, "required": [field]},
        "then": then,
    }


def when_given(field: str, then: dict[str, Any]) -> dict[str, Any]:
    """A rule across fields: where the body gives `field` (not null), it must match `then`."""
    return {"if": {"required": [field], "properties": {field: {"not": NULL}}}, "then": then}


def requires(field: str, schema: dict[str, Any] = VISIBLE_TEXT) -> dict[str, Any]:
    """The `then` of a condition that requires one field, of that schema (text that shows)."""
    return {"required": [field], "properties": {field: schema}}


def _document(schema: dict[str, Any], model: type) -> None:
    if getattr(model, "refuses_control_characters", True):
        fields = getattr(model, "model_fields", {})
        for name, field in schema.get("properties", {}).items():
            refuses = _refuses(fields[name]) if name in fields else None
            _document_text_pattern(field, refuses.characters if refuses else "")
    conditions = getattr(model, "conditions", ())
    if conditions:
        schema.setdefault("allOf", []).extend(copy.deepcopy(list(conditions)))


def _holds_control_characters(value: Any) -> bool:
    """A text, or a list of texts, with a character TEXT_PATTERN refuses."""
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if isinstance(value, list | tuple):
        return any(isinstance(v, str) and _CONTROL.search(v) for v in value)
    return False


def _cannot_be_empty(field: Any) -> bool:
    """A field declared with a least length (Field(min_length=1)): its text must show."""
    return any((getattr(rule, "min_length", None) or 0) >= 1 for rule in field.metadata)


class InputSchema(Schema):
    """The base of every request body: a field the schema does not name is refused, not
    silently dropped, and so is text that cannot be stored or that holds control characters
    (TEXT_PATTERN, documented on each text), or text that shows nothing where some is
    required (VISIBLE_PATTERN, on each text declared with a least length). A body that must
    take any text (an SMS a gateway passes on) sets `refuses_control_characters` to False."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_document)
    refuses_control_characters: ClassVar[bool] = True
    # Rules across fields (`when`), documented in the body's schema.
    conditions: ClassVar[tuple[dict[str, Any], ...]] = ()

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, data: Any, info: ValidationInfo) -> Any:
        _not_lax(data, cls.model_fields[info.field_name].annotation if info.field_name else None)
        if _unstorable(data):
            raise PydanticCustomError(
                "unstorable_text",
                _(
                    "The text contains characters that cannot be stored (an unpaired "
                    "surrogate such as \\ud800). Send it as valid Unicode."
                ),
            )
        if not cls.refuses_control_characters:
            return data
        if _holds_control_characters(data):
            raise PydanticCustomError(
                "control_characters",
                _(
                    "The text contains control characters, which no one types (tab and line "
                    "breaks are fine). Send it without them."
                ),
            )
        if not isinstance(data, str) or not data or info.field_name is None:
            return data
        field = cls.model_fields[info.field_name]
        refuses = _refuses(field)
        if refuses is not None and re.search(f"[{refuses.characters}]", data):
            raise PydanticCustomError("refused_characters", _(refuses.message))
        if _cannot_be_empty(field) and _VISIBLE.search(data) is None:
            raise PydanticCustomError(
                "shows_nothing",
                _("This holds only spaces or invisible characters: give some text."),
            )
        return data


class ErrorOut(Schema):
    """Every refusal but a schema validation failure: one message for people."""

    detail: str


class RuleErrorOut(ErrorOut):
    """A request that breaks a rule of the service: the message, and the input it is about."""

    field: str | None = Field(None, description="The input the message is about, if one.")
    row: int | None = Field(None, description="Its row, from 0, when the input has several.")


class FieldErrorsOut(RuleErrorOut):
    """A refusal by the same checks as the web form: the messages of each input."""

    errors: dict[str, list[str]] = Field(
        default_factory=dict, description="Messages by input; __all__ for the whole request."
    )


class ValidationIssue(Schema):
    type: str
    loc: list[str | int] = Field(description="Where: the part of the request, then the field.")
    msg: str
    ctx: dict[str, Any] | None = None


class ValidationErrorOut(Schema):
    """422 when the request does not match this schema: one entry per problem."""

    detail: list[ValidationIssue]


def region_follows_country(current_country: str, given: dict[str, Any]) -> dict[str, Any]:
    """The fields a correction gives, with the region cleared where the country changes and
    no region is given: the region kept was the old country's, and a correction of the
    country alone ({"country": ""}) had been refused for it."""
    country = given.get("country")
    if (
        country is not None
        and given.get("region") is None
        and str(country).strip().upper() != (current_country or "").upper()
    ):
        return {**given, "region": ""}
    return given


def rows_of(page: Any, asked: int) -> list[Any]:
    """The rows of page `asked`, or none past the end. A page shows the last one for a number
    past it (a person who typed it sees something); a program reading page after page until
    one is empty would have read the last page for ever."""
    return list(page.object_list) if page.number == asked else []


class Pages(LimitOffsetPagination):
    """Limit and offset, with the offset bounded so that no query overflows. The limit's
    maximum is the list's own (`max_limit`), stated in the schema and refused past it (422):
    django-ninja's own answered `limit=500` with 100 rows, as if there were no more. The
    page's rows are read when the answer is serialised, after the call's keys are closed: a
    paginated answer carries no protected field (reading one would raise VaultLocked)."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, max_limit: int = MAX_LIMIT, **kwargs: Any) -> None:
        super().__init__(max_limit=max_limit, **kwargs)
        self.Input = _page_input(min(max_limit, MAX_LIMIT))  # type: ignore[misc,assignment]


@functools.cache
def _page_input(most: int) -> type[Schema]:
    """The query of a paged list that serves at most `most` rows (one class each, named so)."""
    fields = {
        "limit": (int, Field(min(ninja_settings.PAGINATION_PER_PAGE, most), ge=1, le=most)),
        "offset": (int, Field(0, ge=0, le=MAX_OFFSET)),
    }
    return create_model(f"PageUpTo{most}", __base__=Schema, **fields)  # type: ignore[call-overload]


# pydantic's messages for the mismatches a caller meets most, in words and in the caller's
# language (its own are English and name Python's types); `ctx` fills the placeholders.
ISSUE_WORDS: dict[str, str] = {
    "missing": gettext_noop("This field is required."),
    "extra_forbidden": gettext_noop("This operation takes no such field."),
    "given_twice": gettext_noop("This is given more than once: give it once."),
    "int_type": gettext_noop("Give a whole number."),
    "int_parsing": gettext_noop("Give a whole number."),
    "int_from_float": gettext_noop("Give a whole number."),
    "float_type": gettext_noop("Give a number."),
    "float_parsing": gettext_noop("Give a number."),
    "finite_number": gettext_noop("Give a number."),
    "int_parsing_size": gettext_noop("Give a whole number."),
    "decimal_type": gettext_noop("Give a number."),
    "decimal_parsing": gettext_noop("Give a number."),
    "string_type": gettext_noop("Give text."),
    "bool_type": gettext_noop("Give true or false."),
    "bool_parsing": gettext_noop("Give true or false."),
    "list_type": gettext_noop("Give a list."),
    "dict_type": gettext_noop("Give an object (a JSON object with named fields)."),
    "model_type": gettext_noop("Give an object (a JSON object with named fields)."),
    "model_attributes_type": gettext_noop("Give an object (a JSON object with named fields)."),
    "date_type": gettext_noop("Give a date as YYYY-MM-DD."),
    "date_parsing": gettext_noop("Give a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": gettext_noop("Give a date as YYYY-MM-DD."),
    "date_from_datetime_inexact": gettext_noop("Give a date as YYYY-MM-DD, without a time."),
    "datetime_type": gettext_noop("Give a date and time as YYYY-MM-DDTHH:MM:SS with its offset."),
    "datetime_parsing": gettext_noop(
        "Give a date and time as YYYY-MM-DDTHH:MM:SS with its offset."
    ),
    "time_type": gettext_noop("Give a time as HH:MM."),
    "time_parsing": gettext_noop("Give a time as HH:MM."),
    "uuid_type": gettext_noop("Give an identifier as the API shows it."),
    "uuid_parsing": gettext_noop("Give an identifier as the API shows it."),
    "enum": gettext_noop("Choose one of: %(expected)s."),
    "literal_error": gettext_noop("Choose one of: %(expected)s."),
    "string_too_short": gettext_noop("Give at least %(min_length)s characters."),
    "string_too_long": gettext_noop("Give at most %(max_length)s characters."),
    "string_pattern_mismatch": gettext_noop("This value does not have the expected form."),
    "too_short": gettext_noop("Give at least %(min_length)s items."),
    "too_long": gettext_noop("Give at most %(max_length)s items."),
    "greater_than": gettext_noop("Give a number above %(gt)s."),
    "greater_than_equal": gettext_noop("Give a number of %(ge)s or more."),
    "less_than": gettext_noop("Give a number below %(lt)s."),
    "less_than_equal": gettext_noop("Give a number of %(le)s or less."),
}


# A mismatch of one of these patterns, in words of its own.
PATTERN_WORDS: dict[str, str] = {
    COUNTRY_OR_ALL: gettext_noop(
        "Give a country's two-letter code (such as CO), or nothing for every country."
    ),
}


# The same mismatches where the least is one: "at least 1 characters" reads badly.
EMPTY_WORDS: dict[str, str] = {
    "string_too_short": gettext_noop("This cannot be empty: give some text."),
    "too_short": gettext_noop("This list cannot be empty: give at least one item."),
}


def issue_in_words(issue: dict[str, Any]) -> dict[str, Any]:
    """One schema mismatch as the API answers it: the message in words, in the caller's
    language where it is a common one, and the place without the operation's own name for
    its body ("body", "payload", "pseudonym" became "body", "pseudonym")."""
    issue = dict(issue)
    loc = list(issue.get("loc") or ())
    if len(loc) >= 2 and loc[0] == "body":  # a missing body had been named "payload"
        del loc[1]
    issue["loc"] = loc
    kind = str(issue.get("type"))
    ctx = dict(issue.get("ctx") or {})
    words = ISSUE_WORDS.get(kind)
    if ctx.get("min_length") == 1 and kind in EMPTY_WORDS:
        words = EMPTY_WORDS[kind]
    if kind == "string_pattern_mismatch":
        words = PATTERN_WORDS.get(str(ctx.get("pattern")), words)
    if words is not None:
        if isinstance(ctx.get("expected"), str):  # "'a', 'b' or 'c'": no English "or"
            ctx["expected"] = ", ".join(ctx["expected"].rsplit(" or ", 1))
        # A placeholder pydantic did not fill: its own message stays.
        with contextlib.suppress(KeyError, TypeError, ValueError):
            issue["msg"] = _(words) % ctx
            # The parser's own English reason ("hour value is outside expected range"),
            # which the message in words replaces.
            ctx.pop("error", None)
            issue["ctx"] = ctx or None
    return issue
