"""A body Django refuses to read (a file whose name is over a kilobyte, too many fields or
files, a box of megabytes, a multipart body without its boundary) sent to an upload form or
to the API. The pages' upload forms come back with what was typed and a message saying what
to do, nothing stored; the API answers JSON in words naming what could not be read. They had
been the generic "could not be read" page, which lost the text, and the same words in JSON."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from aegis.evidence.models import EvidenceItem
from aegis.exchange.models import Received
from aegis.monitoring.models import Article
from aegis.roles import Role
from tests.conftest import api_client, sign_in

pytestmark = pytest.mark.django_db

BOUNDARY = "aegis-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
LONG_NAME = "w" * 1100 + ".txt"  # its part's headers are past Django's limit of 1 KB
TYPED = "Photo of the wall, taken the morning after the raid"
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _part(name: str, value: bytes, file_name: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if file_name is not None:
        disposition += f'; filename="{file_name}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if file_name is not None:
        head += "Content-Type: text/plain\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


def _body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _fields(**values: str) -> list[bytes]:
    return [_part(name, value.encode()) for name, value in values.items()]


def _signed_in(person) -> tuple[Client, str]:
    """A client that checks CSRF as production does, and a token for its forms."""
    client = sign_in(Client(), person)
    client.handler.enforce_csrf_checks = True
    page = client.get("/")
    found = CSRF_TOKEN.search(page.content.decode())
    assert found
    return client, found.group(1)


@pytest.fixture
def lucia(make_person, make_compartment, make_case):
    person = make_person(Role.CASEWORKER)
    return person, make_case(make_compartment(person), person)


def test_an_evidence_file_with_a_name_over_a_kilobyte_keeps_the_description(lucia):
    person, case = lucia
    client, token = _signed_in(person)
    fields = _fields(csrfmiddlewaretoken=token, description=TYPED, reason="For the court")
    sent = client.generic(
        "POST",
        reverse("evidence:upload", args=[case.reference]),
        _body(*fields, _part("file", b"the file", LONG_NAME)),
        content_type=MULTIPART,
    )
    assert sent.status_code == 400
    page = sent.content.decode()
    assert "the name of the file you attached is too long to be received" in page
    assert TYPED in page and "For the court" in page, "what was typed is shown again"
    assert 'enctype="multipart/form-data"' in page
    assert not EvidenceItem.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        [_part(f"field{i}", b"1") for i in range(1001)],  # past DATA_UPLOAD_MAX_NUMBER_FIELDS
        [_part("file", b"text", f"{i}.txt") for i in range(11)],  # past ..._NUMBER_FILES
        [_part("notes", b"x" * (5 * 1024 * 1024))],  # past DATA_UPLOAD_MAX_MEMORY_SIZE
    ],
    ids=["fields", "files", "megabytes"],
)
def test_an_evidence_body_past_the_limits_keeps_the_description(lucia, extra):
    person, case = lucia
    client, token = _signed_in(person)
    fields = _fields(csrfmiddlewaretoken=token, description=TYPED, reason="For the court")
    sent = client.generic(
        "POST",
        reverse("evidence:upload", args=[case.reference]),
        _body(*fields, _part("file", b"the file", "wall.txt"), *extra),
        content_type=MULTIPART,
    )
    assert sent.status_code == 413
    page = sent.content.decode()
    assert "too large to be received in one go" in page
    assert TYPED in page
    assert not EvidenceItem.objects.exists()


def test_an_article_file_with_a_name_over_a_kilobyte_keeps_the_title(make_person):
    client, token = _signed_in(make_person(Role.ANALYST))
    title = "Journalist detained at the border crossing"
    sent = client.generic(
        "POST",
        reverse("monitoring:upload"),
        _body(*_fields(csrfmiddlewaretoken=token, title=title), _part("file", b"x", LONG_NAME)),
        content_type=MULTIPART,
    )
    assert sent.status_code == 400
    page = sent.content.decode()
    assert "the name of the file you attached is too long to be received" in page
    assert f'value="{title}"' in page
    assert not Article.objects.exists()


def test_a_bundle_with_a_name_over_a_kilobyte_keeps_the_choices(lucia):
    person, _case = lucia
    client, token = _signed_in(person)
    sent = client.generic(
        "POST",
        reverse("exchange:import"),
        _body(
            *_fields(csrfmiddlewaretoken=token, file_format="csv"),
            _part("bundle", b"bundle", LONG_NAME),
        ),
        content_type=MULTIPART,
    )
    assert sent.status_code == 400
    page = sent.content.decode()
    assert "the name of the file you attached is too long to be received" in page
    assert re.search(r'value="csv"[^>]*selected', page), "the format chosen is kept"
    assert not Received.objects.exists()


def test_a_form_without_a_csrf_token_is_still_refused(lucia):
    person, case = lucia
    client, _token = _signed_in(person)
    sent = client.generic(
        "POST",
        reverse("evidence:upload", args=[case.reference]),
        _body(*_fields(description=TYPED), _part("file", b"the file", LONG_NAME)),
        content_type=MULTIPART,
    )
    assert sent.status_code == 403
    assert not EvidenceItem.objects.exists()


@pytest.mark.parametrize(
    ("content_type", "body", "said"),
    [
        (MULTIPART, _body(_part("file", b"text", LONG_NAME)), "headers over a kilobyte"),
        (
            MULTIPART,
            _body(*[_part("file", b"text", f"{i}.txt") for i in range(11)]),
            "more than 10 files",
        ),
        (
            MULTIPART,
            _body(*[_part(f"f{i}", b"1") for i in range(1001)], _part("file", b"t", "a.txt")),
            "more than 1000 fields",
        ),
        ("multipart/form-data", _body(_part("file", b"text", "a.txt")), "its boundary"),
    ],
    ids=["long-name", "files", "fields", "no-boundary"],
)
def test_the_api_says_what_in_a_multipart_body_could_not_be_read(lucia, content_type, body, said):
    person, case = lucia
    client = api_client(person)
    sent = client.generic(
        "POST", f"/api/v1/evidence/cases/{case.reference}/upload", body, content_type=content_type
    )
    assert sent.status_code == 400
    assert sent["Content-Type"].startswith("application/json")
    assert said in sent.json()["detail"]
    assert "Nothing was stored" in sent.json()["detail"]
    assert not EvidenceItem.objects.exists()


def test_another_form_names_what_could_not_be_read_on_its_page(lucia):
    person, _case = lucia
    client, token = _signed_in(person)
    sent = client.generic(
        "POST",
        "/accounts/password/",
        _body(*_fields(csrfmiddlewaretoken=token), *_fields(**{f"f{i}": "1" for i in range(1001)})),
        content_type=MULTIPART,
    )
    assert sent.status_code == 400
    assert "more than 1000 fields" in sent.content.decode()
