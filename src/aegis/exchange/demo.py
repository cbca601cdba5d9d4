"""Demo data: a vetted partner organisation (fictional, its keys made here), one defender
whose consent covers sharing with partners and a bundle sent about their case, and one
bundle from the partner waiting in quarantine."""

from __future__ import annotations

import contextlib
import datetime
import json
import uuid
from typing import Any

from nacl.signing import SigningKey
from pyrage import x25519

from aegis import clock
from aegis.cases import selectors as cases
from aegis.cases import services as case_services
from aegis.cases.vocabulary import ConsentScope
from aegis.rules import RuleError
from aegis.vault import service_keys

from . import bundle, identity, keys, services

PARTNER = "Red Mesoamericana de Defensoras (fictional)"

RECORDS: dict[str, Any] = {
    "cases": [],
    "persons": [
        {
            "id": "P1",
            "biographic_details": {
                "pseudonym": "Defensora Ixchel",
                "legal_name": "Ixchel Tzul (fictional)",
                "gender": "woman",
                "sector": "indigenous",
                "country": "GT",
            },
            "management": {"record_number": "P1", "organisation": PARTNER},
        }
    ],
    "events": [
        {
            "id": "E1",
            "title": "Community radio raided",
            "description": "Unknown men took the transmitter and threatened the presenters.",
            "date": {"start": "2026-02-11", "end": None, "precision": "day"},
            "place": {"country": "GT", "region": "", "exact_location": ""},
            "verification": "unverified",
            "acts": [{"id": "A1", "type": "threat", "victims": ["V1"], "involvement": []}],
            "sources": [],
            "management": {"record_number": "E1", "organisation": PARTNER},
        }
    ],
    "victims": [{"id": "V1", "act": "A1", "person": "P1", "sex": "woman", "age_group": "unknown"}],
    "perpetrators": [],
    "chain_of_events": [],
    "evidence": [],
}


def create_demo_data(compartment: Any, actor: Any) -> None:
    service_keys.unlock_for_demo_data(identity.SERVICE)
    own = identity.create()
    partner_age = x25519.Identity.generate()
    partner_signing = SigningKey.generate()
    partner = services.add_partner(
        PARTNER,
        age_recipient=str(partner_age.to_public()),
        minisign_key=keys.line_for(partner_signing.verify_key),
        actor_id=actor.pk,
        vetted=True,
        expires_on=clock.today() + datetime.timedelta(days=365),
    )
    case = cases.visible_cases(actor).filter(compartment=compartment, person__isnull=False).last()
    if case is not None and case.person is not None:
        case_services.record_consent(
            case.person,
            ConsentScope.SHARE_PARTNER,
            "Signed form: may be shared with vetted partner organisations",
            actor_id=actor.pk,
        )
        # Someone else in the case may not have consented: then the demo shows no bundle sent.
        with contextlib.suppress(RuleError):
            services.export_bundle(actor, partner, [case.reference], profile="pseudonymised")
    bundle_id = str(uuid.uuid4())
    manifest: dict[str, Any] = {
        "schema": bundle.SCHEMA,
        "bundle_id": bundle_id,
        "sender": {"name": PARTNER},
        "recipient_fingerprint": keys.recipient_fingerprint(own.age_recipient),
        "purpose": "referral",
        "created_at": clock.now().isoformat(),
        "profile": "full",
        "consent_record_ids": [1],
    }
    packed = bundle.pack({"records.json": json.dumps(RECORDS).encode()}, manifest)
    data = bundle.encrypt(packed, [own.age_recipient])
    signature = bundle.sign(data, partner_signing, bundle_id=bundle_id, sender=PARTNER)
    services.import_bundle(data, signature, compartment=compartment, actor_id=actor.pk)
