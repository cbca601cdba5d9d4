"""A desk that sends: a caseworker, a person whose consent covers sharing with partners, a
case with an incident (an act against that person) and an evidence file; and a partner
whose keys were made by the standard tools' formats (age-keygen, an Ed25519 key written as
minisign writes it)."""

from __future__ import annotations

import datetime
import io
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey
from pyrage import x25519

from aegis.cases import services as cases
from aegis.evidence import services as evidence
from aegis.exchange import identity, keys, services
from aegis.incidents import services as incidents
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import Person

UNLOCK = "exchange unlock secret for the tests"
CANARY_NAME = "Canaryname Zyxwvut"
CANARY_PHONE = "+57 300 999 1234"
CANARY_PLACE = "Vereda Canaryplace Km 7"
CANARY_REGION = "CO-ANT"
EVIDENCE = b"%PDF-1.4 testimony of the threats, canary-evidence-bytes\n"


@pytest.fixture(autouse=True)
def exchange_unlock(monkeypatch, settings, tmp_path) -> None:
    monkeypatch.setenv("AEGIS_EXCHANGE_UNLOCK", UNLOCK)
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Desk:
    lucia: Person
    compartment: Any
    person: Any
    case: Any
    incident: Any
    item: Any
    consent: Any


@pytest.fixture
def desk(make_person, make_compartment) -> Desk:
    lucia = make_person(Role.CASEWORKER, "lucia")
    compartment = make_compartment(lucia, name="Andes")
    with unlocked(lucia.keychain()):
        person = cases.create_person(
            compartment,
            actor_id=lucia.user.pk,
            pseudonym="Defender Sol",
            legal_name=CANARY_NAME,
            phone=CANARY_PHONE,
            country="CO",
            region=CANARY_REGION,
            sector="land_environment",
            gender="woman",
        )
        case = cases.open_case(
            compartment,
            subject_kind="person",
            person=person,
            actor_id=lucia.user.pk,
            summary="Threats after the land claim",
        )
        consent = cases.record_consent(
            person, "share_partner", "Signed form", actor_id=lucia.user.pk
        )
        incident = incidents.create_incident(
            compartment,
            actor_id=lucia.user.pk,
            title="Threat at the farm",
            description=f"Men came to {CANARY_PLACE} and threatened {CANARY_NAME}",
            date_start=datetime.date(2026, 3, 4),
            country="CO",
            region=CANARY_REGION,
            exact_location=CANARY_PLACE,
            cases=[case],
        )
        incidents.add_act(
            incident, violation_type="death_threat", actor_id=lucia.user.pk, victims=[person]
        )
        item = evidence.upload_evidence(
            case,
            io.BytesIO(EVIDENCE),
            "testimony.pdf",
            actor_id=lucia.user.pk,
            reason="Given by the defender",
        )
    return Desk(lucia, compartment, person, case, incident, item, consent)


@dataclass
class PartnerKeys:
    """A partner organisation outside this instance: its age identity file (age-keygen) and
    its Ed25519 signing key, published as a minisign public key."""

    identity_file: Path
    recipient: str
    signing: SigningKey

    @property
    def minisign_line(self) -> str:
        return keys.line_for(self.signing.verify_key)

    @property
    def identity(self) -> x25519.Identity:
        lines = self.identity_file.read_text().splitlines()
        return x25519.Identity.from_str(next(x for x in lines if x.startswith("AGE-SECRET")))


def new_partner_keys(folder: Path) -> PartnerKeys:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "partner-identity.txt"
    subprocess.run(["age-keygen", "-o", str(path)], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", str(path)], check=True, capture_output=True, text=True
    ).stdout.strip()
    return PartnerKeys(path, recipient, SigningKey.generate())


@pytest.fixture
def partner_keys(tmp_path) -> PartnerKeys:
    return new_partner_keys(tmp_path / "partner")


@pytest.fixture
def partner(db, organisation, partner_keys):
    identity.create()
    return services.add_partner(
        "Casa Andina",
        age_recipient=partner_keys.recipient,
        minisign_key=partner_keys.minisign_line,
        actor_id=None,
        vetted=True,
    )
