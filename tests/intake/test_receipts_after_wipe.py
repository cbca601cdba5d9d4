"""After `aegis wipe`, no receipt code issued before it opens anything.

Online: the follow-up page and the intake API, tried with every code (and by a reporter whose
follow-up was open at the time of the wipe), answer only that the service is not accepting
reports, and write nothing. Offline: whoever holds a copy of the database and the media
folder and every code derives each code's key exactly as the app does (with the salt the copy
holds for it, and also with every salt the receipts had before the wipe) and tries it, and
every key it unwraps, against every wrap and every ciphertext of the copy: no canary comes
out. The same attack on a copy taken just before the wipe reads every canary, which shows it
would see them. The public form takes no report until `aegis init` sets the instance up
again, and says so in the visitor's language."""

from __future__ import annotations

import contextlib
import io
import itertools
import secrets
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import nacl.exceptions
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, models
from django.test import Client
from django.utils import translation

from aegis import bootstrap
from aegis.accounts import services as accounts
from aegis.intake import receipts, services, triage
from aegis.intake.models import (
    ReceiptOpenings,
    Submission,
    SubmissionFile,
    SubmissionMessage,
    UsedFormToken,
)
from aegis.vault import crypto, wipe_key
from aegis.vault.fields import EncryptedTextField, field_context
from aegis.vault.keychain import unlocked
from aegis.vault.models import Keypair
from tests.conftest import PASSWORD, sign_in
from tests.seizure import copy_live_database, find

from .conftest import blobs, form_data, post_report, receipt_code, token_of, upload

pytestmark = pytest.mark.django_db(transaction=True)

NOT_ACCEPTING = "This service is not accepting reports at the moment."

Tables = dict[str, list[dict[str, Any]]]


def canary(label: str) -> str:
    return f"{label}-{secrets.token_hex(6)}"


def api(path: str, payload: dict[str, Any]):
    return Client().post(f"/api/v1/intake{path}", payload, content_type="application/json")


# --- The offline attacker -------------------------------------------------------------------


def seize(where: Path) -> tuple[Tables, Path]:
    """A copy of the database (every row of every table, read from a copy of the SQLite file
    and its WAL; on PostgreSQL, the rows as the server holds them) and of the media folder."""
    where.mkdir()
    media = where / "media"
    if Path(settings.MEDIA_ROOT).exists():
        shutil.copytree(settings.MEDIA_ROOT, media)
    tables: Tables = {}
    if connection.vendor == "sqlite":
        copy = where / "seized.sqlite3"
        copy_live_database(copy)
        db = sqlite3.connect(copy)
        db.row_factory = sqlite3.Row
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in names:
            tables[table] = [dict(row) for row in db.execute(f'SELECT * FROM "{table}"')]
        db.close()
    else:
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'SELECT * FROM "{table}"')
                columns = [column.name for column in cursor.description]
                tables[table] = [dict(zip(columns, row, strict=True)) for row in cursor]
    return tables, media


def receipt_keys(codes: list[str], tables: Tables, old_receipts: list[tuple]) -> set[bytes]:
    """Each code's key as services.open_receipt derives it: the row its lookup hash finds
    gives the salt and cost. Every salt and cost the receipts had before the wipe is tried
    with every code as well (an attacker who kept an older copy)."""
    keys = set()
    rows = tables[Submission._meta.db_table]
    for code in codes:
        normalised = receipts.normalise(code)
        assert normalised is not None
        lookup = receipts.lookup_hash(normalised)
        params = {
            (bytes(row["receipt_salt"]), row["receipt_opslimit"], row["receipt_memlimit"])
            for row in rows
            if row["receipt_lookup"] == lookup and row["receipt_salt"] is not None
        } | set(old_receipts)
        for salt, opslimit, memlimit in params:
            cost = crypto.KdfCost(int(opslimit), int(memlimit))
            keys.add(receipts.derive(normalised, salt, cost))
    return keys


def unwrap_all(keys: set[bytes], tables: Tables) -> set[bytes]:
    """Every value of the copy that one of `keys` opens as a secret box (a wrapped key)."""
    values = [
        bytes(value)
        for rows in tables.values()
        for row in rows
        for value in row.values()
        if isinstance(value, bytes | memoryview) and value
    ]
    opened = set()
    for key, value in itertools.product(keys, values):
        with contextlib.suppress(crypto.DecryptionError):
            opened.add(crypto.box_decrypt(key, value))
    return opened


def _key_id(value: Any) -> Any:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return value


