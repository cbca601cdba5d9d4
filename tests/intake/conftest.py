"""Fixtures of the intake tests: the intake team, a valid report, and helpers that use the
public form as a browser would (GET for the form token, then POST)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from PIL import Image

from aegis.intake import services
from aegis.intake.models import Submission
from aegis.roles import Role

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CODE = re.compile(r'<code class="token" id="receipt-code">([^<]+)</code>')


@pytest.fixture(autouse=True)
def intake_settings(settings, tmp_path):
    """Tests need not wait the few seconds a person takes (one test sets it back); each test
    has its own media folder, so "no blob was written" can be checked."""
    settings.AEGIS_INTAKE_MIN_SECONDS = 0
    settings.AEGIS_MAX_UPLOAD_MB = 1
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def argon2id_calls(monkeypatch):
    """How often libsodium's Argon2id ran (a counting wrapper around the real function)."""
    import nacl.pwhash

    calls: list[int] = []
    real = nacl.pwhash.argon2id.kdf

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(nacl.pwhash.argon2id, "kdf", counting)
    return calls


@pytest.fixture
def intake_team(make_person, make_compartment):
    """The intake compartment (default name) with one caseworker in it."""
    lucia = make_person(Role.CASEWORKER)
    compartment = make_compartment(lucia, name="Intake team")
    return compartment, lucia


def form_data(**overrides) -> dict:
    data = {
        "anonymous": "yes",
        "narrative": "Two men followed me from the community meeting to my house.",
        "when_year": "2025",
        "when_month": "3",
        "when_day": "14",
        "country": "CO",
        "region": "CO-ANT",
        "place_details": "Vereda El Roble, near the school",
        "target_kind": "me",
        "perpetrator_type": "paramilitary",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def without_csrf(content: bytes) -> bytes:
    """A page with its (per-response, masked) CSRF tokens blanked, for byte comparisons."""
    return CSRF.sub(b'name="csrfmiddlewaretoken" value=""', content)


def token_of(response) -> str:
    found = TOKEN.search(response.content.decode())
    assert found, response.content.decode()[:3000]
    return found.group(1)


def post_report(client: Client, files: list | None = None, **overrides):
    """GET the form (for its token), then POST it with `files` (name, bytes[, type])."""
    token = token_of(client.get("/report/"))
    data = form_data(**overrides)
    data["form_token"] = token
    if files:
        data["files"] = [upload(*f) for f in files]
    return client.post("/report/", data)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def receipt_code(response) -> str:
    found = CODE.search(response.content.decode())
    assert found, response.content.decode()[:3000]
    return found.group(1)


def png_bytes(size=(8, 8), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def blobs() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT) / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def submission_count() -> int:
    return Submission.objects.count()


@pytest.fixture
def submit() -> Callable[..., services.Receipt]:
    """A report through the service (anonymous unless told otherwise)."""

    def make(narrative: str = "They burned the seed store of the cooperative.", **fields):
        uploads = fields.pop("uploads", ())
        fields.setdefault("target_kind", "organisation")
        return services.submit_report(services.Report(narrative=narrative, **fields), uploads)

    return make
