"""Bundles as a partner would send them to this instance, made in the test from the
partner's keys, and spoilt on purpose for the refusal tests."""

from __future__ import annotations

import datetime
import io
import json
import uuid
import zipfile
from typing import Any

from aegis.exchange import bundle, identity, keys

RECORDS: dict[str, Any] = {
    "cases": [],
    "persons": [
        {
            "id": "P1",
            "biographic_details": {
                "pseudonym": "Guardian Rio",
                "legal_name": "Incoming Canaryperson",
                "phone": "+57 311 222 3344",
                "gender": "man",
                "country": "CO",
            },
        }
    ],
    "events": [
        {
            "id": "E1",
            "title": "Raid on the office",
            "date": {"start": "2026-03-04", "end": None, "precision": "day"},
            "place": {
                "country": "CO",
                "region": "CO-ANT",
                "exact_location": "Incoming Canaryplace",
            },
            "acts": [{"id": "A1", "type": "death_threat", "victims": ["V1"], "involvement": []}],
            "sources": [],
        }
    ],
    "victims": [{"id": "V1", "act": "A1", "person": "P1", "sex": "man", "age_group": "unknown"}],
    "perpetrators": [],
    "chain_of_events": [],
    "evidence": [],
}


def manifest(**changes: Any) -> dict[str, Any]:
    own = identity.public()
    assert own is not None
    return {
        "schema": bundle.SCHEMA,
        "bundle_id": str(uuid.uuid4()),
        "sender": {"name": "Casa Andina"},
        "recipient_fingerprint": keys.recipient_fingerprint(own.age_recipient),
        "purpose": "referral",
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "profile": "full",
        "consent_record_ids": [7],
        **changes,
    }


def files(records: dict[str, Any] | None = None) -> dict[str, bytes]:
    return {"records.json": json.dumps(records or RECORDS).encode()}


def make(
    partner_keys, *, manifest_changes=None, recipient=None, spoil=None, signer=None, contents=None
):
    """(age file, signature) from the partner: encrypted to us (or `recipient`), signed with
    the partner's key (or `signer`); `spoil(files)` changes a file after the manifest;
    `contents`: the files, records.json included (files() by default)."""
    own = identity.public()
    assert own is not None
    contents = contents or files()
    packed = bundle.pack(contents, manifest(**(manifest_changes or {})))
    if spoil is not None:
        archive = zipfile.ZipFile(io.BytesIO(packed))
        every = {name: archive.read(name) for name in archive.namelist()}
        spoil(every)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as out:
            for name, data in every.items():
                out.writestr(name, data)
        packed = buffer.getvalue()
    data = bundle.encrypt(packed, [recipient or own.age_recipient])
    signature = bundle.sign(
        data, signer or partner_keys.signing, bundle_id="test", sender="Casa Andina"
    )
    return data, signature


EVIDENCE_BYTES = b"%PDF-1.4 a partner's photo of the threat\n"


def with_evidence(partner_keys, content: bytes = EVIDENCE_BYTES):
    """(age file, signature) of a bundle holding one evidence file beside RECORDS."""
    import hashlib

    records = {
        **RECORDS,
        "evidence": [
            {
                "id": "F1",
                "case": None,
                "file": "evidence/F1",
                "name": "threat-photo.pdf",
                "description": "",
                "content_type": "application/pdf",
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "custody": [],
            }
        ],
    }
    return make(partner_keys, contents={**files(records), "evidence/F1": content})
