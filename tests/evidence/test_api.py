"""The evidence API with real bearer tokens: the same rules as the pages."""

import csv
import hashlib
import io
import json
import mimetypes
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aegis.evidence.models import CustodyEvent, EvidenceItem
from aegis.roles import Role
from tests.conftest import api_client
from tests.evidence.samples import EXE, blob_files, gps_of, photo, sha256sum_check, unpack

pytestmark = pytest.mark.django_db

BASE = "/api/v1/evidence"


@pytest.fixture
def lucia(make_person, make_compartment, make_case):
    person = make_person(Role.CASEWORKER)
    case = make_case(make_compartment(person), person)
    return api_client(person), person, case


def _upload(client, reference, name, data, **fields):
    claimed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return client.post(
        f"{BASE}/cases/{reference}/upload",
        {"file": SimpleUploadedFile(name, data, content_type=claimed), **fields},
    )


def _post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_flow_from_upload_to_exhibit(lucia, tmp_path):
    client, person, case = lucia
    jpeg = photo()
    created = _upload(client, case.reference, "wall.jpg", jpeg, description="d", reason="r")
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["sha256"] == hashlib.sha256(jpeg).hexdigest()
    assert (item["name"], item["kind"], item["size"]) == ("wall.jpg", "original", len(jpeg))

    listed = client.get(f"{BASE}/cases/{case.reference}/items")
    assert [i["id"] for i in listed.json()] == [item["id"]]

    # A HEAD (headers only) is no view: the custody log records what somebody saw.
    assert client.head(f"{BASE}/items/{item['id']}").status_code == 200
    detail = client.get(f"{BASE}/items/{item['id']}").json()
    assert [e["action"] for e in detail["custody"]] == ["upload", "view"]
    assert detail["custody"][0]["actor"] == person.user.username

    url = f"{BASE}/items/{item['id']}/download"
    assert _post_json(client, url, {"reason": " "}).status_code == 422  # the schema's gate
    got = _post_json(client, url, {"reason": "For the lawyer"})
    assert got.status_code == 200 and got.content == jpeg
    assert got["Content-Disposition"].startswith("attachment;")
    assert got["X-Content-Type-Options"] == "nosniff"

    copy = _post_json(client, f"{BASE}/items/{item['id']}/working-copy", {"reason": "share"})
    assert copy.status_code == 201 and copy.json()["derived_from"] == item["id"]
    copy_bytes = _post_json(
        client, f"{BASE}/items/{copy.json()['id']}/download", {"reason": "check"}
    ).content
    assert gps_of(copy_bytes) == {}

    verified = client.post(f"{BASE}/items/{item['id']}/verify")
    assert verified.json()["ok"] is True

    exhibit = _post_json(
        client, f"{BASE}/cases/{case.reference}/exhibit", {"reason": "Regional court"}
    )
    assert exhibit.status_code == 200 and exhibit["Content-Type"] == "application/zip"
    root = unpack(b"".join(exhibit.streaming_content), tmp_path / "x")
    assert sha256sum_check(root).returncode == 0
    with open(root / "custody.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    actions = [(r["action"], r["actor"]) for r in rows if not r["file"].startswith("working")]
    me = person.user.username
    assert actions == [
        ("upload", me),
        ("view", me),
        ("download", me),
        ("copy", me),
        ("view", me),
        ("export", me),
    ]
    # What was done with the working copy made from it is in the exhibit's log too: a copy
    # that left the server had been missing from the story the lawyer reads.
    of_copy = [(r["action"], r["reason"]) for r in rows if r["file"].startswith("working")]
    assert of_copy == [("copy", "share"), ("download", "check")]
    assert {r["file"] for r in rows if r["file"].startswith("working")} == {
        "working copy of files/001-wall.jpg"
    }


def test_exhibit_of_chosen_items_only(lucia, tmp_path):
    client, _person, case = lucia
    first = _upload(client, case.reference, "a.txt", b"first").json()
    _upload(client, case.reference, "b.txt", b"second")
    exhibit = _post_json(
        client,
        f"{BASE}/cases/{case.reference}/exhibit",
        {"reason": "only one", "items": [first["id"]]},
    )
    root = unpack(b"".join(exhibit.streaming_content), tmp_path / "x")
    assert sorted(p.name for p in (root / "files").iterdir()) == ["001-a.txt"]
    wrong = _post_json(
        client,
        f"{BASE}/cases/{case.reference}/exhibit",
        {"reason": "x", "items": [str(uuid.uuid4())]},
    )
    assert wrong.status_code == 400
    none_chosen = _post_json(
        client, f"{BASE}/cases/{case.reference}/exhibit", {"reason": "x", "items": []}
    )
    assert none_chosen.status_code == 400
    assert none_chosen.json()["detail"] == "Choose at least one original file to export."


def test_bad_uploads_get_400_with_the_message_and_nothing_stored(lucia, settings, media_root):
    settings.AEGIS_MAX_UPLOAD_MB = 1
    client, _person, case = lucia
    for name, data, message in [
        ("big.txt", b"a" * (1024 * 1024 + 1), "larger than the limit"),
        ("photo.jpg", EXE, "not a kind of file we accept"),
        ("empty.txt", b"", "is empty"),
    ]:
        response = _upload(client, case.reference, name, data)
        assert response.status_code == 400
        assert message in response.json()["detail"]
    # Two files in one upload: the first had been dropped without a word.
    two = client.post(
        f"{BASE}/cases/{case.reference}/upload",
        {"file": [SimpleUploadedFile(n, b"text", content_type="text/plain") for n in "ab"]},
    )
    assert two.status_code == 400 and "one file per upload" in two.json()["detail"]
    assert EvidenceItem.objects.count() == 0 and blob_files(media_root) == []


def test_an_integrity_failure_answers_409(lucia, media_root):
    client, _person, case = lucia
    item = _upload(client, case.reference, "a.txt", b"z" * 4000).json()
    [blob] = blob_files(media_root)
    data = bytearray(blob.read_bytes())
    data[-5] ^= 0x10
    blob.write_bytes(bytes(data))
    got = _post_json(client, f"{BASE}/items/{item['id']}/download", {"reason": "court"})
    assert got.status_code == 409 and "integrity check" in got.json()["detail"]
    assert client.post(f"{BASE}/items/{item['id']}/verify").json()["ok"] is False
    assert CustodyEvent.objects.filter(action="integrity-failure").count() == 2


def _calls(reference: str, item_id) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", f"{BASE}/cases/{reference}/items", None),
        ("upload", f"{BASE}/cases/{reference}/upload", None),
        ("json", f"{BASE}/cases/{reference}/exhibit", {"reason": "x"}),
        ("get", f"{BASE}/items/{item_id}", None),
        ("json", f"{BASE}/items/{item_id}/download", {"reason": "x"}),
        ("json", f"{BASE}/items/{item_id}/working-copy", {"reason": "x"}),
        ("post", f"{BASE}/items/{item_id}/verify", None),
    ]


