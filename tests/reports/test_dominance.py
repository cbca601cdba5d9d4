"""Property tests of the sums of money (grants): for random sets of grants, no published sum
has a count that is withheld or two grants making more than 85 % of it, and no withheld sum
follows exactly from the published sums and totals (linear programming)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aegis.reports import programmes
from aegis.reports.disclosure import DOMINANCE_K, TOTAL, dominated, largest
from aegis.reports.statistics import UNKNOWN
from aegis.support.selectors import GrantCell

pytestmark = pytest.mark.engine_independent

TYPES = ("digital", "legal", "security")
COUNTRIES = ("CO", "GT", "")


def _cells(grants: list[tuple[str, str, str, int]]) -> list[GrantCell]:
    """As support.selectors.grant_cells groups them."""
    groups: dict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
    for kind, country, month, amount in grants:
        groups[(kind, country, month)].append(Decimal(amount))
    return [
        GrantCell(t, c, m, len(a), sum(a, Decimal(0)), largest(a))
        for (t, c, m), a in sorted(groups.items())
    ]


def _contributions(grants, slug):
    """Every grant's amount under each key of the table, totals included (brute force)."""
    found: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for kind, country, month, amount in grants:
        row = {
            "grants-by-type": kind,
            "grants-by-month": str(int(month[5:])),
            "grants-by-country": country or UNKNOWN,
        }[slug]
        year = month[:4]
        for key in itertools.product((row, TOTAL), (year, TOTAL)):
            found[key].append(Decimal(amount))
    return found


@st.composite
def grant_sets(draw):
    size = draw(st.integers(1, 40))
    # Mostly modest amounts, now and then a large one: the case the rule is for.
    amount = st.one_of(st.integers(100, 1500), st.integers(5000, 40000))
    return [
        (
            draw(st.sampled_from(TYPES)),
            draw(st.sampled_from(COUNTRIES)),
            draw(st.sampled_from(("2025-03", "2025-11", "2026-03", "2026-06"))),
            draw(amount),
        )
        for _ in range(size)
    ]


def _sum_interval(found, slug, key):
    """The least and greatest value of a withheld sum given the published sums of the table
    (its cells and totals), every sum at least zero."""
    from scipy.optimize import linprog

    table = found.sums[slug]
    rows, cols = [*table.rows, TOTAL], [*table.cols, TOTAL]
    withheld = sorted(k for k, c in table.cells.items() if not c.published)
    index = {k: i for i, k in enumerate(withheld)}
    amounts = found.amounts[slug]
    equations, targets = [], []
    lines = [[(r, c) for c in cols[:-1]] + [(r, TOTAL)] for r in rows]
    lines += [[(r, c) for r in rows[:-1]] + [(TOTAL, c)] for c in cols]
    for line in lines:
        parts, total = line[:-1], line[-1]
        coefficients = [0.0] * len(withheld)
        known = 0.0
        for k, sign in [*((p, 1) for p in parts), (total, -1)]:
            if k in index:
                coefficients[index[k]] += sign
            else:
                known += sign * float(amounts[k])
        if any(coefficients):
            equations.append(coefficients)
            targets.append(-known)
    objective = [0.0] * len(withheld)
    objective[index[key]] = 1.0
    bounds = [(0, None)] * len(withheld)
    low = linprog(objective, A_eq=equations, b_eq=targets, bounds=bounds, method="highs")
    high = linprog([-x for x in objective], A_eq=equations, b_eq=targets, bounds=bounds)
    most = float("inf") if high.status == 3 else -high.fun
    return low.fun, most


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grants=grant_sets(), k=st.sampled_from((3, 5)))
def test_no_published_sum_breaks_the_dominance_rule_or_can_be_worked_out(grants, k):
    found = programmes.build(_cells(grants), k, "EUR")
    for spec in programmes.GRANT_TABLES:
        slug = spec.slug
        counts, sums = found.release.table(slug), found.sums[slug]
        contributions = _contributions(grants, slug)
        for key, cell in sums.cells.items():
            every = contributions.get(key, [])
            assert found.amounts[slug][key] == sum(every, Decimal(0))
            status = found.sum_status(slug, key)
            assert (status == "published") == cell.published
            if not cell.published:
                continue
            assert counts.cell(*key).published, (slug, key)
            top_two = sorted(every, reverse=True)[:2]
            assert not every or sum(top_two) <= DOMINANCE_K * sum(every), (slug, key, every)
        for key, cell in sums.cells.items():
            if cell.published or sums.whole or found.amounts[slug][key] == 0:
                continue
            low, high = _sum_interval(found, slug, key)
            assert high - low > 1e-6, (slug, key, "follows exactly from the published sums")


@pytest.mark.parametrize(
    ("amounts", "expected"),
    [
        ([100, 100, 100, 100, 100], False),  # the largest two make 40 %
        ([1000, 10, 10, 10, 10], True),  # one makes 96 %
        ([500, 500, 50, 50, 50], True),  # two make 87 %
        ([500, 300, 100, 100, 100], False),  # two make 73 %
        ([80, 5, 5, 5, 5], False),  # exactly 85 %: not more
        ([80, 6, 5, 5, 4], True),  # 86 %
    ],
)
def test_the_two_largest_grants_may_make_at_most_85_percent(amounts, expected):
    values = [Decimal(a) for a in amounts]
    assert dominated(largest(values), sum(values, Decimal(0))) is expected
    assert not dominated((), Decimal(0))


@pytest.mark.django_db
def test_the_methods_page_states_the_rule(client):
    page = client.get("/public/methods").content.decode()
    assert "(n, k)-dominance rule" in page and "k = 85%" in page
    assert "A grant is counted only if the person it was granted for has agreed" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "A count from 1 to 4 is never"), ("es", "de 1 a 4"), ("ar", "من 1 إلى 4")],
)
def test_the_methods_page_gives_the_smallest_published_count_as_a_number(client, language, words):
    page = client.get("/public/methods", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words in page and "minus one" not in page and "menos uno" not in page
    codebook = client.get("/public/codebook", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "1 to 4" in codebook or "1 a 4" in codebook or "1 إلى 4" in codebook
