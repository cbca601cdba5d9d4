"""Export: the bundle opens with Debian's `age`, its signature verifies with `minisign -V`,
its manifest's hashes with `sha256sum -c`; no consent, no bundle; the minimisation profiles
leave the canaries out."""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import zipfile

import pytest
from django.test import Client

from aegis.audit.models import AuditEntry
from aegis.cases import services as cases
from aegis.exchange import identity, keys, selectors, services
from aegis.exchange.models import Export, ExportedRecord
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

from .conftest import CANARY_NAME, CANARY_PHONE, CANARY_PLACE, CANARY_REGION, EVIDENCE


def _export(desk, partner, profile="full", **kwargs):
    with unlocked(desk.lucia.keychain()):
        return services.export_bundle(
            desk.lucia.user, partner, [desk.case.reference], profile=profile, **kwargs
        )


def _unzipped(data: bytes, partner_keys) -> dict[str, bytes]:
    import pyrage

    zipped = pyrage.decrypt(data, [partner_keys.identity])
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    return {name: archive.read(name) for name in archive.namelist()}


def test_debian_age_minisign_and_sha256sum_open_and_check_the_bundle(
    desk, partner, partner_keys, tmp_path
):
    sent = _export(desk, partner)
    bundle = tmp_path / "bundle.age"
    bundle.write_bytes(sent.age_file)
    (tmp_path / "bundle.age.minisig").write_text(sent.signature)
    shown = identity.public()
    assert shown is not None
    # The partner has what the exchange page gives: the .pub file and the fingerprint command.
    client = sign_in(Client(), desk.lucia)
    pub = tmp_path / "sender.pub"
    pub.write_bytes(client.get("/exchange/aegis-exchange.pub").content)
    page = html.unescape(client.get("/exchange/").content.decode())
    (command,) = re.findall(r"<code>(printf .*? \| sha256sum)</code>", page)
    digest = subprocess.run(command, shell=True, capture_output=True, text=True, check=True)
    assert digest.stdout[:32].upper() == shown.fingerprint.replace(" ", "")
    assert shown.key_id in page

    verified = subprocess.run(
        ["minisign", "-V", "-p", str(pub), "-m", str(bundle)], capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stderr
    assert f"aegis exchange bundle {sent.export.pk}" in verified.stdout

    zipped = subprocess.run(
        ["age", "-d", "-i", str(partner_keys.identity_file), str(bundle)], capture_output=True
    )
    assert zipped.returncode == 0, zipped.stderr
    folder = tmp_path / "opened"
    zipfile.ZipFile(io.BytesIO(zipped.stdout)).extractall(folder)
    checked = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "records.json: OK" in checked.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["schema"] == "aegis-exchange/1"
    assert manifest["profile"] == "full"
    assert manifest["consent_record_ids"] == [desk.consent.pk]
    assert manifest["recipient_fingerprint"] == keys.recipient_fingerprint(partner_keys.recipient)
    assert set(manifest["files"]) == {"records.json", "openevsys.xml", "records.csv", "evidence/F1"}
    assert (folder / "evidence" / "F1").read_bytes() == EVIDENCE


def test_a_signature_with_another_key_fails_minisign(desk, partner, partner_keys, tmp_path):
    sent = _export(desk, partner)
    (tmp_path / "b.age").write_bytes(sent.age_file)
    (tmp_path / "b.age.minisig").write_text(sent.signature)
    (tmp_path / "other.pub").write_text(keys.public_key_file(partner_keys.minisign_line))
    done = subprocess.run(
        ["minisign", "-V", "-p", str(tmp_path / "other.pub"), "-m", str(tmp_path / "b.age")],
        capture_output=True,
    )
    assert done.returncode != 0


def test_the_full_records_follow_the_events_format(desk, partner, partner_keys):
    files = _unzipped(_export(desk, partner).age_file, partner_keys)
    records = json.loads(files["records.json"])
    assert set(records) == {
        "cases",
        "persons",
        "events",
        "victims",
        "perpetrators",
        "chain_of_events",
        "evidence",
    }
    (event,) = records["events"]
    assert event["acts"][0]["type"] == "death_threat"
    assert event["acts"][0]["victims"] == ["V1"]
    assert records["victims"][0]["person"] == "P1"
    assert event["management"]["source_reference"] == desk.incident.reference
    assert records["persons"][0]["biographic_details"]["legal_name"] == CANARY_NAME
    custody = records["evidence"][0]["custody"]
    assert [c["action"] for c in custody] == ["upload", "export"]
    xml = files["openevsys.xml"].decode()
    assert '<events xmlns="http://www.huridocs.org/">' in xml
    assert "<type_of_act>death_threat</type_of_act>" in xml and "<biographic_details>" in xml


@pytest.mark.parametrize("profile", ["coded", "pseudonymised"])
def test_minimised_profiles_leave_names_phones_and_places_out(desk, partner, partner_keys, profile):
    files = _unzipped(_export(desk, partner, profile).age_file, partner_keys)
    everything = b"".join(files.values())
    canaries = [CANARY_NAME, CANARY_PHONE, CANARY_PLACE, "canary-evidence-bytes", "Zyxwvut"]
    for canary in canaries:
        assert canary.encode() not in everything, (profile, canary)
    records = json.loads(files["records.json"])
    assert records["evidence"] == []
    # Bundle-local ids only: none of our references or record numbers leaves.
    assert b"source_reference" not in everything
    manifest = json.loads(files["manifest.json"])
    assert manifest["consent_record_ids"] == []  # our consent record's number stays here
    for reference in (desk.incident.reference, desk.case.reference):
        assert reference.encode() not in everything, (profile, reference)
    details = records["persons"][0]["biographic_details"]
    assert details["gender"] == "woman"
    if profile == "coded":
        assert "pseudonym" not in details and CANARY_REGION.encode() not in everything
        assert b"Defender Sol" not in everything
    else:
        assert details["pseudonym"] == "Defender Sol"


def test_no_live_consent_refuses_naming_the_person_and_the_consent(desk, partner):
    with unlocked(desk.lucia.keychain()):
        cases.withdraw_consent(desk.consent, actor_id=desk.lucia.user.pk)
    with pytest.raises(RuleError) as refused:
        _export(desk, partner)
    assert "Defender Sol" in refused.value.message
    assert str(desk.consent.pk) in refused.value.message
    assert "Share with a partner organisation" in refused.value.message
    assert not Export.objects.exists()


def test_a_person_who_never_consented_is_named(desk, partner):
    desk.consent.delete()
    with pytest.raises(RuleError, match="Defender Sol has no live consent"):
        _export(desk, partner)


def test_an_unvetted_or_expired_partner_gets_nothing(desk, partner):
    partner.vetted_at = None
    partner.save()
    with pytest.raises(RuleError, match="not been vetted"):
        _export(desk, partner)


def test_the_export_is_audited_recorded_on_its_records_and_listed_for_the_partner(desk, partner):
    sent = _export(desk, partner, to_self=True)
    assert AuditEntry.objects.filter(action="exchange.export").count() == 1
    sent_types = set(ExportedRecord.objects.values_list("record_type", flat=True))
    assert sent_types == {"case", "person", "incident", "evidence"}
    assert list(selectors.exports_of_record("case", desk.case.reference)) == [sent.export]
    assert list(selectors.exports_to(partner, desk.lucia.user)) == [sent.export]


def test_an_unknown_case_or_profile_is_refused(desk, partner):
    with pytest.raises(RuleError, match="No case"), unlocked(desk.lucia.keychain()):
        services.export_bundle(desk.lucia.user, partner, ["AEG-1999-00001"], profile="full")
    with pytest.raises(RuleError):
        _export(desk, partner, profile="everything")


def test_evidence_whose_custody_log_does_not_verify_is_not_sent(desk, partner):
    """The bundle carries the item's custody log, signed by us: a log altered outside Aegis
    had gone to the partner vouched for."""
    from django.db import connection

    from aegis.evidence.models import CustodyEvent

    [event] = CustodyEvent.objects.all()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE evidence_custodyevent SET actor_id = NULL WHERE id = %s", [event.pk])
    with pytest.raises(RuleError, match="does not verify") as refused:
        _export(desk, partner)
    assert "Nothing was sent" in refused.value.message
    assert not Export.objects.exists() and not ExportedRecord.objects.exists()
    assert CustodyEvent.objects.count() == 1


def test_an_incident_whose_days_the_sender_cannot_open_is_sent_as_its_month(
    desk, partner, partner_keys
):
    """The days are sealed with the incident's key: where the sender cannot open it (here its
    key's wraps are gone), the bundle says the month, not its first day as the day."""
    from aegis.vault.models import KeyWrap

    KeyWrap.objects.filter(data_key_id=desk.incident.data_key_id).delete()
    files = _unzipped(_export(desk, partner, "coded").age_file, partner_keys)
    (event,) = json.loads(files["records.json"])["events"]
    assert event["date"] == {"start": "2026-03-01", "end": None, "precision": "month"}
