"""Taking up a report whose reporter left a name and number needs the search key (the new
person's name and phone are indexed): without it the caseworker is told what is missing and
who can give it, and nothing is written (no case, no person, no carried file)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from aegis.cases.models import Case, Person
from aegis.evidence.models import EvidenceItem
from aegis.intake.models import Submission
from aegis.roles import Role
from tests.conftest import sign_in

from .conftest import blobs, png_bytes, post_report

pytestmark = pytest.mark.django_db


def test_converting_without_the_search_key_explains_and_writes_nothing(
    make_person, make_compartment
):
    nina = make_person(Role.CASEWORKER, "nina", index_key=False)
    intake = make_compartment(nina, name="Intake team")
    post_report(
        Client(),
        files=[("threat.png", png_bytes(), "image/png")],
        anonymous="no",
        contact_name="Ana Torres",
        contact_phone="+57 300 555 0101",
    )
    submission = Submission.objects.get()
    stored_blobs = blobs()
    response = sign_in(Client(), nina).post(
        f"/triage/{submission.pk}/convert/",
        {
            "compartment": intake.pk,
            "create": "case",
            "subject_kind": "person",
            "pseudonym": "Guardian of the river",
            "sector": "land_environment",
        },
    )
    assert response.status_code == 403
    page = re.sub(r"\s+", " ", response.content.decode())
    assert "You do not hold the search key yet." in page and "Nothing was saved." in page
    assert not Case.objects.exists() and not Person.objects.exists()
    assert not EvidenceItem.objects.exists() and blobs() == stored_blobs
    assert Submission.objects.get().status == submission.status
