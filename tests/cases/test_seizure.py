"""Seizure test: what caseworkers type into the cases pages and API never reaches the disk in
clear (database file, WAL, rows, media)."""

from __future__ import annotations

import json
import secrets

import pytest
from django.urls import reverse

from aegis.cases.models import Case
from aegis.roles import Role
from tests.seizure import find

from .conftest import api_client, client

pytestmark = pytest.mark.django_db(transaction=True)


def canary(label: str) -> str:
    return f"{label}{secrets.token_hex(6)}"


def test_identities_and_narratives_never_reach_disk_in_clear(make_person, make_compartment):
    lucia = make_person(Role.CASEWORKER, "lucia")
    compartment = make_compartment(lucia, name="Andes")
    digits = f"{secrets.randbelow(10**7):07d}"
    secret = {
        "legal_name": canary("Legalname"),
        "other_names": canary("Alias"),
        "phone": f"+57 310 {digits}",
        "email": f"{canary('mail')}@example.org",
        "contact_channels": canary("SignalHandle"),
        "organisation": canary("Cooperativa"),
        "identity_document": canary("CC"),
        "summary": canary("Summary"),
        "note": canary("Note"),
        "task": canary("Task"),
        "reason": canary("Reason"),
        "consent": canary("Consent"),
        "group": canary("Groupname"),
        "api_name": canary("Apiname"),
        "api_summary": canary("Apisummary"),
        "api_note": canary("Apinote"),
    }
    web = client(lucia)
    response = web.post(
        reverse("cases:new"),
        {
            "compartment": compartment.pk,
            "subject_kind": "person",
            "summary": secret["summary"],
            "person-pseudonym": "Ceiba",
            "person-legal_name": secret["legal_name"],
            "person-other_names": secret["other_names"],
            "person-phone": secret["phone"],
            "person-email": secret["email"],
            "person-contact_channels": secret["contact_channels"],
            "person-organisation": secret["organisation"],
            "person-identity_document": secret["identity_document"],
            "person-gender": "woman",
            "person-age_group": "30_44",
            "person-sector": "land_environment",
            "person-country": "CO",
            "person-region": "CO-ANT",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    case = Case.objects.get()
    ref = {"reference": case.reference}
    assert (
        web.post(reverse("cases:note-add", kwargs=ref), {"body": secret["note"]}).status_code == 302
    )
    assert (
        web.post(reverse("cases:task-add", kwargs=ref), {"title": secret["task"]}).status_code
        == 302
    )
    response = web.post(
        reverse("cases:status", kwargs=ref), {"to_status": "active", "reason": secret["reason"]}
    )
    assert response.status_code == 302
    response = web.post(
        reverse("cases:consent-add", kwargs={"person_id": case.person_id}),
        {"scope": "un_mechanism", "note": secret["consent"]},
    )
    assert response.status_code == 302
    response = web.post(
        reverse("cases:new"),
        {
            "compartment": compartment.pk,
            "subject_kind": "group",
            "subject_name": secret["group"],
            "summary": "Group case",
        },
    )
    assert response.status_code == 302
    # The pages show them decrypted, so the scan below is not looking for the wrong bytes.
    page = web.get(reverse("cases:person", kwargs={"person_id": case.person_id})).content.decode()
    assert secret["legal_name"] in page and secret["consent"] in page

    api = api_client(lucia)
    response = api.post(
        "/api/v1/cases/",
        data=json.dumps(
            {
                "compartment_id": compartment.pk,
                "subject_kind": "person",
                "summary": secret["api_summary"],
                "new_person": {"pseudonym": "Garza", "legal_name": secret["api_name"]},
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    response = api.post(
        f"/api/v1/cases/{response.json()['reference']}/notes",
        data=json.dumps({"body": secret["api_note"]}),
        content_type="application/json",
    )
    assert response.status_code == 201

    needles = [value.encode() for value in secret.values()]
    needles += [secret["legal_name"].lower().encode(), f"310{digits}".encode()]
    assert find(needles) == []
    # The pseudonym is kept in clear on purpose: this proves the scan sees plaintext.
    assert find([b"Ceiba"]) != []


def test_names_and_contact_details_do_not_give_their_length_away(make_person, make_compartment):
    """A name's ciphertext had been its length plus 41 bytes: against a list of defenders
    named in the news, a length beside the clear gender, age, sector and region narrows the
    match. Names, numbers and addresses are padded (vault.fields.NAME_PADDED), so people with
    names of 3 and 60 characters, in Latin or Arabic script, look alike on the disk."""
    from aegis.cases import services
    from aegis.cases.models import Person
    from aegis.vault.keychain import unlocked

    lucia = make_person(Role.CASEWORKER, "lucia")
    compartment = make_compartment(lucia, name="Andes")
    people = [
        {"legal_name": "Ana", "phone": "+573101234567", "email": "a@b.co"},
        {
            "legal_name": "María de los Ángeles Quintero Arango de la Torre Villanueva",
            "phone": "+57 310 123 4567 ext. 89",
            "email": "maria.de.los.angeles.quintero@organizacion-de-derechos.example.org",
        },
        {"legal_name": "محمد عبد الرحمن الحسيني", "phone": "", "email": ""},
    ]
    with unlocked(lucia.keychain()):
        made = [
            services.create_person(compartment, actor_id=None, pseudonym=f"P{i}", **fields)
            for i, fields in enumerate(people)
        ]
    for field in ("legal_name", "phone", "email"):
        raw = Person.objects.filter(pk__in=[p.pk for p in made]).values_list(field, flat=True)
        lengths = {len(bytes(value)) for value in raw if value}
        assert len(lengths) == 1, (field, lengths)
