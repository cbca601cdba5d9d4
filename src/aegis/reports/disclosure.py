"""Statistical disclosure control: the one place where counts become publishable.

Every table, chart, export and report of this app goes through `protect` (one table) or
`protect_linked` (tables published together), so the same cell gets the same answer
everywhere. Pure Python over small aggregated tables: no Django, no rows about people.

The method (stated on the methods page):

* Primary suppression: a count from 1 to k-1 is never published; it is shown as "fewer than
  k". So is a zero in the same row or column as such a cell (totals included), and a zero in
  the same row or column as such a zero, and so on: a zero beside a few people tells where
  they are not, and with it where they are ("every counted woman is under 18"). A "fewer
  than k" therefore means 0 to k-1 where it shares a line with another, and a published zero
  never shares a line with one.
* Secondary suppression, the hypercube method of τ-Argus (Repsilber's GHMITER) for
  two-dimensional tables with their margins: every withheld cell lies on the corners of a
  rectangle of withheld cells (rows and columns of the table including its totals) along
  which the counts can move by one in either direction while every published total stays
  true and every withheld count stays within what a reader knows of it (1..k-1 for "fewer
  than k", k or more for "withheld"). So no withheld count can be worked out exactly from the
  published ones. Among the rectangles that would do, the one that withholds the least
  (total count of the newly withheld cells, interior cells before totals) is chosen.
* An audit by linear programming checks each withheld cell of the result: its smallest and
  largest value given everything published must differ; otherwise one more rectangle is
  added.
* Tables published together that share a total (the same count in two tables) withhold it in
  both when either does, and are protected again until nothing changes.

Sums of money (`protect_sums`) follow the counts and one more rule, the (n, k)-dominance rule
of statistical offices (Hundepool et al., Statistical Disclosure Control, 2012, §4.2.2) with
n = 2 and k = 85 %: a sum is sensitive when its two largest contributions make more than 85 %
of it, since one contributor could then estimate another's closely. A sum is published only
where its count is published and it is not sensitive; withheld sums then get secondary
suppression exactly as counts do (the counts' pattern with these cells withheld too), so each
lies on a rectangle of withheld sums and none can be worked out from the published totals.
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .lp import LinearProgram

TOTAL = "*"  # the key of a row or column total
Key = tuple[str, str]  # (row, column), either may be TOTAL


class Status(StrEnum):
    PUBLISHED = "published"
    PRIMARY = "fewer_than_k"  # 1..k-1
    SECONDARY = "withheld"  # withheld so that a primary cell cannot be worked out


@dataclass(frozen=True)
class Cell:
    status: Status
    value: int | None  # None unless published

    @property
    def published(self) -> bool:
        return self.status is Status.PUBLISHED


@dataclass(frozen=True)
class Protected:
    """A table as it may be published: its rows and columns (without the totals) and a cell
    for every (row, column) including the TOTAL row and column."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: Mapping[Key, Cell]
    # Withheld whole (zeros and small counts alike, all "withheld"): the rare table whose
    # small counts the marks alone would give away (e.g. four rows of "fewer than 5" whose
    # total is "fewer than 5": each must be 1).
    whole: bool = False

    def cell(self, row: str, col: str) -> Cell:
        return self.cells[(row, col)]


def extend(rows: Iterable[str], cols: Iterable[str], counts: Mapping[Key, int]) -> dict[Key, int]:
    """The table with its row and column totals and grand total."""
    rows, cols = list(rows), list(cols)
    full: dict[Key, int] = {}
    for r in rows:
        for c in cols:
            value = int(counts.get((r, c), 0))
            if value < 0:
                raise ValueError("counts cannot be negative")
            full[(r, c)] = value
    for r in rows:
        full[(r, TOTAL)] = sum(full[(r, c)] for c in cols)
    for c in cols:
        full[(TOTAL, c)] = sum(full[(r, c)] for r in rows)
    full[(TOTAL, TOTAL)] = sum(full[(r, TOTAL)] for r in rows)
    return full


def _sign(key: Key) -> int:
    """Sign of a cell in the balanced form of the table (every line sums to zero): totals of
    one line are negated, the grand total is not."""
    return -1 if (key[0] == TOTAL) != (key[1] == TOTAL) else 1


