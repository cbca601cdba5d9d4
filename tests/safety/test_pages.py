"""The safety plan pages: the plan, a new version through the edit page (without
JavaScript: fixed contact rows), the versions, an earlier version, the printable page in the
plan's language, and the defender's own page."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest
from django.urls import reverse

from aegis.audit.models import AuditEntry
from aegis.safety.demo import draft as demo_draft
from aegis.safety.demo_plans import SIDRA_PLAN
from aegis.safety.models import PlanVersion, SafetyPlan

from .conftest import client, form_data, full_draft, small_draft

pytestmark = pytest.mark.django_db


def url(name, person=None, **kwargs):
    if person is not None:
        kwargs["person_id"] = person.pk
    return reverse(f"safety:{name}", kwargs=kwargs or None)


def test_a_person_without_a_plan_gets_a_useful_empty_state(team):
    page = client(team.lucia).get(url("plan", team.person)).content.decode()
    assert "has no safety plan yet" in page
    assert url("edit", team.person) in page
    assert url("print", team.person) not in page


def test_the_edit_page_works_without_javascript_and_saves_versions(team):
    web = client(team.lucia)
    page = web.get(url("edit", team.person)).content.decode()
    assert "<script" not in page
    for n in range(5):  # fixed rows, no "add another" button needed
        assert f'name="contact-{n}-name"' in page
    assert 'name="contact-5-name"' not in page
    for kind in ("arrest", "raid", "abduction", "online_attack", "travel", "family_threatened"):
        assert f'name="scenario-{kind}-steps"' in page
    response = web.post(url("edit", team.person), form_data(full_draft()))
    assert response.status_code == 302 and response["Location"] == url("plan", team.person)
    page = web.get(url("plan", team.person)).content.decode()
    assert "Version 1 of the safety plan is saved." in page
    assert "Advocate Fatma Said" in page and "desk.demo@example.org" in page
    assert "Parish hall of St Anne&#x27;s" in page
    assert "Check in every 24 hours." in page
    assert "Quiet hours: 23:00 to 05:30, in the time zone UTC." in page
    assert "Show the duress word" in page and "mango season" in page
    assert url("print", team.person) in page and url("versions", team.person) in page

    # The edit page starts from the current version; changing one contact saves version 2.
    page = web.get(url("edit", team.person)).content.decode()
    assert 'value="Achieng Otieno"' in page
    assert 'name="duress_word"' in page and "mango season" not in page
    data = form_data(full_draft())
    data["duress_word"] = ""  # keep the word
    data["contact-0-name"] = "Achieng A. Otieno"
    assert web.post(url("edit", team.person), data).status_code == 302
    assert PlanVersion.objects.count() == 2

    versions = web.get(url("versions", team.person)).content.decode()
    assert versions.count("lucia") >= 2
    assert url("version", team.person, plan_version=1) in versions
    old = web.get(url("version", team.person, plan_version=1)).content.decode()
    assert "an earlier version kept for the record" in old
    assert "Achieng Otieno" in old and "Achieng A. Otieno" not in old
    assert url("edit", team.person) not in old
    current = web.get(url("plan", team.person)).content.decode()
    assert "Achieng A. Otieno" in current and "mango season" in current


def test_a_colleague_s_later_save_is_not_undone_without_a_word(team):
    """Two people opened the editor on version 1; the first added a check-in and a contact,
    the second (a stale page) changed the safe places alone: the second save had written
    version 3 without the first's contact. It is refused, with what was typed kept; saved
    again from the page drawn then, it is taken."""
    lucia, karim = client(team.lucia), client(team.karim)
    assert (
        lucia.post(url("edit", team.person), {**form_data(small_draft()), "seen": "0"}).status_code
        == 302
    )
    stale = {**form_data(small_draft(safe_places="The convent")), "seen": "1"}
    first = {**form_data(small_draft(contacts=[])), "seen": "1"}
    first["contact-0-name"], first["contact-0-phone"] = "Ana Tab A", "+57 310 555 0142"
    assert lucia.post(url("edit", team.person), first).status_code == 302
    refused = karim.post(url("edit", team.person), stale)
    page = refused.content.decode()
    assert refused.status_code == 422
    assert "A colleague saved version 2 of this plan since you opened it" in page
    assert "The convent" in page and 'name="seen" value="2"' in page
    assert PlanVersion.objects.count() == 2
    assert karim.post(url("edit", team.person), {**stale, "seen": "2"}).status_code == 302
    assert PlanVersion.objects.count() == 3
    # A page without the field (a script, an older page) is taken as before.
    assert karim.post(url("edit", team.person), form_data(small_draft())).status_code == 302


def test_form_errors_are_shown_by_the_field_and_nothing_is_saved(team):
    web = client(team.lucia)
    data = form_data(small_draft())
    data["contact-1-email"] = "not-an-address"
    data["contact-2-name"] = "Ana"  # no way to reach her
    data["quiet_from"] = "22:00"
    response = web.post(url("edit", team.person), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Nothing was saved yet" in page
    assert "Give at least one way to reach this contact" in page
    assert "Give both the start and the end of the quiet hours." in page
    assert 'value="Achieng Otieno"' in page  # what was typed is kept
    assert SafetyPlan.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("safe_places", "x" * (1024 * 1024), "at most 1200 characters"),
        ("scenario-raid-steps", "x" * (1024 * 1024), "at most 1200 characters"),
        ("contact-0-name", "x" * (1024 * 1024), "at most 120 characters"),
        ("safe_places", "Parish\x00hall", "Null characters are not allowed."),
        ("contact-0-phone", "+57\x00300", "Null characters are not allowed."),
        ("duress_word", "mango\x00", "Null characters are not allowed."),
        ("scenario-arrest-steps", "photo\u202egpj.exe", "hidden or control characters"),
    ],
)
def test_bad_input_through_the_form(team, field, value, message):
    data = form_data(small_draft())
    data[field] = value
    response = client(team.lucia).post(url("edit", team.person), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert PlanVersion.objects.count() == 0


def test_extra_contact_rows_cannot_be_smuggled_in(team):
    data = form_data(full_draft())
    data["contact-5-name"] = "Sixth"
    data["contact-5-phone"] = "+57 300 555 0101"
    assert client(team.lucia).post(url("edit", team.person), data).status_code == 302
    assert PlanVersion.objects.get().contacts.count() == 5


def test_the_printable_page_in_english(team):
    team.save(full_draft())
    response = client(team.lucia).get(url("print", team.person))
    page = response.content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert re.search(r'<link rel="stylesheet" href="/static/safety/print\.css\?v=\w+">', page)
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert "<h1>Safety plan</h1>" in page
    assert "Advocate Fatma Said" in page and "Arrest or detention" in page
    # Nothing says there is a duress word: the page may be made to be shown.
    assert "duress" not in page.lower() and "mango" not in page.lower()
    assert AuditEntry.objects.filter(action="export", object_type="safety-plan").count() == 1


def test_the_printable_page_follows_the_plan_language_not_the_reader(team):
    team.save(demo_draft(SIDRA_PLAN))
    web = client(team.lucia)
    page = web.get(url("print", team.person)).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "<h1>خطة السلامة</h1>" in page
    assert "الأستاذ كريم الحداد" in page and "جهات الاتصال في حالات الطوارئ" in page
    assert "الاعتقال أو الاحتجاز" in page  # the scenario's kind, translated
    assert "ياسمين" not in page  # never the duress word
    # The staff page around it stays in the reader's language.
    assert '<html lang="en" dir="ltr">' in web.get(url("plan", team.person)).content.decode()


def test_the_stylesheet_is_a_compact_a4_page():
    from django.contrib.staticfiles import finders

    css = Path(finders.find("safety/print.css")).read_text()
    assert "@page" in css and "size: A4" in css
    assert "@media print" in css


def test_quiet_hours_name_the_time_zone_they_are_read_in(team, settings):
    """The alert worker reads quiet hours in the instance's time zone: every page that shows
    them, and the edit page that takes them, names it, as the check-in page does its times;
    the hours had been shown without a zone."""
    settings.TIME_ZONE = "America/Bogota"
    team.save(full_draft(quiet_from=time(22, 0), quiet_until=time(6, 0)))
    said = "Quiet hours: 22:00 to 06:00, in the time zone America/Bogota."
    staff = client(team.lucia)
    assert said in staff.get(url("plan", team.person)).content.decode()
    assert said in staff.get(url("print", team.person)).content.decode()
    defender = client(team.rosa)
    assert said in defender.get(url("mine")).content.decode()
    assert said in defender.get(url("mine-print")).content.decode()
    edit = staff.get(url("edit", team.person)).content.decode()
    assert "In the time zone America/Bogota, in which the alert system reads them." in edit
    # In the reader's language too.
    staff.cookies["django_language"] = "es"
    page = staff.get(url("plan", team.person)).content.decode()
    assert "de 22:00 a 06:00, en la zona horaria America/Bogota." in page


def test_the_defender_sees_her_own_plan_without_the_duress_word(team):
    team.save(full_draft(quiet_from=time(22, 0), quiet_until=time(6, 0)))
    web = client(team.rosa)
    page = web.get(url("mine")).content.decode()
    assert "My safety plan" in page and "Achieng Otieno" in page
    assert url("mine-print") in page
    assert "mango" not in page.lower() and "Show the duress word" not in page
    printed = web.get(url("mine-print")).content.decode()
    assert "<h1>Safety plan</h1>" in printed and "Advocate Fatma Said" in printed


def test_defender_empty_states(team, make_case):
    web = client(team.rosa)
    assert "You have no safety plan yet." in web.get(url("mine")).content.decode()
    assert web.get(url("mine-print")).status_code == 404
    other = client(team.tomas)
    assert "not linked to a defender" in other.get(url("mine")).content.decode()
    assert other.get(url("mine-print")).status_code == 404


def test_a_plan_saved_before_the_account_was_linked_says_so(team, make_case):
    from aegis.safety import services
    from aegis.vault.keychain import unlocked

    person = make_case(team.compartment, team.lucia).person
    with unlocked(team.lucia.keychain()):
        services.save_plan(person, small_draft(), actor_id=None)
    person.account = team.tomas.user
    person.save(update_fields=["account"])
    web = client(team.tomas)
    page = web.get(url("mine")).content.decode()
    assert "not yet shared with this account" in page and "Achieng" not in page
    assert web.get(url("mine-print")).status_code == 404
