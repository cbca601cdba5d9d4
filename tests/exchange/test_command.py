"""`aegis exchange identity|partner|export` as operators script them."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from aegis.exchange import identity
from aegis.exchange.models import Export, Partner
from tests.conftest import PASSWORD

from .conftest import new_partner_keys


def _run(*args: str) -> str:
    out = StringIO()
    call_command("exchange", *args, stdout=out)
    return out.getvalue()


def _export(case_reference: str, out: Path, tmp_path: Path, profile: str) -> str:
    """`exchange export` to Casa Andina as lucia, her password read from a file."""
    password = tmp_path / "password"
    password.write_text(PASSWORD)
    return _run(
        "export",
        "--partner",
        "Casa Andina",
        "--case",
        case_reference,
        "--profile",
        profile,
        "--out",
        str(out),
        "--username",
        "lucia",
        "--password-file",
        str(password),
    )


def test_identity_is_made_once_and_printed(organisation):
    first = _run("identity")
    assert first == _run("identity")
    shown = identity.public()
    assert shown is not None
    assert f"age recipient: {shown.age_recipient}" in first
    assert f"minisign public key: {shown.minisign_key}" in first
    assert shown.minisign_key.startswith("RW")


def test_identity_writes_the_minisign_public_key_file(organisation, tmp_path):
    """The file `minisign -V -p` reads: the bare key line is not one (minisign: "Error while
    loading the public key file")."""
    pub = tmp_path / "aegis-exchange.pub"
    said = _run("identity", "--pub", str(pub))
    shown = identity.public()
    assert shown is not None and f"minisign public key file: {pub}" in said
    assert pub.read_text() == (
        f"untrusted comment: minisign public key {shown.key_id}\n{shown.minisign_key}\n"
    )
    with pytest.raises(CommandError, match="Cannot write"):
        _run("identity", "--pub", str(tmp_path / "missing" / "x.pub"))


def test_partner_add_validates_the_keys(organisation, tmp_path):
    keys = new_partner_keys(tmp_path)
    with pytest.raises(CommandError, match="not an age X25519 recipient"):
        _run("partner", "add", "Casa", "--age-recipient", "age1nope")
    with pytest.raises(CommandError, match="minisign"):
        _run("partner", "add", "Casa", "--age-recipient", keys.recipient, "--minisign-key", "RWxx")
    _run(
        "partner",
        "add",
        "Casa",
        "--age-recipient",
        keys.recipient,
        "--minisign-key",
        keys.minisign_line,
        "--expires",
        (datetime.date.today() + datetime.timedelta(days=365)).isoformat(),
    )
    assert Partner.objects.get().name == "Casa"
    assert "Casa" in _run("partner", "list")


def test_export_writes_the_bundle_and_its_signature(desk, partner, tmp_path):
    out = tmp_path / "bundle.age"
    said = _export(desk.case.reference, out, tmp_path, "pseudonymised")
    assert out.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert Path(f"{out}.minisig").read_text().startswith("untrusted comment:")
    assert str(Export.objects.get().pk) in said


@pytest.mark.parametrize("unwritable", ["folder", "signature"])
def test_an_export_that_cannot_be_written_is_not_recorded_as_sent(
    desk, partner, tmp_path, unwritable
):
    """Nothing reached the partner: no bundle is recorded as sent, no sharing history names
    it, no audit entry says it was exported, and no half of it is left on the disk."""
    from aegis.audit.models import AuditEntry
    from aegis.exchange.models import ExportedRecord

    out = tmp_path / "missing" / "bundle.age"
    if unwritable == "signature":
        out = tmp_path / "bundle.age"
        Path(f"{out}.minisig").mkdir()  # a folder where the signature would go
    with pytest.raises(CommandError, match="Cannot write"):
        _export(desk.case.reference, out, tmp_path, "coded")
    assert not Export.objects.exists() and not ExportedRecord.objects.exists()
    assert not AuditEntry.objects.filter(action="exchange.export").exists()
    assert not out.exists()


def test_export_with_a_wrong_password_or_unknown_partner_is_refused(desk, partner, tmp_path):
    password = tmp_path / "password"
    password.write_text("wrong")
    common = ["--case", desk.case.reference, "--profile", "coded", "--out", str(tmp_path / "b")]
    with pytest.raises(CommandError, match="Wrong password"):
        _run(
            "export",
            "--partner",
            "Casa Andina",
            *common,
            "--username",
            "lucia",
            "--password-file",
            str(password),
        )
    with pytest.raises(CommandError, match="No partner"):
        _run(
            "export",
            "--partner",
            "Nobody",
            *common,
            "--username",
            "lucia",
            "--password-file",
            str(password),
        )
    assert not Export.objects.exists()


def test_a_lost_exchange_unlock_secret_is_replaced_with_the_recovery_key(
    organisation, monkeypatch, tmp_path, capsys
):
    """After a restore without the exchange's unlock secret (it is in no backup), bundles
    could neither be signed nor opened, and no command sealed the key anew."""
    from aegis import bootstrap
    from aegis.vault import service_keys

    made = identity.create()
    monkeypatch.delenv("AEGIS_EXCHANGE_UNLOCK")
    service_keys.forget(identity.SERVICE)
    with pytest.raises(service_keys.ServiceKeyMissing):
        service_keys.load_private_key(identity.SERVICE)
    new_secret = tmp_path / "new-unlock"
    new_secret.write_text("a new unlock secret for the exchange")
    sealed = bootstrap.seal_service_key(False, str(new_secret), organisation, name="exchange")
    assert sealed == 0
    out = capsys.readouterr().out
    assert "exchange service key is sealed under" in out and "--service exchange" in out
    # Its own variable, never the alert service's systemd credential (which would then fail
    # to open the alert key: no alert would go out).
    assert "AEGIS_EXCHANGE_UNLOCK_FILE" in out and "aegis-alert-unlock" not in out
    service_keys.forget(identity.SERVICE)
    monkeypatch.setenv("AEGIS_EXCHANGE_UNLOCK", "a new unlock secret for the exchange")
    assert identity.opened()  # signs and opens bundles again, with the same identity
    assert identity.public() == made


@pytest.mark.parametrize("file_format", ["csv", "openevsys"])
def test_import_takes_a_file_from_an_older_tool_as_the_readme_says(
    desk, partner, tmp_path, file_format
):
    from aegis.exchange import interop

    from .bundles import RECORDS

    make = interop.openevsys_xml if file_format == "openevsys" else interop.records_csv
    path = tmp_path / f"records.{file_format}"
    path.write_bytes(make(RECORDS))
    compartment = ["--compartment", desk.compartment.name]
    with pytest.raises(CommandError, match="--partner"):
        _run("import", str(path), "--format", file_format, *compartment)
    said = _run(
        "import", str(path), "--format", file_format, "--partner", partner.name, *compartment
    )
    assert f"from {partner.name}" in said and "1 event" in said