def _bounds(value: int, k: int) -> tuple[int, float]:
    return (1, k - 1) if value < k else (k, float("inf"))


class _Suppressor:
    def __init__(
        self, rows: list[str], cols: list[str], full: dict[Key, int], k: int, sums: bool = False
    ) -> None:
        # `sums`: the pattern of sums of money, where a cell with no grant is known to sum to
        # nothing: withheld or not, a zero is never a partner of a rectangle.
        self.sums = sums
        self.rows = [*rows, TOTAL]
        self.cols = [*cols, TOTAL]
        self.full = full
        self.k = k
        self.status: dict[Key, Status] = {}
        self.protected: set[Key] = set()
        # Corners of a rectangle that can move: provably not exact whatever else is withheld
        # later (withholding more only removes constraints), so the audit skips them.
        self.proven: set[Key] = set()
        self.whole = False
        # Which way each count can move by one and stay within what a reader knows of it
        # (+1 and -1 in the balanced form, where a total's sign is flipped), precomputed:
        # the rectangle search tries every pair of lines for every withheld cell.
        self._step: dict[Key, tuple[bool, bool]] = {}
        for key, value in full.items():
            low, high = _bounds(value, k)
            up, down = value + 1 <= high, value - 1 >= low
            self._step[key] = (up, down) if _sign(key) > 0 else (down, up)

    def withhold(self, key: Key) -> None:
        """Withhold a cell: "fewer than k" for a count below k (a zero too: a withheld zero
        reads as fewer than k, never as k or more), "withheld" for more."""
        if key not in self.status:
            primary = self.full[key] < self.k
            self.status[key] = Status.PRIMARY if primary else Status.SECONDARY

    def _zeros_beside_small(self) -> None:
        """Withhold the zeros of every row and column (totals included) that holds a "fewer
        than k" cell, and of the lines those zeros are in, until none is left: published, a
        zero would say which cells the few people are not in, and, beside a withheld zero,
        that it is one. So a published zero is never in a line with a "fewer than k"."""
        zeros = {key for key, value in self.full.items() if value == 0}
        while True:
            small = [key for key, status in self.status.items() if status is Status.PRIMARY]
            rows = {r for r, _c in small}
            cols = {c for _r, c in small}
            found = [key for key in zeros if key[0] in rows or key[1] in cols]
            if not found:
                return
            for key in found:
                self.withhold(key)
            zeros.difference_update(found)

    def _cost(self, corners: list[tuple[Key, int]]) -> tuple[int, int]:
        new = [key for key, _ in corners if key not in self.status]
        totals = sum(1 for key in new if TOTAL in key)
        return (totals, sum(self.full[key] for key in new))

    def rectangle(self, key: Key, exclude: set[tuple[Key, ...]]) -> list[tuple[Key, int]] | None:
        """The cheapest rectangle through `key` whose counts can move by one (one way or the
        other) within what a reader knows of each; None if there is none. Ties go to the
        first found (rows, then columns, in table order)."""
        r, c = key
        full, step, status = self.full, self._step, self.status

        def known(k2: Key) -> bool:  # a zero a rectangle cannot move
            return full[k2] == 0 and (self.sums or k2 not in status)

        def new_cost(k2: Key) -> tuple[int, int]:
            return (0, 0) if k2 in status else (int(TOTAL in k2), full[k2])

        up0, down0 = step[key]  # the corner moving with +1 (the others alternate)
        best: tuple[tuple[int, int], list[tuple[Key, int]]] | None = None
        for r2 in self.rows:
            if r2 == r or known((r2, c)):
                continue
            down1, up1 = step[(r2, c)]  # a -1 corner: its "up" is the rectangle's "down"
            if not ((up0 and up1) or (down0 and down1)):
                continue
            t1, v1 = new_cost((r2, c))
            for c2 in self.cols:
                if c2 == c:
                    continue
                a, b = (r, c2), (r2, c2)
                if known(a) or known(b):
                    continue  # a published zero is known: a rectangle through it cannot move
                down2, up2 = step[a]
                up3, down3 = step[b]
                if not ((up0 and up1 and up2 and up3) or (down0 and down1 and down2 and down3)):
                    continue
                ta, va = new_cost(a)
                tb, vb = new_cost(b)
                cost = (t1 + ta + tb, v1 + va + vb)
                if best is not None and cost >= best[0]:
                    continue
                corners = [(key, 1), (a, -1), ((r2, c), -1), (b, 1)]
                if tuple(sorted(k2 for k2, _ in corners)) in exclude:
                    continue
                best = (cost, corners)
        return None if best is None else best[1]

    def run(self, forced: Iterable[Key]) -> None:
        for key, value in self.full.items():
            if 0 < value < self.k:
                self.withhold(key)
        for key in forced:
            if key in self.full:  # a zero too: another table withholds it
                self.withhold(key)
        if not self.sums:
            self._zeros_beside_small()
        used: set[tuple[Key, ...]] = set()
        audited = -1  # how many cells were withheld at the last audit
        # Each withheld cell needs a rectangle; new corners join the queue (already covered).
        for _round in range(4):
            pending = deque(
                sorted(key for key in self.status if key not in self.protected | self._nothing())
            )
            while pending:
                key = pending.popleft()
                if key in self.protected:
                    continue
                corners = self.rectangle(key, used)
                if corners is None:
                    self._withhold_line(key)
                    continue
                used.add(tuple(sorted(k2 for k2, _ in corners)))
                for corner, _ in corners:
                    self.withhold(corner)
                    self.protected.add(corner)
                    self.proven.add(corner)
            if len(self.status) == audited:
                break  # nothing more withheld since the last audit: the same cells are exposed
            audited = len(self.status)
            exposed = self.audit()
            if not exposed:
                return
            self.protected.difference_update(exposed)
        # Still exposed after the audit's rounds (the last audit saw the table as it is): the
        # marks themselves give it away, so the whole table is withheld, zeros included, with
        # no mark that bounds a count.
        self.whole = True
        self.status = {key: Status.SECONDARY for key in self.full}

    def _nothing(self) -> set[Key]:
        """Withheld cells that need no cover: in sums of money, those with no grant (their
        counts are withheld; their sums hide nothing and cover nothing)."""
        if not self.sums:
            return set()
        return {key for key in self.status if self.full[key] == 0}

    def _unproven(self) -> list[Key]:
        nothing = self._nothing()
        return sorted(key for key in self.status if key not in self.proven and key not in nothing)

    def audit(self) -> list[Key]:
        """The withheld cells whose value follows exactly from what is published. A cell
        found not exact is proven for good (withholding more only removes constraints); a
        movable rectangle of withheld cells proves it without linear programming."""
        unproven = [key for key in self._unproven() if not self._moves_within(key)]
        self.proven.update(key for key in self._unproven() if key not in unproven)
        if not unproven:
            return []
        program = _Program(
            self.rows[:-1], self.cols[:-1], self.full, self.status, self.k, zeros=self.sums
        )
        exposed = [key for key in unproven if program.exact(key)]
        self.proven.update(key for key in unproven if key not in exposed)
        return exposed

    def _moves_within(self, key: Key) -> bool:
        """Whether a rectangle of withheld cells through `key` can move by one."""
        r, c = key
        status, step = self.status, self._step
        up0, down0 = step[key]
        for r2 in self.rows:
            if r2 == r or (r2, c) not in status or (self.sums and self.full[(r2, c)] == 0):
                continue
            down1, up1 = step[(r2, c)]
            if not ((up0 and up1) or (down0 and down1)):
                continue
            for c2 in self.cols:
                a, b = (r, c2), (r2, c2)
                if c2 == c or a not in status or b not in status:
                    continue
                if self.sums and (self.full[a] == 0 or self.full[b] == 0):
                    continue
                down2, up2 = step[a]
                up3, down3 = step[b]
                if (up0 and up1 and up2 and up3) or (down0 and down1 and down2 and down3):
                    return True
        return False

    def _withhold_line(self, key: Key) -> None:
        """Last resort for a cell no rectangle can cover: withhold its row and column."""
        r, c = key
        for c2 in self.cols:
            if self.full[(r, c2)] > 0:
                self.withhold((r, c2))
                self.protected.add((r, c2))
        for r2 in self.rows:
            if self.full[(r2, c)] > 0:
                self.withhold((r2, c))
                self.protected.add((r2, c))


