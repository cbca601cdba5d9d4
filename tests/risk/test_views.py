"""Risk pages through the real stack: signed-in caseworkers, plain forms, history and the
comparison, the dashboard, and bad input that saves nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from aegis import clock
from aegis.risk.models import Assessment, Threat

from .conftest import capacity_ids, ratings, threat, vulnerability_ids, web

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def form_data(threats=None, rating_values=None, responses=None, **fields) -> dict:
    """The new-assessment form as a browser sends it."""
    threats = (
        threats
        if threats is not None
        else [{"title": "Death threat", "likelihood": "4", "impact": "5"}]
    )
    responses = responses or []
    data = {
        "threat-TOTAL_FORMS": str(max(len(threats), 1)),
        "threat-INITIAL_FORMS": "0",
        "response-TOTAL_FORMS": str(max(len(responses), 1)),
        "response-INITIAL_FORMS": "0",
        "summary": "",
        "acceptable_level": "low",
    }
    for n, row in enumerate(threats):
        data.update({f"threat-{n}-perpetrator_type": "unknown"})
        data.update({f"threat-{n}-{k}": v for k, v in row.items()})
    if not threats:
        data["threat-0-perpetrator_type"] = "unknown"
    for n, row in enumerate(responses):
        data.update({f"response-{n}-{k}": v for k, v in row.items()})
    values = rating_values if rating_values is not None else {"v0": "4", "c0": "2"}
    v_ids, c_ids = vulnerability_ids(), capacity_ids()
    for key, value in values.items():
        item = (v_ids if key[0] == "v" else c_ids)[int(key[1:].split("-")[0])]
        if "-note" in key:
            data[f"note_{item}"] = value
        else:
            data[f"rating_{item}"] = value
    data.update(fields)
    return data


def _new(team):
    return reverse("risk:new", kwargs={"reference": team.case.reference})


def test_the_case_page_and_dashboard_start_empty_with_a_useful_message(team):
    client = web(team.worker)
    page = _text(client.get(reverse("risk:case", kwargs={"reference": team.case.reference})))
    assert "No assessment yet" in page and _new(team) in page
    page = _text(client.get(reverse("risk:dashboard")))
    assert "No risk assessment yet" in page
    assert "Not yet assessed (open cases): 1" in page


def test_assess_through_the_form_and_read_the_parts(team):
    incident = team.record(cases=[team.case], title="Pamphlet at the school")
    client = web(team.worker)
    page = _text(client.get(_new(team)))
    assert 'for="id_threat-0-title"' in page and 'for="id_threat-0-likelihood"' in page
    assert "Devices without encryption or screen lock" in page  # the seeded checklist
    assert "Pamphlet at the school" in page  # a supporting incident to choose
    data = form_data(
        threats=[
            {
                "title": "Death threat",
                "facts": "A pamphlet names her.",
                "perpetrator_type": "paramilitary",
                "perpetrator_identity": "Commander 'El Mono'",
                "likelihood": "4",
                "impact": "5",
                "incidents": [str(incident.pk)],
            },
            {"title": "", "likelihood": "", "impact": ""},  # an empty row is left out
        ],
        rating_values={"v0": "4", "v1": "3", "c0": "2", "c1": "3", "c1-note": "Lawyer on call"},
        responses=[
            {
                "strategy": "reduce",
                "measure": "Reinforce the door",
                "owner": str(team.worker.user.pk),
                "due_on": "",
            }
        ],
        acceptable_level="moderate",
    )
    response = client.post(_new(team), data)
    assert response.status_code == 302, _text(response)[:3000]
    assessment = Assessment.objects.get()
    assert response["Location"] == reverse(
        "risk:detail", kwargs={"reference": team.case.reference, "number": 1}
    )
    assert Threat.objects.count() == 1
    page = _text(client.get(response["Location"]))
    assert "Risk level: High" in page
    assert "20.00 × 3.50 / 2.50 = 28.00" in page
    assert "Commander &#x27;El Mono&#x27;" in page and "Lawyer on call" in page
    assert incident.reference in page
    assert "The risk is above it." in page
    assert assessment.next_review_on - assessment.assessed_on == datetime.timedelta(days=30)
    assert "Next review:" in page


def test_one_more_row_without_javascript_saves_nothing(team):
    client = web(team.worker)
    data = form_data(threats=[{"title": "Kept while adding", "likelihood": "2", "impact": "2"}])
    data["more_threats"] = "1"
    page = _text(client.post(_new(team), data))
    assert 'name="threat-1-title"' in page and "Kept while adding" in page
    data = form_data()
    data["more_responses"] = "1"
    page = _text(client.post(_new(team), data))
    assert 'name="response-1-strategy"' in page
    assert Assessment.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"threat-0-likelihood": ""}, "Threat 1, likelihood: A rating is missing"),
        ({"threat-0-title": ""}, "give the threat a short title"),
        ({"threat-0-likelihood": "7"}, "Select a valid choice"),
        ({"threat-0-impact": "0"}, "Select a valid choice"),
        ({"threat-0-facts": "x" * 1_000_000}, "at most 20000 characters"),
        ({"threat-0-perpetrator_identity": "nul\x00"}, "Null characters are not allowed"),
        ({"summary": "\x00"}, "Null characters are not allowed"),
        ({"threat-0-title": "bell\x07"}, "control characters"),
        ({"acceptable_level": "extreme"}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_error_and_saves_nothing(team, change, message):
    data = form_data()
    data.update(change)
    response = web(team.worker).post(_new(team), data)
    assert response.status_code == 200
    assert message in _text(response)
    assert Assessment.objects.count() == 0


def test_missing_and_out_of_scale_checklist_ratings(team):
    client = web(team.worker)
    item = vulnerability_ids()[3]
    for values, message in [
        ({"v0": "4", "v3-note": "noted, not rated"}, "A rating is missing"),
        ({"v0": "9"}, "Select a valid choice"),
        ({"c0": "3"}, "Rate at least one vulnerability"),
    ]:
        page = _text(client.post(_new(team), form_data(rating_values=values)))
        assert message in page, message
    assert f'id="id_rating_{item}"' in page
    assert Assessment.objects.count() == 0


def test_history_is_read_only_and_the_comparison_shows_the_rise(team):
    team.assess(threats=[threat(2, 2)], ratings=ratings([2], [4]))
    team.assess(threats=[threat(5, 4)], ratings=ratings([4], [2]))
    client = web(team.worker)
    kwargs = {"reference": team.case.reference}
    first = _text(client.get(reverse("risk:detail", kwargs={**kwargs, "number": 1})))
    assert "superseded by a later assessment (read only)" in first
    assert "Reassess" not in first
    second = _text(client.get(reverse("risk:detail", kwargs={**kwargs, "number": 2})))
    assert "Reassess" in second and "Compare with the previous assessment" in second
    page = _text(client.get(reverse("risk:compare", kwargs=kwargs)))
    assert "The level rose." in page
    assert "Assessment 1 and assessment 2" in page
    assert "<td>Low</td><td>High</td>" in page
    reverse_order = _text(
        client.get(reverse("risk:compare", kwargs=kwargs), {"earlier": 2, "later": 1})
    )
    assert "The level rose." in reverse_order  # the earlier one is always on the left
    single = _text(client.get(reverse("risk:compare", kwargs=kwargs), {"earlier": 2, "later": 2}))
    # One assessment with itself: the case has two, so it is asked to choose two (it had said
    # there was nothing to compare, "a case needs two assessments").
    assert "Choose two different assessments" in single and "nothing to compare" not in single
    # A digit int() refuses is no number: the default comparison, not a 500.
    odd = client.get(reverse("risk:compare", kwargs=kwargs), {"earlier": "²", "later": "¹"})
    assert odd.status_code == 200 and "The level rose." in _text(odd)


def test_the_dashboard_shows_levels_due_reviews_rises_and_findings(team, make_case):
    other = make_case(team.compartment, team.worker)
    now = datetime.datetime(2024, 7, 1, 12, tzinfo=datetime.UTC)
    with clock.frozen(now - datetime.timedelta(days=200)):
        team.assess(case=other, threats=[threat(1, 2)], ratings=ratings([2], [4]))  # low, overdue
    with clock.frozen(now - datetime.timedelta(days=10)):
        team.assess(threats=[threat(2, 2)], ratings=ratings([2], [4]))
    with clock.frozen(now):
        team.assess(threats=[threat(1, 1)], ratings=ratings([1], [5]), imminent=True)
        for n in range(3):
            team.record(
                date_start=now.date() - datetime.timedelta(days=n),
                country="CO",
                region="CO-ANT",
                cases=[team.case],
            )
        page = _text(web(team.worker).get(reverse("risk:dashboard")))
        filtered = _text(web(team.worker).get(reverse("risk:dashboard"), {"level": "critical"}))
    assert "Critical</a>: 1" in page and "Low</a>: 1" in page
    assert "imminent attack" in page
    assert "review date reached" in page  # the other case
    assert "new incident since the assessment" in page  # three incidents after it
    assert "from Low to Critical" in page
    assert "3 incidents against Defender" in page
    assert "3 incidents in Antioquia, Colombia since June 2024" in page
    assert (
        team.case.reference in filtered and other.reference not in filtered.split("Reviews due")[0]
    )


def test_findings_appear_on_the_assessment_pages(team):
    assessment = team.assess()
    for n in range(3):
        team.record(
            date_start=datetime.date.today() - datetime.timedelta(days=n),
            country="CO",
            region="CO-ANT",
            victims=[team.case.person],
        )
    client = web(team.worker)
    kwargs = {"reference": team.case.reference}
    detail = _text(
        client.get(reverse("risk:detail", kwargs={**kwargs, "number": assessment.number}))
    )
    assert "3 incidents against Defender" in detail
    assert "defenders of “Land and environment” in Antioquia" in detail
    assert "Due now" in detail  # the incidents came after the assessment
    case_page = _text(client.get(reverse("risk:case", kwargs=kwargs)))
    assert "3 new incidents since the assessment" in case_page


def test_the_incidents_to_choose_are_newest_day_first(team):
    """The days are sealed and the columns hold months: the choices, opened for their titles,
    are sorted by their days, the later day first whichever was recorded first."""
    team.record(title="Late in March", date_start=datetime.date(2024, 3, 28))
    team.record(title="Early in March", date_start=datetime.date(2024, 3, 2))
    page = _text(web(team.worker).get(_new(team)))
    assert "2024-03-28" in page and "2024-03-02" in page
    assert page.index("Late in March") < page.index("Early in March")
