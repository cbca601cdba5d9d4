"""Evidence services on the real database and blob store: encryption at rest, write-once
originals, checked reads, working copies without metadata, refused uploads."""

import io
import subprocess

import pytest

from aegis.audit.models import AuditEntry
from aegis.evidence import services
from aegis.evidence.models import (
    CustodyEvent,
    EvidenceItem,
    EvidenceTampering,
    ItemKind,
)
from aegis.files import storage
from aegis.files.uploads import UploadRejected, check_upload
from aegis.rules import RuleError
from aegis.vault.keychain import NoKeyAccess, VaultLocked, unlocked
from tests.evidence.samples import (
    CAMERA,
    EXE,
    GPS,
    PDF,
    blob_files,
    bomb_png,
    gps_of,
    pdf_with_script,
    photo,
)

pytestmark = pytest.mark.django_db


def _upload(desk, data: bytes, name: str, **kwargs):
    return services.upload_evidence(
        desk.case, io.BytesIO(data), name, actor_id=desk.user.pk, **kwargs
    )


def _actions(item):
    return [e.action for e in CustodyEvent.objects.filter(item=item).order_by("at", "pk")]


def test_add_evidence_is_the_entry_point_for_checked_files(desk, media_root):
    text = b"Statement of the witness, fictional.\n"
    with unlocked(desk.person.keychain()):
        checked = check_upload(io.BytesIO(text), "statement.txt", "text/plain")
        item = services.add_evidence(
            desk.case, checked, actor_id=desk.user.pk, reason="From intake", description="Desc"
        )
        item = EvidenceItem.objects.get(pk=item.pk)
        assert (item.name, item.description) == ("statement.txt", "Desc")
        assert item.kind == ItemKind.ORIGINAL and item.derived_from is None
        assert item.data_key_id == desk.case.data_key_id
        assert (item.size, item.content_type) == (len(text), "text/plain")
        assert item.sha256 == checked.sha256
        [event] = CustodyEvent.objects.filter(item=item)
        assert (event.action, event.actor_id, event.reason) == (
            "upload",
            desk.user.pk,
            "From intake",
        )
    [blob] = blob_files(media_root)
    assert text not in blob.read_bytes()  # encrypted at rest
    assert AuditEntry.objects.filter(action="custody.upload", object_id=str(item.pk)).exists()


def test_nothing_is_readable_without_the_case_key(desk, make_person):
    with unlocked(desk.person.keychain()):
        item = _upload(desk, b"secret words", "a.txt")
    with pytest.raises(VaultLocked):
        services.download(item, actor_id=desk.user.pk, reason="no keys")
    outsider = make_person()
    with unlocked(outsider.keychain()), pytest.raises(NoKeyAccess):
        services.download(item, actor_id=outsider.user.pk, reason="not mine")


def test_originals_are_write_once(desk):
    with unlocked(desk.person.keychain()):
        item = _upload(desk, b"original bytes", "a.txt")
        other = _upload(desk, b"other bytes", "b.txt")
        for field, value in [
            ("sha256", "0" * 64),
            ("blob_id", other.blob_id),
            ("stored_size", 1),
            ("exact_size", "1"),
            ("kind", ItemKind.WORKING),
            ("clear_type", "application/pdf"),
            ("sealed_type", "application/pdf"),
        ]:
            fresh = EvidenceItem.objects.get(pk=item.pk)
            setattr(fresh, field, value)
            with pytest.raises(EvidenceTampering):
                fresh.save()
            with pytest.raises(EvidenceTampering):
                EvidenceItem.objects.filter(pk=item.pk).update(**{field: value})
        with pytest.raises(EvidenceTampering):
            EvidenceItem.objects.get(pk=item.pk).delete()
        with pytest.raises(EvidenceTampering):
            EvidenceItem.objects.filter(pk=item.pk).delete()
        # The description may be corrected; the evidence itself is unchanged.
        fresh = EvidenceItem.objects.get(pk=item.pk)
        fresh.description = "Corrected description"
        fresh.save()
        assert EvidenceItem.objects.get(pk=item.pk).sha256 == item.sha256


def test_the_chain_of_custody_is_append_only(desk):
    with unlocked(desk.person.keychain()):
        item = _upload(desk, b"bytes", "a.txt", reason="first")
        event = CustodyEvent.objects.get(item=item)
        event.reason = "rewritten"
        with pytest.raises(EvidenceTampering):
            event.save()
        with pytest.raises(EvidenceTampering):
            event.delete()
        with pytest.raises(EvidenceTampering):
            CustodyEvent.objects.filter(item=item).update(action="view")
        with pytest.raises(EvidenceTampering):
            CustodyEvent.objects.filter(item=item).delete()
        assert CustodyEvent.objects.get(item=item).reason == "first"


