"""`aegis exchange identity|partner|export` as operators script them."""

from __future__ import annotations

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


def test_identity_is_made_once_and_printed(organisation):
    first = _run("identity")
    assert first == _run("identity")
    shown = identity.public()
    assert shown is not None
    assert f"age recipient: {shown.age_recipient}" in first
    assert f"minisign public key: {shown.minisign_key}" in first
    assert shown.minisign_key.startswith("RW")


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
        "2099-01-01",
    )
    assert Partner.objects.get().name == "Casa"
    assert "Casa" in _run("partner", "list")


def test_export_writes_the_bundle_and_its_signature(desk, partner, tmp_path):
    password = tmp_path / "password"
    password.write_text(PASSWORD)
    out = tmp_path / "bundle.age"
    said = _run(
        "export",
        "--partner",
        "Casa Andina",
        "--case",
        desk.case.reference,
        "--profile",
        "pseudonymised",
        "--out",
        str(out),
        "--username",
        "lucia",
        "--password-file",
        str(password),
    )
    assert out.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert Path(f"{out}.minisig").read_text().startswith("untrusted comment:")
    assert str(Export.objects.get().pk) in said


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
