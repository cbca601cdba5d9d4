"""The evidence pages, driven through the real sign-in, middleware and key unlocking:
upload → view → download → working copy → verify → exhibit package checked by sha256sum."""

import csv
import hashlib
import io
import re
import subprocess
import uuid
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aegis.evidence.models import CustodyEvent, EvidenceItem
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in
from tests.evidence.samples import (
    EXE,
    PDF,
    blob_files,
    bomb_png,
    gps_of,
    photo,
    sha256sum_check,
    unpack,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lucia(signed_in, make_compartment, make_case):
    client, person = signed_in(Role.CASEWORKER)
    compartment = make_compartment(person)
    case = make_case(compartment, person)
    return client, person, case


def _upload(client, case, name, data, content_type="", **fields):
    url = reverse("evidence:upload", kwargs={"reference": case.reference})
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(url, {"file": upload, **fields})


def _item_from(response):
    assert response.status_code == 302, response.content.decode()[:3000]
    item_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    return EvidenceItem.objects.get(pk=uuid.UUID(item_id))


def test_upload_to_exhibit_package_verifies_with_sha256sum(lucia, tmp_path):
    client, person, case = lucia
    username = person.user.username
    list_url = reverse("evidence:list", kwargs={"reference": case.reference})
    page = client.get(list_url)
    assert page.status_code == 200 and "No evidence has been added" in page.content.decode()

    jpeg = photo()
    item = _item_from(
        _upload(
            client,
            case,
            "scène du crime.jpg",
            jpeg,
            "image/jpeg",
            description="Photo of the wall",
            reason="Sent over Signal",
        )
    )
    text = _item_from(_upload(client, case, "testimony.txt", b"Fictional testimony\n"))
    listed = client.get(list_url).content.decode()
    assert "scène du crime.jpg" in listed and "testimony.txt" in listed

    detail = client.get(reverse("evidence:detail", kwargs={"item_id": item.pk}))
    body = detail.content.decode()
    assert (
        detail.status_code == 200
        and hashlib.sha256(jpeg).hexdigest() in body
        and "Sent over Signal" in body
    )

    download_url = reverse("evidence:download", kwargs={"item_id": item.pk})
    refused = client.post(download_url, {"download-reason": ""})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    got = client.post(download_url, {"download-reason": "For the legal team"})
    assert got.status_code == 200 and got.content == jpeg
    assert got["Content-Disposition"].startswith("attachment;")
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Type"] == "image/jpeg"

    copy = _item_from(
        client.post(
            reverse("evidence:working-copy", kwargs={"item_id": item.pk}),
            {"copy-reason": "Share without GPS"},
        )
    )
    assert copy.derived_from_id == item.pk
    copy_bytes = client.post(
        reverse("evidence:download", kwargs={"item_id": copy.pk}),
        {"download-reason": "Check the copy"},
    ).content
    assert gps_of(copy_bytes) == {} and gps_of(jpeg) != {}

    verified = client.post(reverse("evidence:verify", kwargs={"item_id": text.pk}), follow=True)
    assert "Integrity verified" in verified.content.decode()

    exhibit = client.post(
        reverse("evidence:exhibit", kwargs={"reference": case.reference}),
        {"exhibit-reason": "Submission to the Special Rapporteur"},
    )
    assert exhibit.status_code == 200
    assert exhibit["Content-Type"] == "application/zip"
    assert exhibit["Content-Disposition"].startswith("attachment;")
    package = b"".join(exhibit.streaming_content)
    root = unpack(package, tmp_path / "exhibit")

    check = sha256sum_check(root)
    assert check.returncode == 0, check.stdout + check.stderr
    checked = {line.rsplit(": ", 1)[0] for line in check.stdout.splitlines()}
    assert checked == {
        "files/001-scène du crime.jpg",
        "files/002-testimony.txt",
        "custody.csv",
        "custody.html",
    }
    assert (root / "files/001-scène du crime.jpg").read_bytes() == jpeg  # metadata kept

    with open(root / "custody.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    logged = [(r["file"], r["action"], r["actor"], r["reason"]) for r in rows]
    photo_path, text_path = "files/001-scène du crime.jpg", "files/002-testimony.txt"
    # Every access this test made to the exported originals, in order, with who and why.
    assert logged == [
        (photo_path, "upload", username, "Sent over Signal"),
        (text_path, "upload", username, ""),
        (photo_path, "view", username, ""),
        (photo_path, "download", username, "For the legal team"),
        (photo_path, "copy", username, "Share without GPS"),
        (f"working copy of {photo_path}", "copy", username, "Share without GPS"),
        # What was done with the copy is part of the original's story: it left the server.
        (f"working copy of {photo_path}", "download", username, "Check the copy"),
        (
            text_path,
            "view",
            username,
            "Integrity check: the SHA-256 matches the one recorded at upload.",
        ),
        (text_path, "view", username, ""),  # the detail page shown after verifying
        (photo_path, "export", username, "Submission to the Special Rapporteur"),
        (text_path, "export", username, "Submission to the Special Rapporteur"),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", r["at"]) for r in rows)
    copies = CustodyEvent.objects.filter(item__derived_from=item)
    assert CustodyEvent.objects.filter(item__in=[item, text]).count() + copies.count() == len(rows)

    html = (root / "custody.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"(src|href)\s*=|https?://|@import|url\(", html, re.I)
    assert "Submission to the Special Rapporteur" in html and case.reference in html
    # Actions in words for the court, each row naming its item (working copies of one file
    # had been told apart only in the CSV).
    assert "<td>Upload</td>" in html and "<td>upload</td>" not in html
    assert f"<td>{item.pk}</td>" in html

    # The manifest really guards the files: one changed byte and sha256sum says so.
    tampered = root / text_path
    tampered.write_bytes(tampered.read_bytes() + b"!")
    assert sha256sum_check(root).returncode != 0

    # And the manifest is signed with the instance's key (the audit checkpoints' key, its id
    # in custody.html): a file changed with its manifest line passes sha256sum, not minisign.
    from aegis.audit import checkpoints
    from tests.test_audit_checkpoints import _minisign

    assert checkpoints.key_id() in html
    assert (root / "aegis-instance.pub").read_text() == checkpoints.public_key_file()
    # A file added beside the listed ones passes sha256sum -c: the page says what belongs.
    assert "a file that is not listed is not part of this exhibit" in html
    # The caseworker who makes the package is given the key's id to hand out once.
    listing = client.get(reverse("evidence:list", kwargs={"reference": case.reference}))
    assert f"whose id is {checkpoints.key_id()}" in listing.content.decode()

    def minisign_check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [_minisign(), "-V", "-p", "aegis-instance.pub", "-m", "MANIFEST.sha256"],
            cwd=root,
            capture_output=True,
            text=True,
        )

    signed = minisign_check()
    assert signed.returncode == 0 and case.reference in signed.stdout, signed.stderr
    listed = (root / "MANIFEST.sha256").read_text()
    new_hash = hashlib.sha256(tampered.read_bytes()).hexdigest()
    old_line = next(line for line in listed.splitlines() if line.endswith(text_path))
    (root / "MANIFEST.sha256").write_text(listed.replace(old_line, f"{new_hash}  {text_path}"))
    assert sha256sum_check(root).returncode == 0  # both changed together: sha256sum is fooled
    assert minisign_check().returncode != 0


def test_the_list_is_paginated(lucia):
    client, _person, case = lucia
    for n in range(27):
        _item_from(_upload(client, case, f"note-{n:02d}.txt", f"note {n}".encode()))
    first = client.get(reverse("evidence:list", kwargs={"reference": case.reference}))
    second = client.get(reverse("evidence:list", kwargs={"reference": case.reference}) + "?page=2")
    assert "Page 1 of 2" in first.content.decode()
    assert first.content.decode().count("note-") == 25
    assert second.content.decode().count("note-") == 2


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("big.txt", b"a" * (1024 * 1024 + 1), "larger than the limit of 1 MB"),
        ("photo.jpg", PDF, "does not match its type"),
        ("invoice.pdf", EXE, "not a kind of file we accept"),
        ("empty.txt", b"", "is empty"),
        ("bomb.png", None, "decompression bomb"),
        # Django drops invisible characters from uploaded names before any view sees them
        # ("photoexe.jpg" shows as "photogpj.exe"); the disguised program is still refused.
        ("photo\u202egpj.exe", EXE, "not a kind of file we accept"),
        ("nul\x00l.exe", EXE, "not a kind of file we accept"),
    ],
    ids=["oversized", "pdf-as-jpg", "exe-as-pdf", "empty", "bomb", "rtl-override", "null-byte"],
)
def test_bad_uploads_get_a_clear_message_and_nothing_is_stored(
    lucia, settings, media_root, name, data, message
):
    settings.AEGIS_MAX_UPLOAD_MB = 1
    client, _person, case = lucia
    response = _upload(client, case, name, bomb_png() if data is None else data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'"), page[:3000]
    assert 'class="errorlist' in page
    assert EvidenceItem.objects.count() == 0 and CustodyEvent.objects.count() == 0
    assert blob_files(media_root) == []


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"description": "x" * 1_000_000}, "Ensure this value has at most 5000 characters"),
        ({"reason": "r" * 1_000_000}, "Ensure this value has at most 1000 characters"),
        ({"description": "before\x00after"}, "Null characters are not allowed"),
    ],
    ids=["1MB-description", "1MB-reason", "null-in-text"],
)
def test_bad_text_fields_get_a_message(lucia, media_root, fields, message):
    client, _person, case = lucia
    response = _upload(client, case, "a.txt", b"text", **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert EvidenceItem.objects.count() == 0 and blob_files(media_root) == []


def test_uploads_never_touch_a_temporary_file(lucia, settings, tmp_path):
    """Above 2 MB Django would spool the upload to disk in clear; evidence stays in memory."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "no-such-dir")  # any temp file would fail
    client, person, case = lucia
    data = b"line of a long fictional transcript\n" * 100_000  # 3.6 MB
    item = _item_from(_upload(client, case, "long.txt", data))
    with unlocked(person.keychain()):
        assert item.size == len(data)


def test_an_integrity_failure_is_shown_and_nothing_is_served(lucia, media_root):
    client, _person, case = lucia
    item = _item_from(_upload(client, case, "a.txt", b"y" * 3000))
    [blob] = blob_files(media_root)
    damaged = bytearray(blob.read_bytes())
    damaged[-10] ^= 0xFF
    blob.write_bytes(bytes(damaged))
    got = client.post(
        reverse("evidence:download", kwargs={"item_id": item.pk}), {"download-reason": "court"}
    )
    assert got.status_code == 409
    assert "failed its integrity check" in got.content.decode()
    assert b"y" * 100 not in got.content
    verify = client.post(reverse("evidence:verify", kwargs={"item_id": item.pk}))
    assert verify.status_code == 409
    exhibit = client.post(
        reverse("evidence:exhibit", kwargs={"reference": case.reference}),
        {"exhibit-reason": "court"},
    )
    assert exhibit.status_code == 409 and "failed its integrity check" in exhibit.content.decode()
    actions = list(CustodyEvent.objects.filter(item=item).values_list("action", flat=True))
    assert actions.count("integrity-failure") == 3


def _page_text(content: bytes) -> bytes:
    """The page without what differs by request anyway: the CSRF token and its own URL."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
    return re.sub(rb'name="next" value="[^"]+"', b"", content)


def _every_view(case_reference: str, item_id) -> list[tuple[str, str, dict]]:
    ref = {"reference": case_reference}
    item = {"item_id": item_id}
    return [
        ("get", reverse("evidence:list", kwargs=ref), {}),
        ("get", reverse("evidence:upload", kwargs=ref), {}),
        (
            "post",
            reverse("evidence:upload", kwargs=ref),
            {"file": SimpleUploadedFile("a.txt", b"text")},
        ),
        ("post", reverse("evidence:exhibit", kwargs=ref), {"exhibit-reason": "x"}),
        ("get", reverse("evidence:detail", kwargs=item), {}),
        ("post", reverse("evidence:download", kwargs=item), {"download-reason": "x"}),
        ("post", reverse("evidence:working-copy", kwargs=item), {}),
        ("post", reverse("evidence:verify", kwargs=item), {}),
    ]


def test_an_outsider_gets_the_same_404_as_for_a_missing_case_or_item(
    lucia, make_person, media_root
):
    client, _person, case = lucia
    item = _item_from(_upload(client, case, "a.txt", b"text"))
    before = CustodyEvent.objects.count()
    outsider = sign_in(Client(), make_person(Role.CASEWORKER))
    existing = _every_view(case.reference, item.pk)
    missing = _every_view("AEG-1999-99999", uuid.uuid4())
    for (method, url, data), (_, missing_url, missing_data) in zip(existing, missing, strict=True):
        seen = getattr(outsider, method)(url, data)
        absent = getattr(outsider, method)(missing_url, missing_data)
        assert seen.status_code == absent.status_code == 404, url
        assert _page_text(seen.content) == _page_text(absent.content), url
    assert CustodyEvent.objects.count() == before  # the outsider left no trace on the item
    assert len(blob_files(media_root)) == 1


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AUDITOR, Role.ADMIN, Role.RESPONDER])
def test_other_roles_are_refused_even_for_existing_evidence(lucia, make_person, role):
    client, _person, case = lucia
    item = _item_from(_upload(client, case, "a.txt", b"text"))
    other = sign_in(Client(), make_person(role))
    for method, url, data in _every_view(case.reference, item.pk):
        assert getattr(other, method)(url, data).status_code == 403, url


