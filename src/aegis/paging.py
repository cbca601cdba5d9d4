"""Pages of long lists that cost the same on the first page and the five-thousandth.

Past the first SHALLOW_PAGES pages, the next and previous links seek from the last (or
first) row shown, through the index of the list's order ("keyset" pagination), instead of
skipping rows with OFFSET; the first pages are read by OFFSET through the same index (a few
hundred rows at most), and a deeper page number typed into the address seeks from the row
before it, found by reading the order's columns alone (_numbered). The count stops at
COUNT_CAP: past it the page says "more than 1,000", so no page counts a whole table."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

COUNT_CAP = 1000
SHALLOW_PAGES = 10
MAX_PAGE = 100_000  # a typed page number past any real list is the last page we would seek
SEPARATOR = "~"
# A list of choices longer than this is not sent: at 10,000 cases a form listing them all
# took a second to build and weighed a megabyte. The form asks for the one wanted instead.
LIST_AT_MOST = 200


@dataclass(frozen=True)
class Order:
    """A list's order: one field, then the primary key, both in the same direction."""

    field: str
    descending: bool


@dataclass
class SeekPage:
    object_list: list[Any]
    number: int
    count: int  # exact up to COUNT_CAP
    more: bool  # more rows than `count`
    size: int
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # Links carry a cursor from the first page on (seek_page's `cursors`), for a list whose
    # rows come and go between two loads: a page number would shift it by as many rows.
    cursors: bool = False
    # The first page shown in place of the one a link's cursor asked for (seek_or_first).
    restarted: bool = False

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def num_pages(self) -> int | None:
        """The number of pages, or None when the count stopped at the cap."""
        return None if self.more else max(1, math.ceil(self.count / self.size))

    @property
    def next_after(self) -> str | None:
        """The next link's cursor, or None where a page number is as cheap."""
        return self.next_cursor if self.cursors or self.next_number > SHALLOW_PAGES else None

    @property
    def previous_before(self) -> str | None:
        """The previous link's cursor, or None where a page number is as cheap (or, with
        `cursors`, for the first page: the newest rows, whatever came meanwhile)."""
        shallow = 1 if self.cursors else SHALLOW_PAGES
        if self.previous_number > shallow and self.previous_cursor:
            return self.previous_cursor
        return None

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return max(1, self.number - 1)


def capped_count(queryset: QuerySet[Any], cap: int | None = None) -> tuple[int, bool]:
    """(count, more): at most cap + 1 rows are counted (COUNT_CAP unless given)."""
    cap = COUNT_CAP if cap is None else cap
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


T = TypeVar("T")


def few_enough(rows: Iterable[T], most: int | None = None) -> list[T] | None:
    """The rows if there are at most `most` (LIST_AT_MOST unless given), else None; a
    queryset reads one row more than that, never the whole list."""
    limit = LIST_AT_MOST if most is None else most
    if isinstance(rows, QuerySet):
        rows = rows[: limit + 1]
    listed = list(rows)
    return listed if len(listed) <= limit else None


def in_slices(values: Sequence[T], size: int) -> list[Sequence[T]]:
    """`values` a slice of `size` at a time, each to go into one query's IN list: SQLite
    takes at most 32,766 values in one query."""
    return [values[at : at + size] for at in range(0, len(values), size)]


