"""The evidence demo attaches photos (with fictional GPS) and documents to demo cases."""

import pytest

from aegis.evidence import demo, services
from aegis.evidence.models import CustodyEvent, EvidenceItem, ItemKind
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.evidence.samples import gps_of

pytestmark = pytest.mark.django_db


def test_demo_evidence(make_person, make_compartment, make_case):
    lucia = make_person(Role.CASEWORKER)
    compartment = make_compartment(lucia)
    for _ in range(3):
        make_case(compartment, lucia)
    with unlocked(lucia.keychain()):
        demo.create_demo_data(compartment, lucia.user)
        assert CustodyEvent.objects.filter(action="download").count() == 1
        assert set(CustodyEvent.objects.values_list("action", flat=True)) == {
            "upload",
            "copy",
            "download",
        }
        originals = EvidenceItem.objects.filter(kind=ItemKind.ORIGINAL)
        copies = EvidenceItem.objects.filter(kind=ItemKind.WORKING)
        assert originals.count() == 6 and copies.count() == 3
        for copy in copies:
            original = copy.derived_from
            kept = services.download(original, actor_id=lucia.user.pk, reason="test").data
            clean = services.download(copy, actor_id=lucia.user.pk, reason="test").data
            assert gps_of(kept) and not gps_of(clean)
        names = {item.name for item in originals}
    assert {"testimonio.txt", "witness-statement.txt", "note-de-menace.txt"} <= names