def read_everything(keys: set[bytes], tables: Tables, media: Path) -> list[bytes]:
    """Every encrypted field of every model (bound to its context as the app binds it) and
    every file of the media copy that one of `keys` opens."""
    plaintexts = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        for row in tables.get(model._meta.db_table, []) if fields else []:
            for field in fields:
                stored = row[field.column]
                key_id = row[model._meta.get_field(field.key_field).column]
                if not stored or key_id is None:
                    continue
                context = field_context(model, field.name, _key_id(key_id))
                for key in keys:
                    with contextlib.suppress(crypto.DecryptionError):
                        plaintexts.append(crypto.aead_decrypt(key, bytes(stored), context))
    files = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    for path, key in itertools.product(files, keys):
        opened = io.BytesIO()
        try:
            with open(path, "rb") as handle:
                crypto.decrypt_stream(key, handle, opened)
        except (crypto.DecryptionError, nacl.exceptions.CryptoError):
            continue
        plaintexts.append(opened.getvalue())
    return plaintexts


def offline_attack(
    codes: list[str], old_receipts: list[tuple], where: Path, canaries: set[str]
) -> set[str]:
    """The canaries that whoever seizes the server now, holding every code, can read."""
    tables, media = seize(where)
    # The instance's folder is seized too: the wipe key with it, where there is one.
    wipe = wipe_key.key_file().read_bytes() if wipe_key.exists() else None
    keys = receipt_keys(codes, tables, old_receipts)
    keys |= {wipe_key.bind(k, wipe_key.RECEIPT, wipe) for k in keys} if wipe else set()
    keys |= {k for k in unwrap_all(keys, tables) if len(k) == crypto.KEY_BYTES}
    plaintexts = read_everything(keys, tables, media)
    return {c for c in canaries if any(c.encode() in p for p in plaintexts)}


# --- A realistic session --------------------------------------------------------------------


def written() -> tuple[int, ...]:
    return (
        Submission.objects.count(),
        SubmissionMessage.objects.count(),
        SubmissionFile.objects.count(),
        UsedFormToken.objects.count(),
        ReceiptOpenings.objects.count(),
        Session.objects.count(),
        len(blobs()),
    )


