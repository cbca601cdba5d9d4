"""What every operation of the REST API shares, apart from the API object (so that an app's
API module can use it without importing every other): the input schema base (unknown fields
and text that cannot be stored are refused), bounded integers for ids and offsets, the error
bodies and the pagination."""

from __future__ import annotations

from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination
from pydantic import BeforeValidator, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

# The databases' 64-bit integers: larger ids and offsets are refused (422) before any query.
MAX_ID = 2**63 - 1
MAX_OFFSET = 2**31 - 1


def _not_true_or_false(value: Any) -> Any:
    # JSON's true is no id: pydantic would read it as 1, and a record would be made in the
    # compartment (or for the person) numbered 1.
    if isinstance(value, bool):
        raise PydanticCustomError("id_not_bool", "A record's id is a number, not true or false.")
    return value


RecordId = Annotated[int, BeforeValidator(_not_true_or_false), Field(ge=1, le=MAX_ID)]


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


class InputSchema(Schema):
    """The base of every request body: a field the schema does not name is refused, not
    silently dropped, and so is text that cannot be stored."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        if _unstorable(data):
            raise PydanticCustomError(
                "unstorable_text",
                _(
                    "The text contains characters that cannot be stored (an unpaired "
                    "surrogate such as \\ud800). Send it as valid Unicode."
                ),
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


class Pages(LimitOffsetPagination):
    """Limit and offset, with the offset bounded so that no query overflows. The page's
    rows are read when the answer is serialised, after the call's keys are closed: a
    paginated answer carries no protected field (reading one would raise VaultLocked)."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
