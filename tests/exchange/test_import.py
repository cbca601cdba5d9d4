"""Import: every check has its own refusal and writes nothing but its audit entry; a good
bundle lands in quarantine, encrypted, decrypted in memory only."""

from __future__ import annotations

import builtins
import json
import os

import pytest
from nacl.signing import SigningKey
from pyrage import x25519

from aegis.audit.models import AuditEntry
from aegis.exchange import services
from aegis.exchange.models import Partner, QuarantineItem, Received
from aegis.rules import RuleError
from tests.seizure import find

from . import bundles


def _import(desk, data, signature):
    return services.import_bundle(data, signature, compartment=desk.compartment, actor_id=None)


def _refused(desk, data, signature, *words: str) -> None:
    with pytest.raises(RuleError) as refused:
        _import(desk, data, signature)
    for word in words:
        assert word in refused.value.message
    assert not Received.objects.exists() and not QuarantineItem.objects.exists()
    assert AuditEntry.objects.filter(action="exchange.refuse").exists()


def test_a_good_bundle_lands_in_quarantine(desk, partner, partner_keys):
    received = _import(desk, *bundles.make(partner_keys))
    assert received.partner == partner
    kinds = sorted(received.items.values_list("kind", flat=True))
    assert kinds == ["event", "person"]
    assert AuditEntry.objects.filter(action="exchange.import").count() == 1


def test_a_bundle_for_another_organisation_is_not_meant_for_us(desk, partner, partner_keys):
    other = x25519.Identity.generate().to_public()
    data, signature = bundles.make(partner_keys, recipient=str(other))
    _refused(desk, data, signature, "not meant for this organisation")


def test_a_manifest_naming_another_recipient_is_not_meant_for_us(desk, partner, partner_keys):
    data, signature = bundles.make(
        partner_keys, manifest_changes={"recipient_fingerprint": "0" * 64}
    )
    _refused(desk, data, signature, "not meant for this organisation", "another recipient")


def test_a_flipped_byte_is_tampering(desk, partner, partner_keys):
    data, signature = bundles.make(partner_keys)
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    with pytest.raises(RuleError, match="altered"):
        _import(desk, bytes(flipped), signature)


def test_a_missing_signature_is_refused(desk, partner, partner_keys):
    data, _ = bundles.make(partner_keys)
    _refused(desk, data, None, "no signature")


def test_a_signature_by_an_unknown_key_is_refused(desk, partner, partner_keys):
    data, signature = bundles.make(partner_keys, signer=SigningKey.generate())
    _refused(desk, data, signature, "belongs to no partner")


def test_a_signature_of_another_file_is_tampering(desk, partner, partner_keys):
    data, _ = bundles.make(partner_keys)
    _, other_signature = bundles.make(partner_keys)
    _refused(desk, data, other_signature, "signature does not match")


def test_a_file_that_does_not_match_the_manifest_is_tampering(desk, partner, partner_keys):
    def spoil(files):
        files["records.json"] = files["records.json"].replace(b"Raid", b"Rain")

    data, signature = bundles.make(partner_keys, spoil=spoil)
    _refused(desk, data, signature, "records.json", "SHA-256")


def test_a_replayed_bundle_is_refused(desk, partner, partner_keys):
    data, signature = bundles.make(partner_keys)
    _import(desk, data, signature)
    with pytest.raises(RuleError, match="already received"):
        _import(desk, data, signature)
    assert Received.objects.count() == 1


def test_a_newer_schema_is_refused(desk, partner, partner_keys):
    data, signature = bundles.make(partner_keys, manifest_changes={"schema": "aegis-exchange/2"})
    _refused(desk, data, signature, "schema version 2", "upgrade")


def test_rotated_keys_still_verify_older_bundles_and_not_newer_ones(desk, partner, partner_keys):
    import datetime

    old = bundles.make(partner_keys)
    new_signing = SigningKey.generate()
    from aegis.exchange import keys

    services.rotate_keys(
        partner,
        age_recipient=partner_keys.recipient,
        minisign_key=keys.line_for(new_signing.verify_key),
        actor_id=None,
    )
    # Made before the rotation: the retired key still vouches for it.
    late = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    after = bundles.make(partner_keys, manifest_changes={"created_at": late.isoformat()})
    assert _import(desk, *old).partner == partner
    _refused_after = pytest.raises(RuleError, match="retired")
    with _refused_after:
        _import(desk, *after)
    assert _import(desk, *bundles.make(partner_keys, signer=new_signing)).partner == partner


