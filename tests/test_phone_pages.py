"""The defender's pages as read on a phone: what must come first, what must not break, and
what the stylesheets promise a narrow screen (the browser checks are in
tests/test_browser_narrow.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

import aegis
from aegis.accounts.forms import ApiTokenForm
from aegis.areas import areas_for
from aegis.roles import Role
from aegis.safety import services as safety
from aegis.safety.demo import draft
from aegis.safety.demo_plans import CEIBA_V2
from aegis.safety.templatetags.phone_links import tel_uri
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

CSS = Path(aegis.__file__).parent / "static" / "aegis" / "aegis.css"
HELP_LINK = re.compile(r'<header class="top">.*?<a class="help-now" href="([^"]+)"', re.S)


def test_a_defender_has_the_alarm_in_the_header_of_every_page_and_first_in_the_menu(signed_in):
    client, person = signed_in(Role.DEFENDER)
    for name in ("dashboard", "accounts:tokens", "accounts:password"):
        page = client.get(reverse(name)).content.decode()
        found = HELP_LINK.search(page)
        assert found and found.group(1) == reverse("alerts:panic"), name
    titles = [str(area.title) for area in areas_for(person.user)]
    assert titles[0] == "Ask for help now"
    assert titles.index("My protection") < titles.index("API tokens")
    assert titles.index("Check in") < titles.index("API tokens")


def test_staff_have_no_alarm_in_the_header(signed_in):
    client, _person = signed_in(Role.CASEWORKER)
    assert 'class="help-now"' not in client.get(reverse("dashboard")).content.decode()


@pytest.fixture
def defender_with_plan(make_person, make_compartment, make_case):
    """A defender signed in, with the demo's plan of Ceiba (Colombian numbers, Signal)."""
    lucia = make_person(Role.CASEWORKER)
    ceiba = make_person(Role.DEFENDER)
    person = make_case(make_compartment(lucia), lucia).person
    person.account = ceiba.user
    person.save(update_fields=["account"])
    with unlocked(lucia.keychain()):
        safety.save_plan(person, draft(CEIBA_V2), actor_id=lucia.user.pk)
    return sign_in(Client(), ceiba)


def test_phone_numbers_on_my_protection_are_tel_links_kept_on_one_line(defender_with_plan):
    page = defender_with_plan.get(reverse("safety:mine")).content.decode()
    link = '<a class="nowrap" href="tel:+573115550101"><bdi dir="ltr">+57 311 555 0101</bdi></a>'
    assert link in page
    assert '<bdi class="nowrap" dir="ltr">+57 300 555 0190</bdi>' in page  # Signal
    assert ".nowrap{white-space:nowrap}" in CSS.read_text()


@pytest.mark.parametrize(
    ("value", "uri"),
    [
        ("+57 311 555 0101", "tel:+573115550101"),
        ("0044 (20) 7946-0018", "tel:+442079460018"),
        ("311 555 0101", "tel:3115550101"),
        ("ask at the bakery", ""),
        ("@ana.42", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_only_a_number_becomes_a_tel_link(value, uri):
    assert tel_uri(value) == uri


def test_a_contacts_label_keeps_the_pages_direction_whatever_the_value(defender_with_plan):
    """On a phone each cell shows its column's name before the value (data-label): a cell
    set to dir="auto" turned left to right for a Latin value, and put the Arabic name on the
    wrong side. Only the value takes its own direction."""
    defender_with_plan.cookies["django_language"] = "ar"
    page = defender_with_plan.get(reverse("safety:mine")).content.decode()
    assert 'dir="rtl"' in page
    assert "<bdi>Ana Lucía Restrepo</bdi>" in page and "<bdi>Hermana</bdi>" in page
    assert not re.search(r"<td data-label=[^>]*dir=", page)


def test_no_template_sets_a_stacked_cells_direction_from_its_value():
    """The same for every stacked table (the monitoring lists, the printable plan): the value
    sits in <bdi>, never dir="auto" on the labelled cell itself."""
    templates = Path(aegis.__file__).parent.rglob("*.html")
    wrong = [
        str(t) for t in templates if re.search(r"<td data-label=[^>]*dir=", t.read_text("utf-8"))
    ]
    assert wrong == []


def test_check_in_times_say_their_time_zone(defender_with_plan, settings):
    """A defender who travels, or whose phone is set to another zone, reads the zone the
    times are in (the instance's) beside each of them."""
    settings.TIME_ZONE = "America/Bogota"
    client = defender_with_plan
    client.post(reverse("alerts:checkin"), {"word": ""})
    page = client.get(reverse("alerts:checkin")).content.decode()
    assert page.count('</time> <bdi class="zone">America/Bogota</bdi>') == 2  # last, next
    assert re.search(r"after it is due \(\d[^)]* America/Bogota\)", page)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert re.search(r"Your next check-in: [^<]+ America/Bogota<", dashboard)


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("ar", '<label for="id_label">ما الغرض من رمز الوصول هذا؟</label>'),
        ("en", '<label for="id_label">What is this token for?</label>'),
    ],
)
def test_a_label_ending_in_a_question_mark_gets_no_colon(language, label):
    """Django adds ":" after a label unless it ends in one of the characters of the message
    ":?.!": the Arabic question mark is one of them in Arabic ("؟:" had been shown)."""
    with translation.override(language):
        assert str(ApiTokenForm()["label"].label_tag()) == label


def test_the_codebooks_table_scrolls_in_a_box_a_keyboard_reaches_and_a_reader_names(client):
    page = client.get(reverse("reports:codebook")).content.decode()
    assert re.search(
        r'<div class="wide" tabindex="0" role="region" aria-labelledby="(tables-caption)">'
        r'<table><caption id="\1">',
        page,
    )
    # On a narrow screen the table scrolls with its box, not as a second box inside it.
    assert ".wide>table{display:table" in CSS.read_text()