def test_a_coordinator_in_the_compartment_may_work_with_evidence(
    make_person, make_compartment, make_case
):
    karim = make_person(Role.COORDINATOR)
    case = make_case(make_compartment(karim), karim)
    client = sign_in(Client(), karim)
    item = _item_from(_upload(client, case, "a.txt", b"text"))
    got = client.post(
        reverse("evidence:download", kwargs={"item_id": item.pk}), {"download-reason": "x"}
    )
    assert got.content == b"text"


def test_post_only_views_refuse_get(lucia):
    client, _person, case = lucia
    item = _item_from(_upload(client, case, "a.txt", b"text"))
    for name in ("evidence:download", "evidence:working-copy", "evidence:verify"):
        assert client.get(reverse(name, kwargs={"item_id": item.pk})).status_code == 405
    assert (
        client.get(reverse("evidence:exhibit", kwargs={"reference": case.reference})).status_code
        == 405
    )


def test_exhibit_without_originals_says_so(lucia):
    client, _person, case = lucia
    response = client.post(
        reverse("evidence:exhibit", kwargs={"reference": case.reference}),
        {"exhibit-reason": "x"},
    )
    assert response.status_code == 400
    assert "no original files to export" in response.content.decode()


def test_zip_entries_are_plain_relative_paths(lucia, tmp_path):
    client, _person, case = lucia
    _item_from(_upload(client, case, "..%2F..%2Fetc passwd.txt", b"text"))
    response = client.post(
        reverse("evidence:exhibit", kwargs={"reference": case.reference}),
        {"exhibit-reason": "x"},
    )
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert all(n.startswith("files/0") or "/" not in n for n in names)
    assert not any(".." in n.split("/") for n in names)


