"""The bundle's envelope: a ZIP (manifest.json, SHA256SUMS, records, evidence) inside an age
file, and a detached minisign signature of the age file. Everything here works in memory:
an import never writes what it decrypts to the disk, temporary files included.

Anyone can open a bundle without Aegis:
    minisign -V -p partner.pub -m bundle.age
    age -d -i our-identity.txt bundle.age > bundle.zip
    unzip bundle.zip && sha256sum -c SHA256SUMS
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import pyrage
from django.utils.translation import gettext as _
from nacl.signing import SigningKey
from pyrage import x25519

from aegis.audit import minisign
from aegis.exchange import keys

SCHEMA = "aegis-exchange/1"
SCHEMA_NAME, _slash, SCHEMA_VERSION_TEXT = SCHEMA.partition("/")
SCHEMA_VERSION = int(SCHEMA_VERSION_TEXT)
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
# A bundle holds what a person could bring on a stick: refuse to inflate more than this.
MAX_UNPACKED = 512 * 1024 * 1024


class Refused(Exception):
    """A bundle that is not imported; `reason` is one of the codes below, the message says
    what to tell the sender."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


NOT_FOR_US = "not-for-us"
TAMPERED = "tampered"
UNKNOWN_SIGNER = "unknown-signer"
NO_SIGNATURE = "no-signature"
REPLAYED = "replayed"
NEWER_SCHEMA = "newer-schema"
DAMAGED = "damaged"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack(files: dict[str, bytes], manifest: dict[str, Any]) -> bytes:
    """The ZIP: manifest.json with every file's SHA-256, SHA256SUMS for `sha256sum -c`."""
    manifest = {**manifest, "files": {path: sha256(data) for path, data in sorted(files.items())}}
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    every = {**files, MANIFEST: manifest_bytes}
    sums = "".join(f"{sha256(data)}  {path}\n" for path, data in sorted(every.items()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(every.items()):
            archive.writestr(path, data)
        archive.writestr(SUMS, sums)
    return buffer.getvalue()


def encrypt(data: bytes, recipients: list[str]) -> bytes:
    return pyrage.encrypt(data, [x25519.Recipient.from_str(r) for r in recipients])


def sign(data: bytes, key: SigningKey, *, bundle_id: str, sender: str) -> str:
    return minisign.sign(
        data,
        key,
        trusted=f"aegis exchange bundle {bundle_id} sha256:{sha256(data)}",
        untrusted=f"signature from {sender.replace(chr(10), ' ')}",
    )


@dataclass(frozen=True)
class Opened:
    manifest: dict[str, Any]
    files: dict[str, bytes]
    sha256: str


def signer_key_id(signature: str | None) -> bytes:
    if not signature or not signature.strip():
        raise Refused(
            NO_SIGNATURE,
            _("The bundle has no signature: ask the sender for its .minisig file."),
        )
    try:
        return minisign.parse(signature).key_id
    except minisign.SignatureInvalid as error:
        raise Refused(TAMPERED, _("The signature file is not valid.")) from error


def check_signature(data: bytes, signature: str, public_key: str) -> None:
    """`public_key`: the signer's minisign `RW…` line, key id and all."""
    try:
        minisign.verify(
            minisign.parse(signature),
            data,
            keys.verify_key(public_key),
            public_key_id=keys.key_id(public_key),
        )
    except minisign.SignatureInvalid as error:
        raise Refused(
            TAMPERED,
            _(
                "The bundle was altered after it was signed, or signed by another key: its "
                "signature does not match."
            ),
        ) from error


def decrypt(data: bytes, identity: x25519.Identity) -> bytes:
    try:
        return pyrage.decrypt(data, [identity])
    except pyrage.DecryptError as error:
        raise Refused(
            NOT_FOR_US,
            _("This bundle is not meant for this organisation: it was not encrypted to our key."),
        ) from error


def unpack(zipped: bytes, *, our_fingerprint: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the files, each checked against the manifest's hash."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(zipped))
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
            raise Refused(DAMAGED, _("The bundle unpacks to more than this instance accepts."))
        files = {info.filename: archive.read(info) for info in archive.infolist()}
        manifest = json.loads(files.pop(MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError, RecursionError) as error:
        # RecursionError: JSON nested past Python's depth.
        raise Refused(DAMAGED, _("The bundle does not hold a readable manifest.")) from error
    if not isinstance(manifest, dict):
        raise Refused(DAMAGED, _("The bundle does not hold a readable manifest."))
    name, _slash, version = str(manifest.get("schema", "")).partition("/")
    if name != SCHEMA_NAME or not version.isdigit():
        raise Refused(DAMAGED, _("This is not an Aegis exchange bundle."))
    if int(version) > SCHEMA_VERSION:
        raise Refused(
            NEWER_SCHEMA,
            _(
                "The bundle uses schema version %(version)s, newer than this instance reads "
                "(%(ours)s): upgrade Aegis to import it."
            )
            % {"version": version, "ours": SCHEMA_VERSION},
        )
    if manifest.get("recipient_fingerprint") != our_fingerprint:
        raise Refused(
            NOT_FOR_US,
            _(
                "This bundle is not meant for this organisation: its manifest names another "
                "recipient."
            ),
        )
    files.pop(SUMS, None)
    listed = manifest.get("files")
    if not isinstance(listed, dict) or set(listed) != set(files):
        raise Refused(TAMPERED, _("The bundle's files are not the ones its manifest lists."))
    for path, data in files.items():
        if sha256(data) != listed[path]:
            raise Refused(
                TAMPERED,
                _("The file %(path)s does not match its SHA-256 in the manifest.") % {"path": path},
            )
    return manifest, files
