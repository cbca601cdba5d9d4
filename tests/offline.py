"""The two sides of the offline-attack test (tests/test_offline_attack.py), each run as its own
process on its own AEGIS_HOME with the real settings:

- `python -m tests.offline session TRUTH`: a realistic session on an instance made by
  `aegis init` (people of every role, the demo's cases, safety plans with emergency
  contacts, incidents, evidence, anonymous reports, partners, alerts with outcomes, a
  sign-in). It writes to TRUTH (outside the instance) every protected value the legitimate
  key holders can read and every blind index with the value it was made from: the attacker's
  perfect guesses.
- `python -m tests.offline attack TRUTH REPORT`: someone holding nothing but a copy of the
  instance folder. It collects every candidate key in it (every file, every 32-byte value and
  every encoded 32-byte string in files and database columns, SECRET_KEY and keys derived
  from it, Argon2id of every string in the files under every keypair's salt) and tries each
  against everything sealed: key wraps and recovery seals (sealed boxes), password-sealed
  keys, session keys and receipts (secret boxes), every encrypted field (AEAD, with its
  exact context), every evidence file, and every blind index with the true value. Whatever
  opens adds its keys to the candidates, until nothing new opens. REPORT says what opened."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

PASSWORD = "correct horse battery staple"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aegis.settings")
    import django

    django.setup()


def encrypted_fields() -> Iterator[tuple[Any, Any]]:
    from django.apps import apps

    from aegis.vault.fields import EncryptedTextField

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def blind_index_fields() -> Iterator[tuple[Any, Any]]:
    from django.apps import apps

    from aegis.vault.fields import BlindIndexField

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, BlindIndexField):
                yield model, field


def ciphertexts(model: Any, field: Any) -> Iterator[tuple[Any, bytes, Any]]:
    """(row id, raw ciphertext, data key id) without decrypting anything."""
    key_column = model._meta.get_field(field.key_field).attname
    rows = model._default_manager.exclude(**{f"{field.attname}__isnull": True})
    for pk, raw, key_id in rows.values_list("pk", field.attname, key_column).iterator():
        if raw:
            yield pk, bytes(raw), key_id


# --- The session ----------------------------------------------------------------------------


def session(truth_path: Path) -> None:
    _setup()
    from django.test import Client

    from aegis import demo
    from aegis.accounts import services as accounts
    from aegis.vault import crypto, normalise, service_keys
    from aegis.vault import services as vault
    from aegis.vault.fields import field_context
    from aegis.vault.keychain import Keychain, NoKeyAccess, unlocked
    from aegis.vault.selectors import keypair_for_user

    recovery = os.environ["SESSION_RECOVERY_KEY"]
    people = {}
    for username, role in demo.DEMO_PEOPLE:
        if username == "amara":
            continue  # the administrator `aegis init` made
        people[username] = accounts.create_user(username, PASSWORD, role)
    staff = [people["lucia"].user, people["karim"].user]
    with unlocked(vault.recovery_keychain(recovery)):
        for user in staff:
            vault.grant(vault.index_key_id(), keypair_for_user(user.pk))  # type: ignore[arg-type]
    demo._create_area_data(staff, [people["thandi"].user])

    # A caseworker signs in and reads a page: a session row holds her wrapped key.
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": "lucia", "password": PASSWORD, "code": people["lucia"].backup_codes[0]},
    )
    assert response.status_code == 302, response.status_code
    assert client.get("/").status_code == 200

    # Everything the legitimate holders can read: the staff, the alert service, the recovery key.
    held = {}
    for user in staff:
        keypair = keypair_for_user(user.pk)
        assert keypair is not None
        held[keypair.pk] = vault.unlock_user_keypair(keypair, PASSWORD)
    held.update(vault.recovery_keychain(recovery).private_keys)
    held.update(service_keys.service_keychain().private_keys)
    chain = Keychain(held)
    values: dict[str, list[str]] = {}
    for model, field in encrypted_fields():
        for _pk, raw, key_id in ciphertexts(model, field):
            try:
                key = chain.data_key(key_id)
            except NoKeyAccess:
                continue
            text = crypto.aead_decrypt(key, raw, field_context(model, field.name, key_id))
            values.setdefault(f"{model._meta.label_lower}.{field.name}", []).append(text.decode())
    guesses = []
    with unlocked(chain):
        for model, field in blind_index_fields():
            source = model._meta.get_field(field.source)
            for row in model._default_manager.exclude(**{field.attname: ""}):
                plain = getattr(row, source.name)
                if plain:
                    guesses.append(
                        [
                            field.kind,
                            normalise.NORMALISERS[field.kind](plain),
                            getattr(row, field.attname),
                        ]
                    )
    # Kept in clear on purpose (a demo contact shares a partner organisation's name).
    from aegis.alerts.models import PartnerOrganisation
    from aegis.cases.models import Person

    clear = list(PartnerOrganisation.objects.values_list("name", flat=True))
    clear += list(Person.objects.values_list("pseudonym", flat=True))
    truth_path.write_text(json.dumps({"values": values, "guesses": guesses, "clear": clear}))


# --- The attack -----------------------------------------------------------------------------

B64 = re.compile(rb"[A-Za-z0-9+/_-]{42,46}={0,2}")
HEX = re.compile(rb"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
B32 = re.compile(rb"[A-Z2-7-]{52,70}")


def decodings(token: bytes) -> Iterator[bytes]:
    """The bytes a printable token could stand for (base64, url-safe, hex, grouped base32)."""
    stripped = token.strip().rstrip(b"=")
    padded = stripped + b"=" * (-len(stripped) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        with suppress(binascii.Error, ValueError):
            yield decode(padded)
    with suppress(ValueError):
        yield bytes.fromhex(token.decode())
    cleaned = re.sub(rb"[^A-Z2-7]", b"", token.upper())
    with suppress(binascii.Error, ValueError):
        yield base64.b32decode(cleaned + b"=" * (-len(cleaned) % 8))


class Attack:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.keys: set[bytes] = set()  # 32-byte candidates: X25519 private keys and secret keys
        self.phrases: set[bytes] = set()  # strings to try as Argon2id passphrases
        self.sources: dict[bytes, str] = {}
        self.opened: list[str] = []
        self.tries = {"sealed box": 0, "secret box": 0, "field": 0, "file": 0, "argon2id": 0}
        self.guess_tries = 0

    def key(self, value: bytes, where: str) -> None:
        if len(value) == 32 and value not in self.keys:
            self.keys.add(value)
            self.sources.setdefault(value, where)

    def text(self, token: bytes, where: str) -> None:
        """A printable token: its decodings as keys, itself and its hashes as key material."""
        token = token.strip()
        if not token or len(token) > 512:
            return
        self.phrases.add(token)
        for decoded in decodings(token):
            self.key(decoded, where)
        self.key(hashlib.sha256(token).digest(), f"sha256 of a string in {where}")
        self.key(hashlib.blake2b(token, digest_size=32).digest(), f"blake2b of a string in {where}")

    def scan_bytes(self, blob: bytes, where: str) -> None:
        self.key(blob, where)
        for pattern in (B64, HEX, B32):
            for match in pattern.finditer(blob):
                for decoded in decodings(match.group()):
                    self.key(decoded, where)

    def collect_files(self) -> None:
        for path in sorted(self.home.rglob("*")):
            if not path.is_file():
                continue
            data = path.read_bytes()
            where = str(path.relative_to(self.home))
            self.scan_bytes(data, where)
            if len(data) < 64 * 1024 and b"\x00" not in data:
                self.text(data, where)
                for line in data.splitlines():
                    self.text(line, where)
                    for word in line.split():
                        self.text(word, where)

    def collect_database(self) -> None:
        """Every value of every column of every table, as the SQLite file holds it."""
        from django.db import connection

        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'SELECT * FROM "{table}"')
                for row in cursor.fetchall():
                    for value in row:
                        if isinstance(value, (bytes, memoryview)):
                            self.scan_bytes(bytes(value), f"{table} (blob)")
                        elif isinstance(value, str) and len(value) < 4096:
                            self.scan_bytes(value.encode(), f"{table} (text)")
                            if 8 <= len(value) <= 128:
                                self.phrases.add(value.encode())
        from django.conf import settings

        self.text(settings.SECRET_KEY.encode(), "SECRET_KEY")

    def sealed_blobs(self) -> list[tuple[str, bytes]]:
        from aegis.vault.models import Keypair, KeyWrap

        blobs = [
            (f"key wrap {w.pk} ({w.data_key.purpose})", bytes(w.sealed_key))
            for w in KeyWrap.objects.select_related("data_key")
        ]
        blobs += [
            (
                f"{k.kind} keypair {k.pk} {k.name} (recovery seal)",
                bytes(k.recovery_sealed_private_key),
            )
            for k in Keypair.objects.exclude(recovery_sealed_private_key=None)
        ]
        return blobs

    def secret_blobs(self) -> list[tuple[str, bytes]]:
        """Secret boxes: password-sealed private keys, session keys, receipts' wraps."""
        from django.contrib.sessions.backends.db import SessionStore
        from django.contrib.sessions.models import Session
        from django.db import connection

        from aegis.vault.models import Keypair

        blobs = [
            (f"{k.kind} keypair {k.pk} {k.name} (sealed private key)", bytes(k.sealed_private_key))
            for k in Keypair.objects.exclude(sealed_private_key=None)
        ]
        for session in Session.objects.all():  # SECRET_KEY is on the disk: decode them all
            data = SessionStore().decode(session.session_data)
            for value in json.dumps(data).encode().split(b'"'):
                for decoded in decodings(value):
                    if len(decoded) > 40:
                        blobs.append((f"session {session.pk[:6]}", decoded))
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                if table.startswith("vault_"):
                    continue
                cursor.execute(f'SELECT * FROM "{table}"')
                for row in cursor.fetchall():
                    for value in row:
                        if isinstance(value, (bytes, memoryview)) and len(value) > 40:
                            blobs.append((f"{table} (blob)", bytes(value)))
        return blobs

    def open_all(self, guesses: list[list[str]]) -> dict[str, Any]:
        import nacl.exceptions
        from nacl.public import PrivateKey, SealedBox
        from nacl.secret import SecretBox

        from aegis.vault import crypto
        from aegis.vault.fields import field_context
        from aegis.vault.models import Keypair
        from aegis.vault.wipe_key import PASSWORD, bind

        sealed = self.sealed_blobs()
        secret = self.secret_blobs()
        fields = [
            (model, field, pk, raw, key_id)
            for model, field in encrypted_fields()
            for pk, raw, key_id in ciphertexts(model, field)
        ]
        media = [p for p in (self.home / "media").rglob("*") if p.is_file()]
        wipe_file = self.home / "secrets" / "wipe_key"
        wipe_keys = [wipe_file.read_bytes()] if wipe_file.is_file() else []
        salts = [
            (k, crypto.KdfCost(k.kdf_opslimit, k.kdf_memlimit))
            for k in Keypair.objects.exclude(kdf_salt=None)
        ]
        tried: set[bytes] = set()
        while fresh := self.keys - tried:
            for candidate in fresh:
                tried.add(candidate)
                box = SealedBox(PrivateKey(candidate))
                for label, blob in sealed:
                    self.tries["sealed box"] += 1
                    with suppress(nacl.exceptions.CryptoError):
                        self.found(box.decrypt(blob), label, candidate)
                secret_box = SecretBox(candidate)
                for label, blob in secret:
                    self.tries["secret box"] += 1
                    with suppress(nacl.exceptions.CryptoError):
                        self.found(secret_box.decrypt(blob), label, candidate)
                for model, field, pk, raw, key_id in fields:
                    self.tries["field"] += 1
                    try:
                        crypto.aead_decrypt(
                            candidate, raw, field_context(model, field.name, key_id)
                        )
                    except crypto.DecryptionError:
                        continue
                    self.opened.append(f"{model._meta.label_lower}.{field.name} row {pk}")
                for path in media:
                    self.tries["file"] += 1
                    try:
                        with path.open("rb") as source, open(os.devnull, "wb") as sink:
                            crypto.decrypt_stream(candidate, source, sink)
                    except (crypto.DecryptionError, ValueError, nacl.exceptions.CryptoError):
                        continue
                    self.opened.append(f"file {path.relative_to(self.home)}")
            for keypair, cost in salts:  # every string in the files, as a passphrase
                if not keypair.sealed_private_key:
                    continue
                for phrase in sorted(self.phrases):
                    self.tries["argon2id"] += 1
                    argon = crypto.derive_key(phrase, bytes(keypair.kdf_salt), cost)
                    # As the instance derives it: bound to the wipe key the folder holds.
                    for key in [argon, *(bind(argon, PASSWORD, w) for w in wipe_keys)]:
                        try:
                            raw = SecretBox(key).decrypt(bytes(keypair.sealed_private_key))
                        except nacl.exceptions.CryptoError:
                            continue
                        self.found(
                            raw,
                            f"{keypair.kind} keypair {keypair.pk} {keypair.name} (passphrase)",
                            key,
                        )
            self.phrases.clear()
        matched = []
        for kind, normalised, stored in guesses:
            for candidate in tried:
                self.guess_tries += 1
                if crypto.hmac_index(candidate, normalised, kind) == stored:
                    matched.append(f"{kind} index of a true value")
                    break
        return {
            "candidate_keys": len(tried),
            "sources": sorted({self.sources.get(k, "opened") for k in tried})[:400],
            "sealed_blobs": len(sealed),
            "secret_blobs": len(secret),
            "fields": len(fields),
            "files": len(media),
            "passphrase_keypairs": len(salts),
            "tries": self.tries,
            "guesses": len(guesses),
            "guess_tries": self.guess_tries,
            "opened": self.opened,
            "index_matches": matched,
        }

    def found(self, plaintext: bytes, label: str, candidate: bytes) -> None:
        where = self.sources.get(candidate, "a key opened before")
        self.opened.append(f"{label}, with a key from {where}")
        if len(plaintext) >= 32:
            self.key(plaintext[-32:], f"opened {label}")
            self.key(plaintext[:32], f"opened {label}")


def attack(truth_path: Path, report_path: Path) -> None:
    _setup()
    from django.conf import settings

    home = Path(settings.AEGIS_HOME)
    truth = json.loads(truth_path.read_text())
    attacker = Attack(home)
    attacker.collect_files()
    attacker.collect_database()
    report = attacker.open_all(truth["guesses"])
    report_path.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    if sys.argv[1] == "session":
        session(Path(sys.argv[2]))
    else:
        attack(Path(sys.argv[2]), Path(sys.argv[3]))