class _Program:
    """The linear program of a table as a reader sees it: one variable per withheld cell
    (within what the reader knows of it), one equation per line of the table (every line
    sums to zero in the balanced form). Built once, minimised and maximised per cell."""

    def __init__(
        self,
        rows: list[str],
        cols: list[str],
        full: Mapping[Key, int],
        status: Mapping[Key, Status],
        k: int,
        whole: bool = False,
        zeros: bool = False,
    ) -> None:
        self.full = full
        withheld = sorted(status)
        self.index = {k2: i for i, k2 in enumerate(withheld)}
        self.equations: list[list[float]] = []
        self.targets: list[float] = []
        all_rows, all_cols = [*rows, TOTAL], [*cols, TOTAL]
        lines = [[(r, c) for c in all_cols] for r in all_rows] + [
            [(r, c) for r in all_rows] for c in all_cols
        ]
        for line in lines:
            if not any(k2 in self.index for k2 in line):
                continue
            coefficients = [0.0] * len(withheld)
            known = 0.0
            for k2 in line:
                sign = _sign(k2)
                if k2 in self.index:
                    coefficients[self.index[k2]] += sign
                else:
                    known += sign * full[k2]
            self.equations.append(coefficients)
            self.targets.append(-known)
        least = _least_small(full, status)
        bounds: list[tuple[float, float | None]] = [
            (0, None)
            if whole
            else (0, 0)
            if zeros and full[k2] == 0  # known to be nothing (sums of money)
            else (least[k2], k - 1)
            if status[k2] is Status.PRIMARY
            else (k, None)
            for k2 in withheld
        ]
        self.program = LinearProgram(self.equations, self.targets, bounds)

    def least(self, key: Key) -> float:
        least = self.program.least(self.index[key])
        return float(self.full[key]) if least is None else least

    def most(self, key: Key, least: float) -> float:
        # Infinite where a withheld count can grow without limit: certainly not exact.
        most = self.program.most(self.index[key])
        return least if most is None else most

    def exact(self, key: Key) -> bool:
        """True if the cell's value follows exactly from everything published. The true
        value lies between the least and the greatest: a least clearly below it settles it
        with one program instead of two."""
        least = self.least(key)
        if least < self.full[key] - 0.5:
            return False
        return self.most(key, least) - least < 0.5


