"""Bad input gets a clear message in plain words, and nothing is stored."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from aegis.audit.models import AuditEntry
from aegis.cases.models import (
    Case,
    CaseNote,
    CaseStatusChange,
    CaseTask,
    Compartment,
    ConsentRecord,
    Person,
)
from aegis.cases.services import check_text
from aegis.rules import RuleError
from aegis.vault.models import DataKey

from .conftest import api_client, client
from .test_pages import open_case_form

pytestmark = pytest.mark.django_db

MEGABYTE = "x" * (1024 * 1024)


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            Case,
            Person,
            CaseNote,
            CaseTask,
            CaseStatusChange,
            ConsentRecord,
            DataKey,
            Compartment,
            AuditEntry,
        )
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


BAD_CASES = [
    ({"summary": ""}, "This field is required."),
    ({"summary": "   "}, "This field is required."),
    ({"summary": MEGABYTE}, "Ensure this value has at most 20000 characters (it has 1048576)."),
    ({"summary": "Threats\x00"}, "Null characters are not allowed."),
    ({"person-legal_name": "Ana\x00Pérez"}, "Null characters are not allowed."),
    ({"person-contact_channels": MEGABYTE}, "Ensure this value has at most 20000 characters"),
    ({"person-pseudonym": ""}, "Give a pseudonym: lists show it instead of the name."),
    ({"person-legal_name": "\u202eanA"}, "right-to-left override"),
    # A name is one line: a line break would forge another line of the page or an export.
    ({"person-legal_name": "Ana Pérez\nRisk: low"}, "This must fit on one line."),
    ({"person-pseudonym": "Ana\u2028P"}, "This must fit on one line."),
    ({"subject_kind": "group", "subject_name": "Red\r\nNorte"}, "This must fit on one line."),
    ({"person-phone": "+57\x07310"}, "control characters"),
    ({"person-region": "GT-14"}, "GT-14 is not a region of Colombia. Choose one from the list."),
    ({"person-country": "", "person-region": "CO-ANT"}, "Choose the country of this region first."),
    ({"region": "KE-28", "country": "CO"}, "KE-28 is not a region of Colombia."),
    ({"person-country": "ZZ"}, "Select a valid choice. ZZ is not one of the available choices."),
    ({"person-languages": "es, klingon"}, "Unknown language code: klingon."),
    ({"person-email": "not an address"}, "Enter a valid email address."),
    ({"person-gender": "robot"}, "Select a valid choice."),
    ({"subject_kind": "group", "subject_name": ""}, "Give the name of the group or organisation."),
    ({"compartment": "999999"}, "Select a valid choice."),
]


@pytest.mark.parametrize(("change", "message"), BAD_CASES, ids=lambda v: str(v)[:40])
def test_opening_a_case_with_bad_input(team, change, message):
    lucia = client(team.lucia)
    before = counts()
    response = lucia.post(reverse("cases:new"), open_case_form(team, **change))
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert "The case is not opened yet: please correct the marked fields." in page
    assert counts() == before


def test_a_person_from_another_compartment_is_refused(team, make_compartment):
    second = make_compartment(team.lucia, name="Second")
    lucia = client(team.lucia)
    before = counts()
    response = lucia.post(
        reverse("cases:new"), open_case_form(team, compartment=second.pk, person=team.person.pk)
    )
    assert "This person is in another compartment." in text(response)
    assert counts() == before


BAD_NOTES = [
    ({"body": ""}, "This field is required."),
    ({"body": MEGABYTE}, "Ensure this value has at most 20000 characters"),
    ({"body": "a\x00b"}, "Null characters are not allowed."),
]


@pytest.mark.parametrize(("data", "message"), BAD_NOTES, ids=["empty", "1 MB", "null"])
def test_bad_notes_tasks_and_reasons(team, data, message):
    lucia = client(team.lucia)
    ref = {"reference": team.case.reference}
    before = counts()
    for name, field, extra in (
        ("cases:note-add", "body", {}),
        ("cases:task-add", "title", {}),
        ("cases:status", "reason", {"to_status": "active"}),
    ):
        response = lucia.post(reverse(name, kwargs=ref), {field: data["body"], **extra})
        assert response.status_code == 200, name
        page = text(response)
        assert message.replace("20000", "500" if field == "title" else "20000") in page, name
        assert "Nothing is saved yet" in page
    assert counts() == before


def test_a_bad_due_date_is_explained(team):
    lucia = client(team.lucia)
    response = lucia.post(
        reverse("cases:task-add", kwargs={"reference": team.case.reference}),
        {"title": "Call", "due_on": "next tuesday"},
    )
    assert "Enter a valid date." in text(response)
    assert CaseTask.objects.count() == 1


def test_bad_edits_change_nothing(team):
    lucia = client(team.lucia)
    url = reverse("cases:person-edit", kwargs={"person_id": team.person.pk})
    before = Person.objects.values().get(pk=team.person.pk)
    response = lucia.post(
        url,
        {
            "pseudonym": "Renamed",
            "legal_name": "Ana\x00",
            "gender": "woman",
            "age_group": "30_44",
            "sector": "labour",
            "country": "CO",
            "region": "MX-GRO",
        },
    )
    page = text(response)
    assert "Null characters are not allowed." in page
    assert "MX-GRO is not a region of Colombia." in page
    assert Person.objects.values().get(pk=team.person.pk) == before


def test_bad_consent_and_compartment_input(team):
    karim = client(team.karim)
    response = karim.post(
        reverse("cases:consent-add", kwargs={"person_id": team.person.pk}),
        {"scope": "share_partner", "note": MEGABYTE},
    )
    assert response.status_code == 400
    assert "The consent is not recorded yet" in text(response)
    assert ConsentRecord.objects.count() == 1
    response = karim.post(reverse("cases:compartments"), {"name": "", "description": "x"})
    assert "This field is required." in text(response)
    response = karim.post(reverse("cases:compartments"), {"name": "Andes"})
    assert "A compartment with this name exists already." in text(response)
    assert Compartment.objects.count() == 2


def test_the_api_rejects_bad_input_with_clear_messages(team):
    api = api_client(team.lucia)
    before = counts()

    def post(url, body):
        return api.post(url, data=json.dumps(body), content_type="application/json")

    response = post(
        "/api/v1/cases/",
        {"compartment_id": team.compartment.pk, "subject_kind": "person", "summary": ""},
    )
    assert response.status_code == 422
    response = post(
        "/api/v1/cases/",
        {
            "compartment_id": team.compartment.pk,
            "subject_kind": "person",
            "summary": "Threats",
            "new_person": {"pseudonym": "Garza", "country": "HN", "region": "CO-ANT"},
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"]["new_person-region"] == [
        "CO-ANT is not a region of Honduras. Choose one from the list."
    ]
    response = post(
        "/api/v1/cases/people",
        {"compartment_id": team.compartment.pk, "pseudonym": "x", "organisation": "a\x00b"},
    )
    assert response.status_code == 422  # refused at the API's gate, naming the field
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["body", "organisation"] and "control characters" in issue["msg"]
    response = post(f"/api/v1/cases/{team.case.reference}/notes", {"body": MEGABYTE})
    assert response.status_code == 422  # the schema's longest note, at the gate
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["body", "body"] and "at most 20000 characters" in issue["msg"]
    response = post(f"/api/v1/cases/{team.case.reference}/notes", {"body": " "})
    assert response.status_code == 422
    assert counts() == before


@pytest.mark.parametrize("value", ["\x1f", "\x0b", "Ana\x1c", "\x1eAna"])
def test_a_control_character_that_strip_takes_for_a_space_is_refused(value):
    """str.strip() takes \\x0b, \\x0c and \\x1c to \\x1f for spaces: "\\x1f" alone had been
    read as an empty value and taken, and "Ana\\x1c" as "Ana", where any other control
    character is refused."""
    with pytest.raises(RuleError, match="control characters"):
        check_text(value, "legal_name")


@pytest.mark.parametrize("value", ["\u200e", "\u00ad", "\u061c \u200e"])
def test_a_value_of_format_characters_alone_is_empty(value):
    """A group's name of a left-to-right mark alone shows nothing: it is empty, as
    rules.text reads it, and a required one is refused (str.strip() had kept it)."""
    assert check_text(value, "subject_name", line=True) == ""
    with pytest.raises(RuleError, match="Give the name"):
        check_text(value, "subject_name", line=True, required="Give the name of the group.")


def test_one_line_case_fields_refuse_what_the_apis_one_line_documents():
    """A person's or a case's one-line field refuses, between two letters, exactly what the
    API's OneLine pattern refuses (control characters, line breaks, direction overrides,
    characters a line shows as nothing); a text of several lines what Undisguised does."""
    from aegis.api_schemas import ONE_LINE, UNDISGUISED, text_pattern

    line = re.compile(text_pattern(ONE_LINE.characters))
    undisguised = re.compile(text_pattern(UNDISGUISED.characters))

    def refused(value: str, *, as_line: bool) -> bool:
        try:
            check_text(value, "legal_name", line=as_line)
        except RuleError:
            return True
        return False

    for point in [*range(1, 0xD800), *range(0xE000, 0x10000)]:
        c = chr(point)
        assert refused(f"A{c}B", as_line=True) == (line.fullmatch(c) is None), hex(point)
        assert refused(f"A{c}B", as_line=False) == (undisguised.fullmatch(c) is None), hex(point)
