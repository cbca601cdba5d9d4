"""Property tests of the disclosure control: for random tables, nothing from 1 to k-1 is
published, and no withheld cell can be worked out exactly from what is published (checked by
linear programming, and by brute force on the smallest tables)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aegis.reports.disclosure import (
    TOTAL,
    LinkedTable,
    Status,
    extend,
    interval,
    protect,
    protect_linked,
)

# Computed in Python from files and arrays: no database engine changes the result.
pytestmark = pytest.mark.engine_independent

K = 5


@st.composite
def tables(draw, max_rows=5, max_cols=5, max_value=12):
    n_rows = draw(st.integers(1, max_rows))
    n_cols = draw(st.integers(1, max_cols))
    rows = [f"r{i}" for i in range(n_rows)]
    cols = [f"c{j}" for j in range(n_cols)]
    # Small counts are common in real tables of a small organisation: weigh them.
    value = st.one_of(st.integers(0, 6), st.integers(0, max_value))
    counts = {(r, c): draw(value) for r in rows for c in cols}
    return rows, cols, counts


def _status(protected):
    return {key: cell.status for key, cell in protected.cells.items() if not cell.published}


def _assert_safe(rows, cols, counts, protected, k=K):
    full = extend(rows, cols, counts)
    withheld = _status(protected)
    for key, cell in protected.cells.items():
        if cell.published:
            assert cell.value == full[key]
            assert not 0 < cell.value < k, f"{key} published as {cell.value}"
        elif protected.whole:
            assert cell.status is Status.SECONDARY  # no mark that bounds a count
        else:
            assert full[key] > 0, "a zero is published as zero"
            assert (cell.status is Status.PRIMARY) == (full[key] < k)
    for key in withheld:
        low, high = interval(rows, cols, full, withheld, k, key, protected.whole)
        assert low <= full[key] <= high
        assert high - low >= 1 - 1e-6, f"{key}={full[key]} is exactly {low} from the margins"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_small_count_is_published_and_none_can_be_solved(table):
    rows, cols, counts = table
    _assert_safe(rows, cols, counts, protect(rows, cols, counts, K))


@settings(max_examples=40, deadline=None)
@given(tables(max_rows=2, max_cols=2, max_value=6))
def test_exhaustive_bounds_on_small_tables(table):
    """Brute force, independent of the linear program: every table of counts that agrees with
    what is published and with the "fewer than k" / "withheld" marks; each withheld cell must
    take at least two values across them."""
    rows, cols, counts = table
    protected = protect(rows, cols, counts, K)
    interior = [(r, c) for r in rows for c in cols]
    seen: dict = {key: set() for key, cell in protected.cells.items() if not cell.published}
    top = max(extend(rows, cols, counts).values()) + 3
    for values in itertools.product(range(top), repeat=len(interior)):
        candidate = extend(rows, cols, dict(zip(interior, values, strict=True)))
        if all(
            _agrees(candidate[key], cell, protected.whole) for key, cell in protected.cells.items()
        ):
            for key in seen:
                seen[key].add(candidate[key])
    for key, values in seen.items():
        assert len(values) >= 2, f"{key} is exactly {values} in {counts}"


def _agrees(value, cell, whole=False):
    if whole:
        return True
    if cell.status is Status.PUBLISHED:
        return value == cell.value
    if cell.status is Status.PRIMARY:
        return 1 <= value < K
    return value >= K


def test_zero_is_published_and_small_counts_are_not():
    protected = protect(
        ["a", "b"], ["x", "y"], {("a", "x"): 0, ("a", "y"): 3, ("b", "x"): 9, ("b", "y"): 20}, K
    )
    assert protected.cell("a", "x").value == 0
    assert protected.cell("a", "y").status is Status.PRIMARY
    # a's total (3) is small too; the rest of the rectangle is withheld as its partner.
    assert not protected.cell("a", TOTAL).published


def test_a_table_the_marks_alone_would_give_away_is_withheld_whole():
    rows = ["a", "b", "c", "d"]
    protected = protect(rows, ["x"], {(r, "x"): 1 for r in rows}, K)
    assert protected.whole
    assert {cell.status for cell in protected.cells.values()} == {Status.SECONDARY}


def test_a_threshold_below_three_is_refused():
    with pytest.raises(ValueError):
        protect(["a"], ["x"], {("a", "x"): 1}, 2)


@settings(max_examples=40, deadline=None)
@given(tables(max_rows=4, max_cols=3), st.lists(st.integers(0, 12), min_size=4, max_size=4))
def test_linked_tables_withhold_a_shared_total_alike(table, other):
    rows, cols, counts = table
    # A second table over the same rows (same unit and row variable), another column variable.
    second = {(r, "z"): other[i % 4] for i, r in enumerate(rows)}
    second.update({(r, "w"): counts[(r, cols[0])] for r in rows})
    # Make the row totals agree, as they do when both tables count the same things.
    for r in rows:
        total = sum(counts[(r, c)] for c in cols)
        second[(r, "w")] = total
        second[(r, "z")] = 0
    linked = protect_linked(
        {
            "one": LinkedTable(tuple(rows), tuple(cols), counts, "u", "u:row", "u:a"),
            "two": LinkedTable(tuple(rows), ("w", "z"), second, "u", "u:row", "u:b"),
        },
        K,
    )
    for r in [*rows, TOTAL]:
        assert linked["one"].cell(r, TOTAL) == linked["two"].cell(r, TOTAL)
    _assert_safe(rows, cols, counts, linked["one"])
    _assert_safe(rows, ["w", "z"], second, linked["two"])


@settings(max_examples=30, deadline=None)
@given(tables(max_rows=4, max_cols=4))
def test_the_direct_solver_agrees_with_linprog(table):
    """The audit passes its programs to HiGHS directly; scipy's linprog, the fallback where
    that is missing, gives the same least and greatest value for every withheld cell."""
    from aegis.reports.disclosure import _Program
    from aegis.reports.lp import LinearProgram

    rows, cols, counts = table
    protected = protect(rows, cols, counts, K)
    withheld = _status(protected)
    if not withheld:
        return
    program = _Program(rows, cols, extend(rows, cols, counts), withheld, K, protected.whole)
    fallback = LinearProgram(program.equations, program.targets, program.program.bounds, False)
    assert program.program._model is not None  # the direct path is the one in use here
    for i in program.index.values():
        assert program.program.least(i) == pytest.approx(fallback.least(i))
        assert program.program.most(i) == pytest.approx(fallback.most(i))
