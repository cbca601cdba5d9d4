"""The intake demo data: several languages, one report with a reply, nothing printed."""

from __future__ import annotations

import pytest

from aegis.intake import demo
from aegis.intake.models import Submission, SubmissionMessage
from aegis.roles import Role
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("already_on_the_team", [True, False])
def test_demo_reports(make_person, make_compartment, capsys, already_on_the_team):
    lucia = make_person(Role.CASEWORKER)
    if already_on_the_team:
        make_compartment(lucia, name="Intake team")
    cases_compartment = make_compartment(lucia, name="Andes")
    with unlocked(lucia.keychain()):
        demo.create_demo_data(cases_compartment, lucia.user)
        languages = set(Submission.objects.values_list("language", flat=True))
        assert languages == {"es", "fr", "ar", "en"}
        assert {s.compartment.name for s in Submission.objects.all()} == {"Intake team"}
        reply = SubmissionMessage.objects.get()
        assert reply.sender == "staff" and reply.body.startswith("Gracias")
        assert all(
            "demo" in s.narrative.lower()
            or "démonstration" in s.narrative
            or "خيالية" in s.narrative
            for s in Submission.objects.all()
        )
    assert capsys.readouterr().out == ""