def test_a_retired_key_vouches_for_nothing_once_bundles_are_no_longer_in_transit(
    desk, partner, partner_keys
):
    """A manifest's date is the sender's word: a retired key (lost, stolen) had vouched for
    any bundle dated before its retirement, for ever."""
    import datetime

    from aegis import clock
    from aegis.exchange import keys

    backdated = bundles.make(partner_keys)
    services.rotate_keys(
        partner,
        age_recipient=partner_keys.recipient,
        minisign_key=keys.line_for(SigningKey.generate().verify_key),
        actor_id=None,
    )
    with clock.frozen(clock.now() + services.IN_TRANSIT + datetime.timedelta(minutes=1)):
        _refused(desk, *backdated, "retired on", "taken for 30 days after")
    with clock.frozen(clock.now() + services.IN_TRANSIT - datetime.timedelta(minutes=1)):
        assert _import(desk, *backdated).partner == partner


@pytest.mark.django_db(transaction=True)  # committed: on SQLite, read from the file itself
def test_quarantine_is_ciphertext_at_rest(desk, partner, partner_keys):
    _import(desk, *bundles.make(partner_keys))
    # The search reaches the stored rows: what is kept in clear on purpose is found.
    assert find([partner.name.encode()]) != []
    assert find([b"Incoming Canaryperson", b"+57 311 222 3344", b"Incoming Canaryplace"]) == []


def test_quarantined_evidence_does_not_give_its_files_size(desk, partner, partner_keys):
    """An evidence file waits in quarantine inside its record's ciphertext: unpadded, the
    ciphertext's length would give the file's size, and so which public file it is."""
    sizes = (500_000, 500_100)  # the hex in the record: 1,000,000 bytes and 200 more
    records = {
        **bundles.RECORDS,
        "evidence": [
            {"id": f"F{size}", "file": f"evidence/F{size}", "name": "photo.txt", "size": 0}
            for size in sizes
        ],
    }
    contents = {
        **bundles.files(records),
        **{f"evidence/F{size}": b"z" * size for size in sizes},
    }
    _import(desk, *bundles.make(partner_keys, contents=contents))
    found = QuarantineItem.objects.filter(kind="evidence")
    assert found.count() == 2
    assert len({len(bytes(item)) for item in found.values_list("content", flat=True)}) == 1


def test_nothing_from_the_bundle_is_written_to_a_file(desk, partner, partner_keys, monkeypatch):
    data, signature = bundles.make(partner_keys)
    written: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def watching_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            written.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    def watching_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            written.append(str(path))
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching_open)
    monkeypatch.setattr(os, "open", watching_os_open)
    _import(desk, data, signature)
    monkeypatch.undo()
    assert written == []