def _least_small(full: Mapping[Key, int], status: Mapping[Key, Status]) -> dict[Key, int]:
    """The least a reader knows each "fewer than k" cell to be: 0 where it may be a withheld
    zero (another "fewer than k" shares its row or column; or it is one, withheld because
    another table withholds it), 1 otherwise."""
    small = [key for key, found in status.items() if found is Status.PRIMARY]
    in_row = Counter(r for r, _c in small)
    in_col = Counter(c for _r, c in small)
    return {
        (r, c): 0 if full[(r, c)] == 0 or in_row[r] > 1 or in_col[c] > 1 else 1 for r, c in small
    }


def interval(
    rows: list[str],
    cols: list[str],
    full: Mapping[Key, int],
    status: Mapping[Key, Status],
    k: int,
    key: Key,
    whole: bool = False,
) -> tuple[float, float]:
    """The least and greatest value of withheld cell `key` consistent with the published
    cells, the table's sums and a reader's bounds on each withheld cell (linear programming)."""
    program = _Program(rows, cols, full, status, k, whole)
    least = program.least(key)
    return (least, program.most(key, least))


def _suppress(
    rows: list[str],
    cols: list[str],
    counts: Mapping[Key, int],
    k: int,
    forced: Iterable[Key],
    sums: bool = False,
) -> Protected:
    if k < 3:
        # With k = 2, "fewer than 2" would say the count is exactly 1.
        raise ValueError("the threshold k must be at least 3")
    full = extend(rows, cols, counts)
    suppressor = _Suppressor(rows, cols, full, k, sums)
    suppressor.run(forced)
    cells = {
        key: Cell(Status.PUBLISHED, value)
        if key not in suppressor.status
        else Cell(suppressor.status[key], None)
        for key, value in full.items()
    }
    return Protected(tuple(rows), tuple(cols), cells, suppressor.whole)


