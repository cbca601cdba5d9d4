"""Two organisations, two instances: this test's database is the sender (A); a second
instance (B) runs as the real `aegis` command with its own AEGIS_HOME and SQLite database.
A exports a full bundle, B imports it from the command line, a caseworker at B reviews it
and adds the evidence to a case: the file keeps its SHA-256 and its chain of custody names
both organisations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aegis.exchange import identity, services
from aegis.vault.keychain import unlocked
from tests.test_cli import RECOVERY_KEY, aegis, init

from .conftest import EVIDENCE

pytestmark = pytest.mark.slow

PASSWORD = "a long test passphrase 42"
B_UNLOCK = "the other organisation's unlock secret"
B_ENV = {"AEGIS_EXCHANGE_UNLOCK": B_UNLOCK, "AEGIS_ORGANISATION_NAME": "Casa Andina"}

SETUP = """
import json, os
from aegis.accounts import services as accounts
from aegis.cases import services as cases
from aegis.exchange import identity
from aegis.roles import Role
rita = accounts.create_user("rita", os.environ["PASSWORD"], Role.CASEWORKER).user
cases.create_compartment("Norte", members=[rita])
shown = identity.create()
print("KEYS " + json.dumps([shown.age_recipient, shown.minisign_key]))
"""

REVIEW = """
import json, os
from aegis.accounts.models import User
from aegis.cases import services as cases
from aegis.exchange import review
from aegis.exchange.models import QuarantineItem
from aegis.evidence.models import EvidenceItem
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked
from aegis.vault.selectors import keypair_for_user
rita = User.objects.get(username="rita")
keypair = keypair_for_user(rita.pk)
chain = Keychain({keypair.pk: vault.unlock_user_keypair(keypair, os.environ["PASSWORD"])}, rita.pk)
with unlocked(chain):
    person_item = QuarantineItem.objects.get(kind="person")
    review.decide(person_item, "created", actor=rita)
    from aegis.cases.models import Person
    person = Person.objects.get(pk=QuarantineItem.objects.get(kind="person").target)
    case = cases.open_case(
        person.compartment, subject_kind="person", person=person, actor_id=rita.pk
    )
    review.decide(QuarantineItem.objects.get(kind="event"), "created", actor=rita)
    evidence = QuarantineItem.objects.get(kind="evidence")
    review.decide(evidence, "created", actor=rita, target=case.reference)
    item = EvidenceItem.objects.get()
    print("RESULT " + json.dumps({
        "legal_name": person.legal_name,
        "sha256": item.sha256,
        "custody": [[e.action, e.reason] for e in item.custody.all()],
    }))
"""


def _shell(home: Path, script: str) -> str:
    done = aegis(home, "shell", "-c", script, extra_env={**B_ENV, "PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    return done.stdout


def _line(output: str, tag: str):
    return json.loads(
        next(line for line in output.splitlines() if line.startswith(tag))[len(tag) + 1 :]
    )


def test_export_from_a_import_to_b_review_and_merge(desk, settings, tmp_path, monkeypatch):
    settings.ORGANISATION_NAME = "Aegis Andes"
    home = tmp_path / "b"
    home.mkdir()
    monkeypatch.setenv("AEGIS_EXCHANGE_UNLOCK", B_UNLOCK)  # init of B reads its own
    started = init(home, PASSWORD)
    assert started.returncode == 0, started.stderr
    b_recipient, b_minisign = _line(_shell(home, SETUP), "KEYS")
    recovery = home / "recovery-key"
    recovery.write_text(RECOVERY_KEY.search(started.stdout).group(0))  # type: ignore[union-attr]
    granted = aegis(
        home, "grant-search-key", "--username", "rita", "--recovery-key-file", str(recovery)
    )
    assert granted.returncode == 0, granted.stderr

    monkeypatch.setenv("AEGIS_EXCHANGE_UNLOCK", "exchange unlock secret for the tests")
    mine = identity.create()
    partner = services.add_partner(
        "Casa Andina",
        age_recipient=b_recipient,
        minisign_key=b_minisign,
        actor_id=None,
        vetted=True,
    )
    with unlocked(desk.lucia.keychain()):
        sent = services.export_bundle(
            desk.lucia.user, partner, [desk.case.reference], profile="full"
        )
    bundle = tmp_path / "to-b.age"
    bundle.write_bytes(sent.age_file)
    Path(f"{bundle}.minisig").write_text(sent.signature)

    added = aegis(
        home,
        "exchange",
        "partner",
        "add",
        "Aegis Andes",
        "--age-recipient",
        mine.age_recipient,
        "--minisign-key",
        mine.minisign_key,
        extra_env=B_ENV,
    )
    assert added.returncode == 0, added.stderr
    imported = aegis(
        home, "exchange", "import", str(bundle), "--compartment", "Norte", extra_env=B_ENV
    )
    assert imported.returncode == 0, imported.stderr
    assert "from Aegis Andes" in imported.stdout and "1 evidence" in imported.stdout
    again = aegis(
        home, "exchange", "import", str(bundle), "--compartment", "Norte", extra_env=B_ENV
    )
    assert again.returncode != 0 and "already received" in again.stderr

    result = _line(_shell(home, REVIEW), "RESULT")
    assert result["legal_name"] == desk.person.legal_name
    assert (
        result["sha256"] == desk.item.sha256 == __import__("hashlib").sha256(EVIDENCE).hexdigest()
    )
    ((action, reason),) = result["custody"]
    assert action == "upload"
    assert "Received by Casa Andina from Aegis Andes" in reason
    assert "Aegis Andes: upload" in reason and "Aegis Andes: export" in reason