def test_the_command_line_imports_and_says_what_arrived(desk, partner, partner_keys, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    data, signature = bundles.make(partner_keys)
    (tmp_path / "in.age").write_bytes(data)
    (tmp_path / "in.age.minisig").write_text(signature)
    out = StringIO()
    call_command(
        "exchange", "import", str(tmp_path / "in.age"), "--compartment", "Andes", stdout=out
    )
    assert "from Casa Andina" in out.getvalue() and "1 person" in out.getvalue()
    from aegis.vault.keychain import unlocked

    with unlocked(desk.lucia.keychain()):
        content = json.loads(QuarantineItem.objects.get(kind="person").content)
    assert content["partner"] == "Casa Andina"


@pytest.mark.django_db(transaction=True)
def test_the_organisation_private_keys_are_not_at_rest(desk, partner):
    from aegis.exchange import identity

    opened = identity.opened()
    private_age = str(opened.age).encode()
    seed = bytes(opened.signing)
    from aegis.vault import service_keys

    raw = bytes(service_keys.load_private_key(identity.SERVICE))
    assert find([seed, raw, private_age]) == []


def test_without_the_unlock_secret_nothing_is_signed_or_opened(
    desk, partner, partner_keys, monkeypatch
):
    from aegis.vault import service_keys
    from aegis.vault.keychain import unlocked

    data, signature = bundles.make(partner_keys)
    service_keys.forget("exchange")
    monkeypatch.delenv("AEGIS_EXCHANGE_UNLOCK")
    with pytest.raises(RuleError, match="exchange key is locked"):
        _import(desk, data, signature)
    with unlocked(desk.lucia.keychain()), pytest.raises(RuleError, match="key is locked"):
        services.export_bundle(desk.lucia.user, partner, [desk.case.reference], profile="coded")


def test_each_event_to_review_carries_the_links_that_touch_it_once():
    """The chain of events is gathered per event in one pass over the links (reading every
    link for each event grew with their product), each link once, in the bundle's order."""
    import copy
    import json

    from aegis.exchange import bundle
    from aegis.exchange.services import _items

    from .bundles import RECORDS

    records = copy.deepcopy(RECORDS)
    records["events"] = [{**records["events"][0], "id": f"E{i}", "acts": []} for i in (1, 2, 3)]
    links = [
        {"from": "E1", "to": "E2", "type": "led_to"},
        {"from": "E3", "to": "E3", "type": "repeated"},
        {"from": "E2", "to": "E3", "type": "led_to"},
    ]
    records["chain_of_events"] = links
    opened = bundle.Opened({}, {"records.json": json.dumps(records).encode()}, "")
    chains = {local: content["chain"] for kind, local, content in _items(opened) if kind == "event"}
    assert chains == {"E1": [links[0]], "E2": [links[0], links[2]], "E3": [links[1], links[2]]}


def test_a_second_key_under_a_known_key_id_is_refused(desk, partner, partner_keys):
    """A minisign key id is 8 bytes anyone may choose: a partner added with another key under
    the same id had stood in for the first when its bundles were checked, refusing them all."""
    import base64

    from aegis.exchange import keys

    raw = base64.b64decode(partner_keys.minisign_line)
    forged = base64.b64encode(raw[:10] + bytes(SigningKey.generate().verify_key)).decode()
    assert keys.key_id(forged) == keys.key_id(partner_keys.minisign_line)
    with pytest.raises(RuleError, match="same key id"):
        services.add_partner(
            "Evil NGO", age_recipient=partner_keys.recipient, minisign_key=forged, actor_id=None
        )
    with pytest.raises(RuleError, match="same key id"):
        services.rotate_keys(
            partner, age_recipient=partner_keys.recipient, minisign_key=forged, actor_id=None
        )
    assert _import(desk, *bundles.make(partner_keys)).partner == partner


def test_a_bundle_signed_by_debians_minisign_with_its_own_key_is_taken(desk, tmp_path):
    """`minisign -G` draws a random key id, not a hash of the key: a partner who signs with
    the standard tool had every bundle refused as altered."""
    import subprocess

    from aegis.exchange import identity, keys

    from .conftest import new_partner_keys

    folder = tmp_path / "partner"
    partner_keys = new_partner_keys(folder)
    pub, sec = folder / "minisign.pub", folder / "minisign.key"
    subprocess.run(
        ["minisign", "-G", "-W", "-p", str(pub), "-s", str(sec)], check=True, capture_output=True
    )
    line = keys.minisign_line(pub.read_text())
    # The tool's id is not the one this instance would give the key.
    assert keys.key_id(line) != keys.key_id(keys.line_for(keys.verify_key(line)))
    identity.create()
    partner = services.add_partner(
        "Casa Andina",
        age_recipient=partner_keys.recipient,
        minisign_key=line,
        actor_id=None,
        vetted=True,
    )
    data, _signature = bundles.make(partner_keys)
    bundle_file = tmp_path / "bundle.age"
    bundle_file.write_bytes(data)
    subprocess.run(
        ["minisign", "-S", "-s", str(sec), "-m", str(bundle_file)], check=True, capture_output=True
    )
    signature = (tmp_path / "bundle.age.minisig").read_text()
    assert _import(desk, data, signature).partner == partner
    # Tampering is still caught with such a key.
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    with pytest.raises(RuleError, match="altered"):
        _import(desk, bytes(flipped), signature)


@pytest.mark.parametrize("where", ["manifest", "records"])
def test_json_nested_past_pythons_depth_is_a_damaged_bundle(desk, partner, partner_keys, where):
    """Had been a RecursionError: a 500 on the page, a traceback on the command line."""
    deep = b"[" * 100_000 + b"]" * 100_000
    if where == "records":
        data, signature = bundles.make(partner_keys, contents={"records.json": deep})
        said = "records are not readable"
    else:

        def nest(files):
            files["manifest.json"] = deep

        data, signature = bundles.make(partner_keys, spoil=nest)
        said = "readable manifest"
    _refused(desk, data, signature, said)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda r: r["events"][0].update(place="Bogotá"),
        lambda r: r["events"][0].update(acts="death_threat"),
        lambda r: r["persons"][0].update(biographic_details=["Guardian Rio"]),
        lambda r: r["persons"].append("P2"),
    ],
)
def test_a_record_of_another_shape_is_a_damaged_bundle(desk, partner, partner_keys, spoil):
    """The review page reads these parts as objects and lists: "place": "Bogotá" had been a
    500 on it, and the record could then not even be rejected."""
    records = json.loads(json.dumps(bundles.RECORDS))
    spoil(records)
    data, signature = bundles.make(partner_keys, contents=bundles.files(records))
    _refused(desk, data, signature, "records are not readable")