def protect(
    rows: Iterable[str], cols: Iterable[str], counts: Mapping[Key, int], k: int
) -> Protected:
    """One table, protected on its own."""
    return _suppress(list(rows), list(cols), counts, k, ())


@dataclass(frozen=True)
class LinkedTable:
    """A table to publish with others. `row_margin`/`col_margin` name what its row and column
    totals count (e.g. "incidents:year"), so that tables sharing one withhold it alike;
    `total` names its grand total ("incidents")."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    counts: Mapping[Key, int]
    total: str
    row_margin: str  # what the totals of its rows (one per row) count
    col_margin: str


def protect_linked(
    tables: Mapping[str, LinkedTable],
    k: int,
    withheld: Mapping[str, Iterable[Key]] | None = None,
    sums: bool = False,
) -> dict[str, Protected]:
    """Tables published together: a total withheld in one is withheld in every table that
    shows it, and each is protected again until no more change. `withheld` names cells of
    each table to withhold from the start (as if their counts were small)."""
    start = {name: list((withheld or {}).get(name, ())) for name in tables}
    forced: dict[str, set[str]] = {}  # margin name -> withheld values ("" = grand total)
    result: dict[str, Protected] = {}
    for _round in range(10):
        result = {}
        for name, table in tables.items():
            keys: list[Key] = [(TOTAL, TOTAL)] if "" in forced.get(table.total, set()) else []
            keys += start[name]
            keys += [(r, TOTAL) for r in forced.get(table.row_margin, set()) if r in table.rows]
            keys += [(TOTAL, c) for c in forced.get(table.col_margin, set()) if c in table.cols]
            result[name] = _suppress(
                list(table.rows), list(table.cols), table.counts, k, keys, sums
            )
        changed = False
        for name, table in tables.items():
            done = result[name]
            found = {
                table.total: {"" for key in [(TOTAL, TOTAL)] if not done.cells[key].published},
                table.row_margin: {r for r in table.rows if not done.cells[(r, TOTAL)].published},
                table.col_margin: {c for c in table.cols if not done.cells[(TOTAL, c)].published},
            }
            for margin, values in found.items():
                if not values <= forced.setdefault(margin, set()):
                    forced[margin] |= values
                    changed = True
        if not changed:
            return result
    return result


# --- Sums: the (n, k)-dominance rule --------------------------------------------------------

DOMINANCE_N = 2  # the largest contributions that together ...
DOMINANCE_K = Decimal("0.85")  # ... may make at most this share of a published sum


def largest(contributions: Iterable[Decimal], n: int = DOMINANCE_N) -> tuple[Decimal, ...]:
    """The n largest contributions, largest first (what the rule reads of a cell: the
    largest of cells put together are among their cells' largest)."""
    return tuple(heapq.nlargest(n, contributions))


def dominated(top: Sequence[Decimal], total: Decimal) -> bool:
    """Whether a sum is sensitive: its DOMINANCE_N largest contributions make more than
    DOMINANCE_K of it. A zero sum is not (it is published as zero, with its count)."""
    if total <= 0:
        return False
    return sum(largest(top), Decimal(0)) > DOMINANCE_K * total


def protect_sums(
    tables: Mapping[str, LinkedTable],
    counts: Mapping[str, Protected],
    sensitive: Mapping[str, Iterable[Key]],
    k: int,
) -> dict[str, Protected]:
    """The pattern of published sums for tables published together, given their protected
    counts and the cells whose sums are sensitive (`dominated`): every cell whose count is
    withheld, and every sensitive one, is withheld, and secondary suppression covers them as
    it covers counts. Contributions are positive, so a rectangle of withheld cells with
    positive counts is one along which their sums can move too."""
    withheld = {
        name: {key for key, cell in counts[name].cells.items() if not cell.published}
        | set(sensitive.get(name, ()))
        for name in tables
    }
    # Zero counts withheld beside small ones sum to nothing: partners must hold grants.
    result = protect_linked(tables, k, withheld, sums=True)
    # A table whose counts are withheld whole has its sums withheld whole too (zeros too).
    return {name: counts[name] if counts[name].whole else found for name, found in result.items()}
