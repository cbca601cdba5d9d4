"""Seizure test: narratives, elements (the source, what stays confidential), the State's reply
and its summary, measures, outcome notes, the mechanism's reference, the publication, a
resolution's number, and the names a communication draws from the case never reach the disk
in clear, even after an export."""

from __future__ import annotations

import secrets

import pytest

from aegis.advocacy import export, services
from aegis.vault.keychain import unlocked
from tests.seizure import find

from .conftest import ELEMENTS, NARRATIVE, draft_for, reviewed, variant

pytestmark = pytest.mark.django_db(transaction=True)


def canary(label: str) -> str:
    return f"{label}{secrets.token_hex(6)}"


def test_communications_never_reach_the_disk_in_clear(team):
    secret = {
        k: canary(k.capitalize())
        for k in (
            "name",
            "narrative",
            "source",
            "confidential",
            "reply",
            "summary",
            "measures",
            "note",
            "reference",
            "publication",
            "number",
        )
    }
    spec = variant(
        legal_name=f"Marisol {secret['name']}",
        narrative=f"{NARRATIVE} {secret['narrative']}",
        elements={**ELEMENTS, "source": secret["source"], "confidential": secret["confidential"]},
        consent=("un_mechanism", "name_to_government"),
    )
    communication = reviewed(team, draft_for(team, "iachr", spec))
    actor = team.writer.user.pk
    with unlocked(team.writer.keychain()):
        assert secret["name"] in export.render(communication, export.TEXT)  # it is named
        export.pdf(communication)
        services.mark_sent(communication, actor_id=actor)
        services.acknowledge(communication, reference=secret["reference"], actor_id=actor)
        services.record_reply(
            communication, reply=secret["reply"], summary=secret["summary"], actor_id=actor
        )
        services.record_resolution(
            communication,
            decision="grant",
            number=secret["number"],
            measures=secret["measures"],
            actor_id=actor,
        )
        services.record_outcome(
            communication, outcome="measures_granted", note=secret["note"], actor_id=actor
        )
        services.publish(communication, publication=secret["publication"], actor_id=actor)
    assert find([value.encode() for value in secret.values()]) == []