def _call(client, kind, url, body):
    if kind == "get":
        return client.get(url)
    if kind == "post":
        return client.post(url)
    if kind == "upload":
        return client.post(url, {"file": SimpleUploadedFile("a.txt", b"text")})
    return _post_json(client, url, body)


def test_an_outsider_gets_the_same_404_as_for_a_missing_record(lucia, make_person):
    client, _person, case = lucia
    item = _upload(client, case.reference, "a.txt", b"text").json()
    before = CustodyEvent.objects.count()
    outsider = api_client(make_person(Role.CASEWORKER))
    for (kind, url, body), (_, missing_url, _) in zip(
        _calls(case.reference, item["id"]), _calls("AEG-1999-99999", uuid.uuid4()), strict=True
    ):
        seen, absent = _call(outsider, kind, url, body), _call(outsider, kind, missing_url, body)
        assert seen.status_code == absent.status_code == 404, url
        assert seen.content == absent.content, url
    assert CustodyEvent.objects.count() == before and EvidenceItem.objects.count() == 1


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AUDITOR, Role.ADMIN, Role.DEFENDER])
def test_other_roles_get_403_before_anything_is_read(lucia, make_person, role):
    client, _person, case = lucia
    item = _upload(client, case.reference, "a.txt", b"text").json()
    other = api_client(make_person(role))
    for kind, url, body in _calls(case.reference, item["id"]):
        assert _call(other, kind, url, body).status_code == 403, url
    for kind, url, body in _calls(case.reference, item["id"]):
        assert _call(Client(), kind, url, body).status_code == 401, url


def test_the_endpoints_are_in_the_openapi_schema(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/evidence/cases/{reference}/items",
        "/api/v1/evidence/cases/{reference}/upload",
        "/api/v1/evidence/cases/{reference}/exhibit",
        "/api/v1/evidence/items/{item_id}",
        "/api/v1/evidence/items/{item_id}/download",
        "/api/v1/evidence/items/{item_id}/working-copy",
        "/api/v1/evidence/items/{item_id}/verify",
    ]:
        assert path in paths, path
    upload = paths["/api/v1/evidence/cases/{reference}/upload"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    download = paths["/api/v1/evidence/items/{item_id}/download"]["post"]
    assert "application/octet-stream" in download["responses"]["200"]["content"]


def test_uploaded_photo_keeps_its_metadata_in_the_original(lucia):
    client, _person, case = lucia
    jpeg = photo()
    item = _upload(client, case.reference, "p.jpg", jpeg).json()
    got = _post_json(client, f"{BASE}/items/{item['id']}/download", {"reason": "x"}).content
    assert gps_of(got) == gps_of(jpeg) != {}
    assert io.BytesIO(got).getvalue() == jpeg


def test_api_uploads_never_touch_a_temporary_file(lucia, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "no-such-dir")  # any temp file would fail
    client, _person, case = lucia
    data = b"line of a long fictional transcript\n" * 100_000  # 3.6 MB, above the 2 MB spool
    created = _upload(client, case.reference, "long.txt", data)
    assert created.status_code == 201, created.content
    assert created.json()["size"] == len(data)
