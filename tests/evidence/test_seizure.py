"""Seizure: evidence bytes, file names, descriptions and custody reasons never reach the
database or the media folder in clear, whatever was done with them."""

import hashlib
import secrets
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aegis.evidence import services
from aegis.evidence.models import EvidenceItem
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in
from tests.evidence.samples import blob_files, photo
from tests.seizure import find

pytestmark = pytest.mark.django_db(transaction=True)


def test_evidence_never_reaches_disk_in_clear(make_person, make_compartment, make_case, media_root):
    lucia = make_person(Role.CASEWORKER)
    case = make_case(make_compartment(lucia), lucia)
    canary = {
        k: f"{k}Canary-{secrets.token_hex(8)}" for k in ["text", "png", "name", "desc", "why"]
    }
    client = sign_in(Client(), lucia)
    upload_url = reverse("evidence:upload", kwargs={"reference": case.reference})
    files = [
        (f"{canary['name']}.txt", f"Fictional testimony {canary['text']}\n".encode(), "text/plain"),
        (f"{canary['name']}-2.png", photo("PNG", text_chunk=canary["png"]), "image/png"),
    ]
    for name, data, content_type in files:
        response = client.post(
            upload_url,
            {
                "file": SimpleUploadedFile(name, data, content_type=content_type),
                "description": canary["desc"],
                "reason": canary["why"],
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    with unlocked(lucia.keychain()):
        for item in EvidenceItem.objects.all():
            services.make_working_copy(item, actor_id=lucia.user.pk, reason=canary["why"])
            services.download(item, actor_id=lucia.user.pk, reason=canary["why"])
        package = services.export_exhibit(case, actor=lucia.user, reason=canary["why"])
        with zipfile.ZipFile(package.data) as archive:  # the export itself carries it in clear
            assert canary["png"].encode() in archive.read(package.paths[1])
    assert EvidenceItem.objects.count() == 4
    needles = [c.encode() for c in canary.values()]
    # The files' SHA-256 would let a seizer confirm that a known file is held.
    needles += [hashlib.sha256(data).hexdigest().encode() for _, data, _ in files]
    assert find(needles) == []
    # The scan does see the media folder and the database: blobs and a clear value are there.
    assert len(blob_files(media_root)) == 4
    assert find([case.reference.encode()]) != []