def test_the_same_bundle_sent_twice_at_once_is_received_once(
    desk, partner, partner_keys, monkeypatch
):
    """A double click on "Check and receive": both sendings passed the replay check before
    either landed, and the second's row broke the bundle id's uniqueness (a 500)."""
    from aegis.rules import Conflict

    data, signature = bundles.make(partner_keys)
    checked = services._items

    def the_other_lands_first(opened):
        monkeypatch.setattr(services, "_items", checked)
        _import(desk, data, signature)  # between this one's check and its write
        return checked(opened)

    monkeypatch.setattr(services, "_items", the_other_lands_first)
    with pytest.raises(Conflict, match="was already received: a bundle is imported once"):
        _import(desk, data, signature)
    assert Received.objects.count() == 1
    assert QuarantineItem.objects.count() == 2  # the first bundle's, once
    assert AuditEntry.objects.filter(action="exchange.refuse", object_id="replayed").exists()


@pytest.mark.parametrize("file_format", ["openevsys", "csv"])
def test_an_unsigned_file_from_a_partner_whose_vetting_expired_is_refused(
    desk, partner, file_format
):
    """As a signed bundle from that partner is: an unsigned file had been taken."""
    import datetime

    from aegis.exchange import interop

    from .bundles import RECORDS

    partner.expires_on = datetime.date.today() - datetime.timedelta(days=1)
    partner.save(update_fields=["expires_on"])
    make = interop.openevsys_xml if file_format == "openevsys" else interop.records_csv
    with pytest.raises(RuleError, match="vetting expired on") as refused:
        services.import_legacy(
            make(RECORDS), file_format, partner=partner, compartment=desk.compartment, actor_id=None
        )
    assert refused.value.field == "partner"
    assert not Received.objects.exists() and not QuarantineItem.objects.exists()
    assert AuditEntry.objects.filter(action="exchange.refuse").exists()


def test_our_own_keys_are_no_partner_s(desk, partner, partner_keys):
    """A partner added with our own keys had been "added", and then our own bundles were
    received as from that partner."""
    from aegis.exchange import identity

    own = identity.public()
    other = x25519.Identity.generate().to_public()
    for age, minisign_key, field in (
        (own.age_recipient, own.minisign_key, "age_recipient"),
        (own.age_recipient.upper(), "", "age_recipient"),
        (str(other), own.minisign_key, "minisign_key"),
    ):
        with pytest.raises(RuleError, match="this organisation's own") as refused:
            services.add_partner(
                "Ourselves", age_recipient=age, minisign_key=minisign_key, actor_id=None
            )
        assert refused.value.field == field
        with pytest.raises(RuleError, match="this organisation's own"):
            services.rotate_keys(
                partner,
                age_recipient=age,
                minisign_key=minisign_key or partner_keys.minisign_line,
                actor_id=None,
            )
    assert not Partner.objects.filter(name="Ourselves").exists()
    assert services.current_key(partner).age_recipient == partner_keys.recipient