def _page_number(value: Any) -> int:
    try:
        return min(max(1, int(str(value))), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def cursor_of(row: Any, order: Order) -> str:
    """Where a page link starts: the row's sort value and primary key."""
    value = getattr(row, order.field)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"{text}{SEPARATOR}{row.pk}"


def _parse(queryset: QuerySet[Any], order: Order, cursor: str) -> tuple[Any, int] | None:
    """The cursor's (value, pk), or None when it is not one this list made."""
    text, _, pk = cursor.rpartition(SEPARATOR)
    if not pk.isdigit() or len(cursor) > 500:
        return None
    model_field = queryset.model._meta.get_field(order.field)
    try:
        value = model_field.to_python(text)
        if isinstance(value, datetime):
            # The database is asked in UTC: a time without its offset is none this list
            # made, and one whose UTC falls outside the calendar would fail the query.
            if value.tzinfo is None:
                return None
            value = value.astimezone(UTC)
        return value, int(pk)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return None


def cursor_valid(queryset: QuerySet[Any], order: Order, cursor: str) -> bool:
    """Whether `cursor` is one this list's pages make (an API refuses any other)."""
    return _parse(queryset, order, cursor) is not None


def _beyond(order: Order, value: Any, pk: int, *, forward: bool) -> Q:
    """Rows after (forward) or before the row (value, pk) in the list's order. Written as
    "field ≤ value and not (field = value and pk ≥ pk)" so the index on field bounds it."""
    later = order.descending == forward  # moving towards smaller values
    name = order.field
    if later:
        return Q(**{f"{name}__lte": value}) & ~Q(**{name: value, "pk__gte": pk})
    return Q(**{f"{name}__gte": value}) & ~Q(**{name: value, "pk__lte": pk})


def _ordering(order: Order, *, forward: bool) -> list[str]:
    descending = order.descending == forward
    sign = "-" if descending else ""
    return [f"{sign}{order.field}", f"{sign}pk"]


def _numbered(queryset: QuerySet[Any], order: Order, number: int, size: int) -> list[Any]:
    """Page `number` and the first row of the next. A deep one is sought from the row just
    before it, found by reading the list's order columns alone through its index (no join, no
    row of the page's own columns, however deep): skipping rows with OFFSET on the page's
    own query would make the database join and fetch every row it skips."""
    start = (number - 1) * size
    ordered = queryset.order_by(*_ordering(order, forward=True))
    if number <= SHALLOW_PAGES:
        return list(ordered[start : start + size + 1])
    keys = ordered.select_related(None).prefetch_related(None).values_list(order.field, "pk")
    before = keys[start - 1 : start].first()
    if before is None:  # past the end
        return []
    value, pk = before
    return list(ordered.filter(_beyond(order, value, pk, forward=True))[: size + 1])


def seek_page(
    queryset: QuerySet[Any],
    order: Order,
    params: Mapping[str, Any],
    *,
    size: int,
    count_cap: int = COUNT_CAP,
    cursors: bool = False,
) -> SeekPage:
    """The page that `params` asks for: after=CURSOR (the rows after it), before=CURSOR (the
    rows before it), or page=N (an address typed by hand: see _numbered). With `cursors`,
    the page's links seek from its rows whatever its number (SeekPage.cursors)."""
    number = _page_number(params.get("page"))
    count, more = capped_count(queryset, count_cap)
    after = _parse(queryset, order, str(params.get("after") or ""))
    before = None if after else _parse(queryset, order, str(params.get("before") or ""))
    if after or before:
        forward = after is not None
        value, pk = after or before  # type: ignore[misc]
        rows = list(
            queryset.filter(_beyond(order, value, pk, forward=forward)).order_by(
                *_ordering(order, forward=forward)
            )[: size + 1]
        )
        extra_row = len(rows) > size
        rows = rows[:size]
        if forward:
            has_next, has_previous = extra_row, True
        else:
            rows.reverse()
            has_next, has_previous = True, extra_row
            number = max(1, number) if extra_row else 1
    else:
        if not more:
            number = min(number, max(1, math.ceil(count / size)))
        rows = _numbered(queryset, order, number, size)
        has_next = len(rows) > size
        rows = rows[:size]
        has_previous = number > 1
    return SeekPage(
        object_list=rows,
        number=number,
        count=count,
        more=more,
        size=size,
        has_next=has_next and bool(rows),
        has_previous=has_previous,
        next_cursor=cursor_of(rows[-1], order) if rows else "",
        previous_cursor=cursor_of(rows[0], order) if rows else "",
        cursors=cursors,
    )


def seek_or_first(
    queryset: QuerySet[Any],
    order: Order,
    params: Mapping[str, Any],
    *,
    size: int,
    cursors: bool = False,
) -> SeekPage:
    """seek_page for a list whose links carry cursors (alerts): a cursor the list did not
    make (a damaged link), or one whose page holds no row while the list holds some (past
    the end, its rows gone meanwhile, or a link made by hand), gives the first page, the
    newest rows, with `restarted` set so that the page says why, rather than an empty page
    that reads as an empty list."""
    sought = str(params.get("after") or params.get("before") or "")
    if not sought:
        return seek_page(queryset, order, params, size=size, cursors=cursors)
    if cursor_valid(queryset, order, sought):
        page = seek_page(queryset, order, params, size=size, cursors=cursors)
        if page.object_list or not page.count:
            return page
    page = seek_page(queryset, order, {}, size=size, cursors=cursors)
    page.restarted = True
    return page
