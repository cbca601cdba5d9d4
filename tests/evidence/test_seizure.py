"""Seizure: evidence bytes, file names, descriptions and custody reasons never reach the
database or the media folder in clear, whatever was done with them; nor do the exact size or
the hash that would tell which public file an item is."""

import hashlib
import io
import secrets
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from aegis.evidence import services
from aegis.evidence.models import EvidenceItem
from aegis.files import storage
from aegis.roles import Role
from aegis.vault.keychain import current, unlocked
from tests.conftest import sign_in
from tests.evidence.samples import blob_files, photo
from tests.files.old_blobs import unpadded_blob
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


def _raw_row(item) -> list:
    """The item's row as the database holds it: ciphertext stays bytes."""
    columns = [f.attname for f in EvidenceItem._meta.concrete_fields]
    return list(EvidenceItem.objects.filter(pk=item.pk).values_list(*columns).get())


def test_a_seizer_cannot_tell_which_public_file_an_item_is_by_its_size(desk, media_root):
    """A photo or video also posted online, or a published PDF: its exact size (in a column
    or as the blob's length less a constant) or its SHA-256 would tell a seizer which one is
    held. The row keeps the size only padded, as the blob is; those who open the case see the
    exact size."""
    sizes = (3000, 3123)
    with unlocked(desk.person.keychain()):
        items = [
            services.upload_evidence(
                desk.case,
                io.BytesIO(b"x" * (size - 1) + b"\n"),
                f"post-{size}.txt",
                actor_id=desk.user.pk,
            )
            for size in sizes
        ]
    lengths = set()
    for item, size in zip(items, sizes, strict=True):
        row = _raw_row(item)
        in_clear = [v for v in row if not isinstance(v, bytes | memoryview)]
        assert size not in in_clear and str(size) not in map(str, in_clear)
        assert not any("text/plain" in str(value) for value in in_clear)
        digest = hashlib.sha256(b"x" * (size - 1) + b"\n").hexdigest()
        assert digest not in map(str, in_clear)
        assert storage.stored_size(size) in in_clear
        [blob] = [p for p in blob_files(media_root) if p.name == item.blob_id]
        lengths.add(blob.stat().st_size)
    assert len(lengths) == 1
    client = sign_in(Client(), desk.person)
    page = client.get(reverse("evidence:detail", kwargs={"item_id": items[1].pk}))
    assert "3123 bytes" in page.content.decode() and "text/plain" in page.content.decode()
    with unlocked(desk.person.keychain()):
        assert EvidenceItem.objects.get(pk=items[1].pk).size == 3123


def _migrate(target: tuple[str, str] | None) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())


def test_an_item_stored_before_sizes_were_sealed_still_reads_and_verifies(desk, media_root):
    """An item from before the upgrade: its exact size in clear, its blob unpadded. After
    the migration it opens, shows its size, downloads and passes its integrity check."""
    data = b"Statement stored before padding.\n" * 40
    with unlocked(desk.person.keychain()):
        item = services.upload_evidence(desk.case, io.BytesIO(data), "old.txt", actor_id=None)
        [blob] = blob_files(media_root)
        blob.write_bytes(unpadded_blob(current().data_key(item.data_key_id), data))
    before = ("evidence", "0004_custody_chain")
    _migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        old.get_model("evidence", "EvidenceItem").objects.filter(pk=item.pk).update(
            size=len(data), content_type="text/plain"
        )
    finally:
        _migrate(None)
    with unlocked(desk.person.keychain()):
        item = EvidenceItem.objects.get(pk=item.pk)
        assert (item.stored_size, item.exact_size, item.size) == (len(data), None, len(data))
        assert (item.clear_type, item.sealed_type, item.content_type) == (
            "text/plain",
            None,
            "text/plain",
        )
        assert services.download(item, actor_id=desk.user.pk, reason="court").data == data
        services.verify_integrity(item, actor_id=desk.user.pk)
    page = sign_in(Client(), desk.person).get(reverse("evidence:detail", args=[item.pk]))
    assert f"{len(data)} bytes" in page.content.decode()