def test_no_receipt_code_opens_anything_after_a_wipe(intake_team, tmp_path):
    _compartment, lucia = intake_team
    c = {
        label: canary(label)
        for label in (
            "Narrative1",
            "Name1",
            "Phone1",
            "Signal1",
            "Place1",
            "FileName1",
            "FileBytes1",
            "ReporterMessage1",
            "MessageFileBytes1",
            "StaffReply1",
            "Narrative2",
            "Place2",
            "StaffReply2",
            "TriageReason2",
            "Narrative3",
            "Email3",
            "ApiMessage3",
            "StaffReply3",
            "Narrative4",
            "Place4",
        )
    }
    codes: list[str] = []

    # 1. On the web, with contact details and a file; the reporter answers the team's reply
    # with a message and another file, and keeps the follow-up page open.
    reporter = Client()
    codes.append(
        receipt_code(
            post_report(
                reporter,
                files=[(c["FileName1"] + ".txt", c["FileBytes1"].encode() * 40, "text/plain")],
                anonymous="no",
                narrative=c["Narrative1"],
                contact_name=c["Name1"],
                contact_phone=c["Phone1"],
                contact_channel=c["Signal1"],
                place_details=c["Place1"],
            )
        )
    )
    first = Submission.objects.get()
    staff = sign_in(Client(), lucia)
    reply = staff.post(f"/triage/{first.pk}/reply/", {"body": c["StaffReply1"]})
    assert reply.status_code == 302
    opened = reporter.post("/report/follow-up/", {"action": "open", "code": codes[0]})
    assert opened.status_code == 302
    answer = reporter.post(
        "/report/follow-up/",
        {
            "action": "message",
            "body": c["ReporterMessage1"],
            "files": [upload("more.txt", c["MessageFileBytes1"].encode() * 40, "text/plain")],
        },
    )
    assert answer.status_code == 302
    page = reporter.get("/report/follow-up/").content.decode()
    assert c["StaffReply1"] in page and c["ReporterMessage1"] in page

    # 2. On the web, anonymous; the team replies and marks it.
    codes.append(
        receipt_code(post_report(Client(), narrative=c["Narrative2"], place_details=c["Place2"]))
    )
    # 3. Through the API, with an email address; the reporter reads the reply and answers.
    sent = api(
        "/submissions",
        {
            "narrative": c["Narrative3"],
            "target_kind": "group",
            "anonymous": False,
            "contact": {"email": f"{c['Email3']}@example.org"},
        },
    )
    assert sent.status_code == 201, sent.content
    codes.append(sent.json()["receipt_code"])
    # 4. Through the API, anonymous, never followed up.
    sent = api(
        "/submissions",
        {"narrative": c["Narrative4"], "target_kind": "me", "place_details": c["Place4"]},
    )
    codes.append(sent.json()["receipt_code"])
    second, third = (
        Submission.objects.get(pk=s.pk) for s in Submission.objects.order_by("received_at")[1:3]
    )
    with unlocked(lucia.keychain()) as chain:
        assert second.narrative == c["Narrative2"] and third.narrative == c["Narrative3"]
        triage.reply(second, c["StaffReply2"], actor_id=lucia.user.pk)
        triage.mark_spam(second, c["TriageReason2"], actor_id=lucia.user.pk)
        triage.reply(third, c["StaffReply3"], actor_id=lucia.user.pk)
        accounts.create_api_token(lucia.user, "script", chain)
    thread = api("/follow-up", {"code": codes[2]})
    assert thread.status_code == 200 and c["StaffReply3"] in thread.content.decode()
    assert (
        api("/follow-up/messages", {"code": codes[2], "body": c["ApiMessage3"]}).status_code == 201
    )

    canaries = set(c.values())
    old_receipts = [
        (bytes(s.receipt_salt), s.receipt_opslimit, s.receipt_memlimit)
        for s in Submission.objects.all()
    ]
    old_wraps = [bytes(s.receipt_wrapped_key) for s in Submission.objects.all()]
    old_lookups = [s.receipt_lookup.encode() for s in Submission.objects.all()]
    assert len(codes) == len(old_receipts) == 4

    # The attack reads every canary from a copy taken before the wipe...
    assert offline_attack(codes, old_receipts, tmp_path / "before", canaries) == canaries

    assert bootstrap.wipe_instance(confirmed=True) == 0

    # ... and none from a copy taken after it.
    read = offline_attack(codes, old_receipts, tmp_path / "after", canaries)
    assert not read, f"{len(read)} of {len(canaries)} canaries read: {sorted(read)}"
    # The receipts' wrapped keys and lookup hashes are gone from the files themselves.
    assert find(old_wraps + old_lookups) == []
    # No key column is left holding anything: every binary column that is not ciphertext
    # (EncryptedTextField) or a public key is empty, in every table of every app.
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.BinaryField) or isinstance(field, EncryptedTextField):
                continue
            if (model, field.name) == (Keypair, "public_key"):
                continue
            kept = model._default_manager.exclude(**{field.name: None}).count()
            assert kept == 0, f"{model._meta.label}.{field.name} keeps {kept} values"

    # Online: every code, on the follow-up page and the API, and the follow-up that was open.
    before = written()
    for code in codes:
        for typed in (code, code.lower().replace("-", " ")):
            page = Client().post("/report/follow-up/", {"action": "open", "code": typed})
            assert page.status_code == 503
            assert NOT_ACCEPTING in page.content.decode()
            for path, payload in (
                ("/follow-up", {"code": typed}),
                ("/follow-up/messages", {"code": typed, "body": "Are you there?"}),
            ):
                answer = api(path, payload)
                assert answer.status_code == 503
                assert answer.json() == {"detail": NOT_ACCEPTING}
    kept_open = reporter.get("/report/follow-up/")
    assert kept_open.status_code == 503 and NOT_ACCEPTING in kept_open.content.decode()
    kept_open = reporter.post(
        "/report/follow-up/",
        {"action": "message", "body": "Still here", "files": [upload("x.txt", b"abc")]},
    )
    assert kept_open.status_code == 503
    assert written() == before
    assert written() == before  # no code was even counted as an opening


def test_after_a_wipe_the_form_takes_no_report_until_the_instance_is_set_up_again(intake_team):
    reporter = Client()
    token = token_of(reporter.get("/report/"))  # a form opened before the wipe

    assert bootstrap.wipe_instance(confirmed=True) == 0

    before = (Submission.objects.count(), UsedFormToken.objects.count(), blobs())
    sent = reporter.post(
        "/report/",
        {**form_data(), "form_token": token, "files": [upload("a.txt", b"what they sent")]},
    )
    assert sent.status_code == 503
    page = sent.content.decode()
    assert NOT_ACCEPTING in page and "form_token" not in page
    assert api("/submissions", {"narrative": "x", "target_kind": "me"}).status_code == 503
    assert (Submission.objects.count(), UsedFormToken.objects.count(), blobs()) == before

    # In the visitor's language (the catalogue's words for the same sentence).
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es").get("/report/")
    assert spanish.status_code == 503
    with translation.override("es"):
        assert str(services.NotAccepting.MESSAGE) in spanish.content.decode()
    assert '<html lang="es"' in spanish.content.decode()

    # `aegis init` sets the instance up again: new keys, a new administrator, reports again.
    assert bootstrap.init_instance("admin-after-wipe", PASSWORD, interactive=False) == 0
    assert Keypair.objects.filter(kind=Keypair.Kind.RECOVERY).exists()
    code = receipt_code(post_report(Client(), narrative="After the wipe, they came back."))
    opened = Client().post("/report/follow-up/", {"action": "open", "code": code})
    assert opened.status_code == 302
    assert api("/follow-up", {"code": code}).status_code == 200
