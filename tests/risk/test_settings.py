"""The administrator's settings page: thresholds, review intervals, the pattern window and
the checklist, changed through the real page. The admin sees no case data there."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from aegis.audit.models import AuditEntry
from aegis.risk import configuration, selectors
from aegis.risk.models import Assessment, ChecklistItem, RiskSettings
from aegis.roles import Role

from .conftest import ratings, threat, web

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "moderate_from": "5",
    "high_from": "20",
    "critical_from": "50",
    "review_days_low": "180",
    "review_days_moderate": "90",
    "review_days_high": "30",
    "review_days_critical": "7",
    "pattern_window_days": "30",
    "pattern_min_count": "3",
}


@pytest.fixture
def admin(make_person):
    return web(make_person(Role.ADMIN))


def _text(response) -> str:
    return response.content.decode()


def test_thresholds_changed_by_the_admin_decide_new_levels_only(team, admin):
    reading = {"threats": [threat(3, 3)], "ratings": ratings([3], [3])}  # risk 9
    before = team.assess(**reading)
    assert before.level == "moderate"
    page = admin.get(reverse("risk:settings"))
    assert page.status_code == 200 and 'for="id_high_from"' in _text(page)
    # The window is read in whole months (the incidents' days are sealed): the field says so.
    assert "Read in whole months" in _text(page)
    response = admin.post(
        reverse("risk:settings"), {**DEFAULTS, "moderate_from": "2.5", "high_from": "8.5"}
    )
    assert response.status_code == 302
    settings = RiskSettings.objects.get()
    assert (settings.moderate_from, settings.high_from) == (Decimal("2.5"), Decimal("8.5"))
    after = team.assess(**reading)
    assert after.level == "high"
    assert after.next_review_on - after.assessed_on == datetime.timedelta(days=30)
    assert Assessment.objects.get(pk=before.pk).level == "moderate"  # history unchanged
    assert AuditEntry.objects.filter(object_type="risk_settings", action="record.update").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"high_from": "4"}, "must be above the moderate one"),
        ({"critical_from": "20"}, "must be above the high one"),
        ({"moderate_from": "0"}, "above 0"),
        ({"critical_from": "500"}, "at most 125"),
        ({"moderate_from": "abc"}, "Enter a number"),
        ({"review_days_critical": "60"}, "reviewed sooner"),
        ({"review_days_low": "0"}, "from 1 to 3650"),
        ({"pattern_min_count": "1"}, "from 2 to 1000"),
        ({"pattern_window_days": "\x00"}, "Enter a whole number"),
    ],
)
def test_bad_settings_are_refused_in_plain_words(admin, change, message):
    response = admin.post(reverse("risk:settings"), {**DEFAULTS, **change})
    assert response.status_code == 200
    assert message in _text(response)
    current = selectors.current_settings()
    assert (current.moderate_from, current.high_from, current.critical_from) == (5, 20, 50)
    assert current.review_days_critical == 7 and current.pattern_min_count == 3


def test_every_number_out_of_range_is_marked_at_once(admin):
    """The tester's four mistakes had taken four saves, one message each."""
    bad = {
        "review_days_low": "-5",
        "review_days_critical": "0",
        "pattern_window_days": "0",
        "pattern_min_count": "-1",
    }
    page = _text(admin.post(reverse("risk:settings"), {**DEFAULTS, **bad}))
    assert page.count("Give a whole number from 1 to 3650.") == 2
    assert "Give a whole number from 1 to 365." in page
    assert "Give a whole number from 2 to 1000." in page
    assert page.count('aria-invalid="true"') == 4


def test_the_admin_sees_no_case_data_on_the_settings_pages(team, admin):
    team.assess(threats=[threat(title="Secret threat title")], summary="Secret summary")
    for url in (reverse("risk:settings"), reverse("risk:checklist-new")):
        page = _text(admin.get(url))
        for needle in (team.case.reference, team.case.person.pseudonym, "Secret", "Legal Name"):
            assert needle not in page, (url, needle)


def test_the_admin_edits_the_checklist_and_caseworkers_rate_it(team, admin):
    response = admin.post(
        reverse("risk:checklist-new"),
        {
            "label": "Travels to the mine road weekly",
            "kind": "vulnerability",
            "category": "physical",
            "amplifier": "indigenous",
            "position": "3",
            "active": "on",
        },
    )
    assert response.status_code == 302
    added = ChecklistItem.objects.get(label="Travels to the mine road weekly")
    assert added.amplifier == "indigenous"
    retired = ChecklistItem.objects.filter(kind="capacity").first()
    edit = reverse("risk:checklist-edit", kwargs={"checklist_item_id": retired.pk})
    assert retired.label in _text(admin.get(edit))
    response = admin.post(
        edit,
        {
            "label": retired.label,
            "kind": retired.kind,
            "category": retired.category,
            "amplifier": "",
            "position": "0",
        },  # "active" unticked: retired
    )
    assert response.status_code == 302
    form = _text(
        web(team.worker).get(reverse("risk:new", kwargs={"reference": team.case.reference}))
    )
    assert "Travels to the mine road weekly" in form
    assert f'name="rating_{retired.pk}"' not in form
    assert f'name="rating_{added.pk}"' in form
    bad = admin.post(
        reverse("risk:checklist-new"),
        {"label": "two\nlines", "kind": "capacity", "category": "legal", "position": "0"},
    )
    assert "must fit on one line" in _text(bad)
    assert (
        admin.get(reverse("risk:checklist-edit", kwargs={"checklist_item_id": 999_999})).status_code
        == 404
    )
    assert AuditEntry.objects.filter(object_type="risk_checklist_item").count() == 2


def test_settings_service_refuses_unknown_names():
    with pytest.raises(TypeError):
        configuration.update_settings(actor_id=None, nonsense=1)