def test_a_small_file_s_size_is_said_once(lucia):
    """ "69 bytes (69 bytes)": the exact count is added only where the short form rounds."""
    client, _person, case = lucia
    item = _item_from(_upload(client, case, "note.txt", b"x" * 69))
    page = client.get(reverse("evidence:detail", kwargs={"item_id": item.pk})).content.decode()
    assert page.count("69 bytes") == 1
    big = _item_from(_upload(client, case, "long.txt", b"y" * 2048))
    page = client.get(reverse("evidence:detail", kwargs={"item_id": big.pk})).content.decode()
    assert "2.0\xa0KB (2048 bytes)" in page or "2.0 KB (2048 bytes)" in page


def test_the_integrity_check_s_reason_is_shown_in_the_reader_s_language(lucia):
    """The reason is the system's, kept in English in the chain; a Spanish page had shown it
    in English."""
    client, _person, case = lucia
    item = _item_from(_upload(client, case, "note.txt", b"a note"))
    assert client.post(reverse("evidence:verify", kwargs={"item_id": item.pk})).status_code == 302
    url = reverse("evidence:detail", kwargs={"item_id": item.pk})
    page = client.get(url, headers={"accept-language": "es"}).content.decode()
    assert "Comprobación de integridad: el SHA-256 coincide" in page
    with unlocked(_person.keychain()):
        reasons = [str(e.reason) for e in CustodyEvent.objects.filter(item=item)]
    assert "Integrity check: the SHA-256 matches the one recorded at upload." in reasons


def test_an_upload_sent_twice_is_one_item(lucia):
    """Multipart, so not read by the middleware: the upload view claims the form's token once
    it has read the body itself. A double click had made two items of one file."""
    client, _person, case = lucia
    url = reverse("evidence:upload", kwargs={"reference": case.reference})
    token = re.search(r'name="sent_once" value="([^"]+)"', client.get(url).content.decode())
    assert token

    def send():
        upload = SimpleUploadedFile("wall.txt", b"threats on the wall", content_type="text/plain")
        return client.post(url, {"file": upload, "sent_once": token.group(1)})

    first, again = send(), send()
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert EvidenceItem.objects.filter(case=case).count() == 1