def test_download_needs_a_reason_and_checks_the_hash(desk):
    with unlocked(desk.person.keychain()):
        item = _upload(desk, b"the bytes", "a.txt")
        with pytest.raises(RuleError, match="Say why"):
            services.download(item, actor_id=desk.user.pk, reason="   ")
        found = services.download(item, actor_id=desk.user.pk, reason="For the lawyer")
        assert found.data == b"the bytes" and found.name == "a.txt"
        assert _actions(item) == ["upload", "download"]
        assert CustodyEvent.objects.filter(item=item).last().reason == "For the lawyer"
    assert AuditEntry.objects.filter(action="custody.download", object_id=str(item.pk)).exists()


def _flip_a_byte(media_root, item, offset_from_end=20):
    path = next(p for p in blob_files(media_root) if p.name == item.blob_id)
    data = bytearray(path.read_bytes())
    data[-offset_from_end] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_tampered_blob_is_refused_and_the_failure_recorded(desk, media_root):
    with unlocked(desk.person.keychain()):
        item = _upload(desk, b"x" * 5000, "a.txt")
        services.verify_integrity(item, actor_id=desk.user.pk)
        _flip_a_byte(media_root, item)
        with pytest.raises(services.IntegrityFailure, match="failed its integrity check"):
            services.download(item, actor_id=desk.user.pk, reason="court")
        with pytest.raises(services.IntegrityFailure):
            services.verify_integrity(item, actor_id=desk.user.pk)
        with pytest.raises(services.IntegrityFailure):
            services.make_working_copy(item, actor_id=desk.user.pk)
        assert _actions(item) == [
            "upload",
            "view",
            "integrity-failure",
            "integrity-failure",
            "integrity-failure",
        ]
        failure = CustodyEvent.objects.filter(item=item, action="integrity-failure").first()
        assert "could not be decrypted" in failure.reason
    assert EvidenceItem.objects.count() == 1  # no working copy was made
    assert AuditEntry.objects.filter(object_type="evidence.integrity-failure").count() == 3


def test_a_swapped_blob_that_decrypts_is_refused_by_its_hash(desk, media_root):
    """Valid ciphertext under the right key, but not the bytes recorded at upload."""
    with unlocked(desk.person.keychain()):
        item = _upload(desk, b"what was uploaded", "a.txt")
        other = _upload(desk, b"something else entirely", "b.txt")
        paths = {p.name: p for p in blob_files(media_root)}
        paths[item.blob_id].write_bytes(paths[other.blob_id].read_bytes())
        with pytest.raises(services.IntegrityFailure):
            services.download(item, actor_id=desk.user.pk, reason="court")
        failure = CustodyEvent.objects.get(item=item, action="integrity-failure")
        assert item.sha256 in failure.reason and other.sha256 in failure.reason


def test_a_missing_blob_is_an_integrity_failure(desk):
    with unlocked(desk.person.keychain()):
        item = _upload(desk, b"gone soon", "a.txt")
        storage.delete(item.blob_id)
        with pytest.raises(services.IntegrityFailure):
            services.verify_integrity(item, actor_id=desk.user.pk)
        assert _actions(item) == ["upload", "integrity-failure"]


def test_a_working_copys_name_is_in_the_language_of_whoever_made_it(desk):
    """It had been "bureau (working copy).png" on a Spanish or Arabic team's pages."""
    from django.utils import translation

    with unlocked(desk.person.keychain()), translation.override("es"):
        original = _upload(desk, photo("PNG"), "bureau.png")
        copy = services.make_working_copy(original, actor_id=desk.user.pk, reason="to share")
    assert copy.name == "bureau (copia de trabajo).png"


@pytest.mark.parametrize("fmt,name", [("JPEG", "p.jpg"), ("PNG", "p.png"), ("WEBP", "p.webp")])
def test_working_copies_of_photos_lose_their_metadata_and_the_original_keeps_it(desk, fmt, name):
    original_bytes = photo(fmt)
    assert gps_of(original_bytes) == GPS
    with unlocked(desk.person.keychain()):
        original = _upload(desk, original_bytes, name)
        copy = services.make_working_copy(original, actor_id=desk.user.pk, reason="to share")
        kept = services.download(original, actor_id=desk.user.pk, reason="check").data
        clean = services.download(copy, actor_id=desk.user.pk, reason="check").data
        assert (copy.kind, copy.derived_from_id) == (ItemKind.WORKING, original.pk)
        assert copy.name == f"p (working copy).{name.rsplit('.', 1)[1]}"
        assert _actions(original) == ["upload", "copy", "download"]
        assert _actions(copy) == ["copy", "download"]
        # The copy is itself checked on every read, against its own hash.
        services.verify_integrity(copy, actor_id=desk.user.pk)
    assert kept == original_bytes
    assert gps_of(kept) == GPS and CAMERA.encode() in kept
    assert gps_of(clean) == {}
    assert CAMERA.encode() not in clean
    assert b"Exif" not in clean and b"GPS" not in clean
    assert b"XmpCanary" not in clean and b"TextChunkCanary" not in clean
    if fmt in ("JPEG", "PNG"):
        assert b"XmpCanary" in kept
    if fmt == "PNG":
        assert b"TextChunkCanary" in kept
    from PIL import Image

    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == fmt and image.size == (96, 64)


