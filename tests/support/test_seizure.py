"""Seizure test: provider contacts and references, safe-house addresses, payment details,
grant narratives and budget lines, referral texts and relocation plans never reach the disk
in clear."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from aegis import clock
from aegis.support import services
from aegis.vault.keychain import unlocked
from tests.seizure import find

pytestmark = pytest.mark.django_db(transaction=True)


def canary(label: str) -> str:
    return f"{label}{secrets.token_hex(6)}"


def test_support_texts_never_reach_disk_in_clear(team):
    secret = {
        k: canary(k.capitalize())
        for k in (
            "contact",
            "notes",
            "refname",
            "refcontact",
            "address",
            "purpose",
            "outcome",
            "need",
            "funders",
            "budget",
            "diligence",
            "payment",
            "report",
            "why",
            "host",
            "visa",
            "security",
            "family",
            "returnplan",
        )
    }
    k = team.karim
    with unlocked(k.keychain()):
        provider = services.create_provider(
            team.compartment,
            actor=k.user,
            name="Refugio",
            kinds=["safe_house", "relocation"],
            countries=["CO"],
            contact=secret["contact"],
            notes=secret["notes"],
            safe_house_address=secret["address"],
        )
        services.add_reference(provider, actor=k.user, name=secret["refname"], contact="a")
        services.add_reference(provider, actor=k.user, name="B", contact=secret["refcontact"])
        services.vet(
            provider, "approved", actor=k.user, revet_on=clock.today() + timedelta(days=365)
        )
    team.consent()
    grant = team.grant(
        need=secret["need"],
        other_funders=secret["funders"],
        budget_lines=[(secret["budget"], "1200")],
    )
    with unlocked(team.lucia.keychain()):
        referral = services.create_referral(
            team.case,
            provider,
            actor=team.lucia.user,
            purpose=secret["purpose"],
            shared=["pseudonym", "legal_name", "case_summary"],
            kind="relocation",
            relocation={
                "destination_country": "ES",
                "destination_why": secret["why"],
                "host": secret["host"],
                "visa_travel_plan": secret["visa"],
                "security_plan": secret["security"],
                "family": secret["family"],
                "return_plan": secret["returnplan"],
            },
            grant=grant,
        )
        services.move_referral(referral, "sent", actor=team.lucia.user)
        services.move_referral(referral, "accepted", actor=team.lucia.user)
        services.move_referral(
            referral, "completed", actor=team.lucia.user, outcome=secret["outcome"]
        )
        services.do_diligence(grant, actor=team.lucia.user, note=secret["diligence"])
        legal_name = team.case.person.legal_name
    with unlocked(team.ana.keychain()):
        services.approve(grant, actor=team.ana.user)
        services.disburse(
            grant,
            actor=team.ana.user,
            method="bank",
            amount="1200",
            currency="EUR",
            payment_details=secret["payment"],
        )
    with unlocked(team.lucia.keychain()):
        services.receive_report(grant, "narrative", actor=team.lucia.user, text=secret["report"])
        assert legal_name in referral.shared_text  # what was passed on, readable with the key
    needles = [v.encode() for v in secret.values()] + [legal_name.encode()]
    assert find(needles) == []
    # The provider's directory name is in clear on purpose: the scan sees plaintext.
    assert find([b"Refugio"]) != []


def test_edited_provider_contacts_never_reach_disk_in_clear(team):
    contact, notes = canary("Edited"), canary("Notes")
    provider = team.provider(approved=False)
    with unlocked(team.lucia.keychain()):
        services.update_provider(
            provider,
            actor=team.lucia.user,
            name="Abogadas del Sur",
            kinds=["legal"],
            countries=["CO"],
            contact=contact,
            notes=notes,
        )
    with unlocked(team.lucia.keychain()):
        assert type(provider).objects.get(pk=provider.pk).contact == contact
    assert find([contact.encode(), notes.encode()]) == []
