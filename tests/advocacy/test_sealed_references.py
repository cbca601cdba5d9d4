"""The mechanism's reference, the publication and a resolution's number are public once the
mechanism publishes, and the public text names the defender: a copy of the database must not
tie them to the case's compartment and coded rows. They are sealed with the communication's
key; members read them on every page, the list, the API and the exports."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from aegis.advocacy import export, services
from aegis.advocacy.models import Communication, PrecautionaryResolution
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked
from aegis.vault.models import KeyWrap
from aegis.vault.selectors import keypair_for_user

from .conftest import api_client, draft_for, reviewed, sign_in

pytestmark = pytest.mark.django_db

REFERENCE = "UA BRA 3/2026"
PUBLICATION = "Press release 45/26 of the Commission"
NUMBER = "Resolution 12/2026"
SEALED = (REFERENCE, PUBLICATION, NUMBER)


def _raw(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        rows = cursor.fetchall()
    return " ".join(
        (bytes(value).hex() + repr(bytes(value)))
        if isinstance(value, bytes | memoryview)
        else str(value)
        for row in rows
        for value in row
    )


def _raw_rows() -> str:
    return _raw("advocacy_communication") + _raw("advocacy_precautionaryresolution")


def _published(team) -> Communication:
    """Sent to the IACHR, acknowledged under REFERENCE, granted measures by NUMBER, answered
    and published in PUBLICATION."""
    communication = reviewed(team, draft_for(team, "iachr"))
    actor = team.writer.user.pk
    with unlocked(team.writer.keychain()):
        services.mark_sent(communication, actor_id=actor)
        services.acknowledge(communication, reference=REFERENCE, actor_id=actor)
        services.record_resolution(
            communication, decision="grant", number=NUMBER, measures="Escorts.", actor_id=actor
        )
        services.record_reply(communication, reply="Denied.", summary="Denial.", actor_id=actor)
        services.publish(communication, publication=PUBLICATION, actor_id=actor)
    return communication


def _shown_everywhere(team, communication: Communication) -> None:
    client = sign_in(Client(), team.writer)
    page = client.get(f"/advocacy/{communication.pk}/").content.decode()
    assert all(value in page for value in SEALED), page
    assert REFERENCE in client.get("/advocacy/").content.decode()
    api = api_client(team.writer)
    assert api.get(f"/api/v1/advocacy/communications/{communication.pk}").json()["reference"] == (
        REFERENCE
    )
    listed = api.get("/api/v1/advocacy/communications").json()
    assert [c["reference"] for c in listed] == [REFERENCE]
    with unlocked(team.writer.keychain()):
        stored = Communication.objects.get(pk=communication.pk)
        assert REFERENCE in export.render(stored, export.PDF)


def test_the_references_are_sealed_and_shown_to_members(team):
    communication = _published(team)
    raw = _raw_rows()
    assert [value for value in SEALED if value in raw or value.encode().hex() in raw] == []
    _shown_everywhere(team, communication)
    outsider = sign_in(Client(), team.outsider)
    assert outsider.get(f"/advocacy/{communication.pk}/").status_code == 404
    assert REFERENCE not in outsider.get("/advocacy/").content.decode()


def test_a_communication_from_before_is_sealed_when_a_member_opens_it(team):
    communication = _published(team)
    # As a row kept before the references were sealed (a migration holds no key).
    Communication.objects.filter(pk=communication.pk).update(
        legacy_reference=REFERENCE,
        legacy_publication=PUBLICATION,
        reference_sealed=None,
        publication_sealed=None,
    )
    PrecautionaryResolution.objects.filter(communication=communication).update(
        legacy_number=NUMBER, number_sealed=None
    )
    assert all(value in _raw_rows() for value in SEALED)
    _shown_everywhere(team, communication)  # its page opened it: sealed
    raw = _raw_rows()
    assert [value for value in SEALED if value in raw] == []
    _shown_everywhere(team, communication)


@pytest.mark.django_db(transaction=True)  # the wipe compacts the database
def test_the_wipe_forgets_the_references_kept_in_clear(team):
    """No key seals a communication from before after the wipe: its references in clear would
    tie the case to the public text for good."""
    communication = _published(team)
    Communication.objects.filter(pk=communication.pk).update(
        legacy_reference=REFERENCE, legacy_publication=PUBLICATION
    )
    PrecautionaryResolution.objects.filter(communication=communication).update(legacy_number=NUMBER)
    assert vault.wipe()["mechanism_references"] == 2
    raw = _raw_rows()
    assert [value for value in SEALED if value in raw] == []


def test_a_page_loaded_before_the_row_was_sealed_and_published_keeps_the_publication(team):
    """Page B loads a communication from before; A's page seals it and A publishes it; B's
    sealing then must not write B's stale (empty) publication over A's."""
    communication = reviewed(team, draft_for(team, "iachr"))
    actor = team.writer.user.pk
    with unlocked(team.writer.keychain()):
        services.mark_sent(communication, actor_id=actor)
        services.acknowledge(communication, reference=REFERENCE, actor_id=actor)
        services.record_reply(communication, reply="Denied.", summary="Denial.", actor_id=actor)
    Communication.objects.filter(pk=communication.pk).update(
        legacy_reference=REFERENCE, reference_sealed=None
    )
    with unlocked(team.writer.keychain()):
        stale = Communication.objects.get(pk=communication.pk)  # page B
        first = Communication.objects.get(pk=communication.pk)  # page A
        services.seal_references(first)
        services.publish(first, publication=PUBLICATION, actor_id=actor)
        services.seal_references(stale)
        stored = Communication.objects.get(pk=communication.pk)
        assert (stored.reference, stored.publication) == (REFERENCE, PUBLICATION)
        assert (stale.reference, stale.legacy_reference) == (REFERENCE, "")


def test_a_row_whose_key_no_longer_opens_does_not_refuse_the_list(team):
    """A wrap lost for one communication: the list and the API list still answer, the other
    communication's reference shown, that one's left out."""
    lost = _published(team)
    kept = reviewed(team, draft_for(team, "iachr"))
    with unlocked(team.writer.keychain()):
        services.mark_sent(kept, actor_id=team.writer.user.pk)
        services.acknowledge(kept, reference="UA BRA 4/2026", actor_id=team.writer.user.pk)
    KeyWrap.objects.filter(
        data_key=lost.data_key, keypair=keypair_for_user(team.writer.user.pk)
    ).delete()
    client = sign_in(Client(), team.writer)
    page = client.get("/advocacy/")
    assert page.status_code == 200
    assert "UA BRA 4/2026" in page.content.decode() and REFERENCE not in page.content.decode()
    listed = api_client(team.writer).get("/api/v1/advocacy/communications")
    assert listed.status_code == 200
    assert sorted(c["reference"] for c in listed.json()) == ["", "UA BRA 4/2026"]