def test_working_copies_of_pdfs_are_redrawn_and_only_made_from_originals(desk):
    """A PDF's working copy had been the same bytes: its author, its JavaScript run on opening
    and its launch action went to whoever opened the copy."""
    data = pdf_with_script()
    with unlocked(desk.person.keychain()):
        original = _upload(desk, data, "report.pdf")
        copy = services.make_working_copy(original, actor_id=desk.user.pk)
        assert copy.sha256 != original.sha256 and copy.blob_id != original.blob_id
        redrawn = services.download(copy, actor_id=desk.user.pk, reason="check").data
        assert services.download(original, actor_id=desk.user.pk, reason="check").data == data
        with pytest.raises(RuleError, match="from the original"):
            services.make_working_copy(copy, actor_id=desk.user.pk)
    assert redrawn.startswith(b"%PDF-") and copy.content_type == "application/pdf"
    for canary in (b"ScriptCanary", b"LaunchCanary", b"AuthorCanary", b"ProducerCanary"):
        assert canary in data and canary not in redrawn
    assert b"/JavaScript" not in redrawn and b"/Launch" not in redrawn
    text = subprocess.run(["pdftotext", "-", "-"], input=redrawn, capture_output=True, check=True)
    assert text.stdout.decode().strip() == "Visible statement text"


def test_a_pdf_that_cannot_be_redrawn_gets_no_working_copy_and_a_clear_error(desk, media_root):
    with unlocked(desk.person.keychain()):
        original = _upload(desk, PDF, "damaged.pdf")
        blobs = blob_files(media_root)
        with pytest.raises(RuleError, match="could not be redrawn") as refused:
            services.make_working_copy(original, actor_id=desk.user.pk)
    assert "The original is kept unchanged" in refused.value.message
    assert EvidenceItem.objects.filter(derived_from=original).count() == 0
    assert blob_files(media_root) == blobs


def _rejected(settings):
    settings.AEGIS_MAX_UPLOAD_MB = 1
    return [
        ("big.txt", b"a" * (1024 * 1024 + 1), "larger than the limit of 1 MB"),
        ("photo.jpg", PDF, "does not match its type"),
        ("invoice.pdf", EXE, "not a kind of file we accept"),
        ("empty.txt", b"", "is empty"),
        ("bomb.png", bomb_png(), "decompression bomb"),
        ("nul\x00l.txt", b"text", "hidden characters"),
        ("photo\u202egpj.exe", photo(), "hidden characters"),
        ("photo\u202egpj.jpg", photo(), "hidden characters"),
    ]


def test_bad_files_get_a_clear_message_and_nothing_is_stored(desk, settings, media_root):
    cases = _rejected(settings)
    with unlocked(desk.person.keychain()):
        for name, data, message in cases:
            with pytest.raises(UploadRejected, match=message):
                _upload(desk, data, name, description="should not stay")
    assert EvidenceItem.objects.count() == 0
    assert CustodyEvent.objects.count() == 0
    assert blob_files(media_root) == []
    assert not AuditEntry.objects.filter(action="custody.upload").exists()


def test_a_huge_description_is_refused_before_anything_is_stored(desk, media_root):
    with (
        unlocked(desk.person.keychain()),
        pytest.raises(RuleError, match="too long"),
    ):
        _upload(desk, b"text", "a.txt", description="d" * 1_000_000)
    assert EvidenceItem.objects.count() == 0 and blob_files(media_root) == []


def test_a_failing_database_write_leaves_no_blob(desk, media_root, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "record_custody", explode)
    with unlocked(desk.person.keychain()), pytest.raises(RuntimeError):
        _upload(desk, b"text", "a.txt")
    assert EvidenceItem.objects.count() == 0 and blob_files(media_root) == []


def test_redrawing_a_pdf_is_held_to_its_memory_limit(desk, monkeypatch):
    """pdftocairo runs under prlimit: a page that would take more memory (a hostile one, 200
    inches square) fails on its own instead of taking the server's."""
    from aegis.evidence import pdfs

    with unlocked(desk.person.keychain()):
        original = _upload(desk, pdf_with_script(), "report.pdf")
        monkeypatch.setattr(pdfs, "MEMORY_BYTES", 16 * 1024 * 1024)
        with pytest.raises(RuleError, match="could not be redrawn"):
            services.make_working_copy(original, actor_id=desk.user.pk)
        monkeypatch.setattr(pdfs, "MEMORY_BYTES", 1024 * 1024 * 1024)
        assert services.make_working_copy(original, actor_id=desk.user.pk).content_type == (
            "application/pdf"
        )
