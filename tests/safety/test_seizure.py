"""Seizure test: what goes into a safety plan through the pages and the API (plan texts,
duress words, emergency contacts' names, phones and emails) never reaches the disk in clear."""

from __future__ import annotations

import json
import secrets

import pytest
from django.urls import reverse

from aegis.safety import selectors
from aegis.safety.drafts import ContactDraft, PlanDraft, ScenarioDraft
from aegis.vault import service_keys
from aegis.vault.keychain import unlocked
from tests.seizure import find

from .conftest import api_client, client, form_data

pytestmark = pytest.mark.django_db(transaction=True)


def canary(label: str) -> str:
    return f"{label}{secrets.token_hex(6)}"


def digits() -> str:
    return f"{secrets.randbelow(10**7):07d}"


def test_plans_duress_words_and_contacts_never_reach_disk_in_clear(team):
    phone_web, phone_api = digits(), digits()
    secret = {
        "contact_name": canary("Contactname"),
        "relation": canary("Relation"),
        "phone": f"+57 310 {phone_web}",
        "email": f"{canary('mail')}@example.org",
        "signal": canary("Signalhandle"),
        "other": canary("Otherchannel"),
        "duress": canary("Duressword"),
        "safe_places": canary("Safeplace"),
        "steps": canary("Steps"),
        "whom": canary("Whomtocall"),
        "carry": canary("Carry"),
        "api_name": canary("Apicontact"),
        "api_phone": f"+254 722 {phone_api}",
        "api_email": f"{canary('apimail')}@example.org",
        "api_duress": canary("Apiduress"),
        "api_steps": canary("Apisteps"),
    }
    draft = PlanDraft(
        language="en",
        contacts=[
            ContactDraft(
                name=secret["contact_name"],
                relation=secret["relation"],
                phone=secret["phone"],
                email=secret["email"],
                signal=secret["signal"],
                other_channel=secret["other"],
            )
        ],
        checkin_interval_hours=24,
        duress_word=secret["duress"],
        safe_places=secret["safe_places"],
        scenarios=[ScenarioDraft("raid", secret["steps"], secret["whom"], secret["carry"])],
    )
    web = client(team.lucia)
    edit = reverse("safety:edit", kwargs={"person_id": team.person.pk})
    assert web.post(edit, form_data(draft)).status_code == 302
    # The page shows them decrypted, so the scan below looks for the right bytes.
    page = web.get(reverse("safety:plan", kwargs={"person_id": team.person.pk})).content.decode()
    assert secret["contact_name"] in page and secret["duress"] in page

    response = api_client(team.karim).post(
        f"/api/v1/safety/people/{team.person.pk}/plan",
        data=json.dumps(
            {
                "language": "ar",
                "contacts": [
                    {
                        "name": secret["api_name"],
                        "phone": secret["api_phone"],
                        "email": secret["api_email"],
                    }
                ],
                "duress_word": secret["api_duress"],
                "scenarios": [{"kind": "arrest", "steps": secret["api_steps"]}],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    with unlocked(service_keys.service_keychain()):
        assert selectors.emergency_contacts(team.person)[0].phone == secret["api_phone"]
        assert selectors.duress_word_matches(team.person, secret["api_duress"])

    needles = [value.encode() for value in secret.values()]
    needles += [
        secret["duress"].lower().encode(),
        secret["api_duress"].lower().encode(),
        f"310{phone_web}".encode(),
        f"722{phone_api}".encode(),
        f"310 {phone_web}".encode(),
        f"722 {phone_api}".encode(),
    ]
    assert find(needles) == []
    # The pseudonym is kept in clear on purpose: this proves the scan sees plaintext.
    assert find([team.person.pseudonym.encode()]) != []
