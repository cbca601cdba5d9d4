"""What the server leaves behind and tells browsers: `aegis serve` (real gunicorn on a
loopback port) logs malformed requests without the client's address; `aegis init` leaves
AEGIS_HOME 0700 and the SQLite database 0600, also where an older version left them open;
HSTS is on when the instance is served over HTTPS."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.test_cli import ADMIN_PASSWORD, aegis, init


def _aegis_at(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`aegis ARGS` with AEGIS_HOME at `home`, which need not exist yet (run from its parent)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.pop("AEGIS_DATABASE_URL", None)
    env.update(AEGIS_HOME=str(home), AEGIS_KDF_PROFILE="test")
    return subprocess.run(
        [sys.executable, "-m", "aegis.cli", *args],
        env=env,
        cwd=home.parent,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _send_raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(data)
        chunks = []
        while chunk := conn.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks)


# Each carries text a client chose (a path with a token, a header) that no line may repeat.
MALFORMED = [
    b"GARBAGE/ack/client-text-1/\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon client-text-2\r\n\r\n",
    b"GET /ack/client-text-3/ HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
    b"G@T /ack/client-text-4/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
]


@pytest.mark.engine_independent  # `aegis` on its own SQLite home
def test_serve_logs_malformed_requests_without_the_client_address_or_text(tmp_path):
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.pop("AEGIS_DATABASE_URL", None)
    env.update(AEGIS_HOME=str(tmp_path / "home"), AEGIS_KDF_PROFILE="test")
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aegis.cli",
                "serve",
                "--addr",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: _answers(port) or server.poll() is not None, 180, "gunicorn to listen")
        assert server.poll() is None, log.read_text()
        answers = [_send_raw(port, request) for request in MALFORMED]
        # A query value the API takes (500 characters), each an emoji: 6,000 bytes encoded.
        long_line = _send_raw(
            port,
            b"GET /api/v1/alerts/open?after=" + b"%F0%9F%91%8D" * 500 + b" HTTP/1.1\r\n"
            b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n",
        )
        _wait(
            lambda: log.read_text().count("Refused a malformed request") >= len(MALFORMED),
            180,
            "gunicorn to log the malformed requests",
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = log.read_text()
    assert all(answer.startswith(b"HTTP/1.1 400") for answer in answers), answers
    # Reaches the API, which asks for a token (gunicorn's own limit answered 414 in HTML).
    assert long_line.startswith(b"HTTP/1.1 401"), long_line[:200]
    assert b"WWW-Authenticate: Bearer" in long_line, long_line[:400]
    assert output.count("Refused a malformed request (Invalid HTTP") == len(MALFORMED), output
    assert "127.0.0.1" not in output and "client-text" not in output, output


@pytest.mark.engine_independent  # `aegis` on its own SQLite home
def test_init_keeps_the_home_and_the_database_to_the_service_account(tmp_path):
    home = tmp_path / "fresh"
    password = tmp_path / "admin-password"
    password.write_text(ADMIN_PASSWORD)
    result = _aegis_at(
        home,
        *("init", "--admin-username", "root-admin", "--admin-password-file", str(password)),
        "--no-input",
    )
    assert result.returncode == 0, result.stderr
    assert _mode(home) == 0o700
    databases = sorted(home.glob("aegis.sqlite3*"))
    assert databases, list(home.iterdir())
    assert {p.name: oct(_mode(p)) for p in databases} == {p.name: "0o600" for p in databases}
    for path in home.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert _mode(path) & 0o077 == 0, (path, oct(_mode(path)))
        if path.is_dir():
            assert _mode(path) == expected, (path, oct(_mode(path)))


@pytest.mark.engine_independent  # `aegis` on its own SQLite home
def test_a_home_created_by_any_aegis_command_is_private(tmp_path):
    home = tmp_path / "made-by-check"
    result = _aegis_at(home, "check")
    assert result.returncode == 0, result.stderr
    assert _mode(home) == 0o700


@pytest.mark.engine_independent  # `aegis` on its own SQLite home
def test_init_tightens_a_home_and_database_left_open(tmp_path):
    home = tmp_path / "older"
    home.mkdir()
    assert init(home, ADMIN_PASSWORD).returncode == 0
    home.chmod(0o755)
    (home / "aegis.sqlite3").chmod(0o644)
    again = init(home, ADMIN_PASSWORD)
    assert again.returncode == 0, again.stderr
    assert _mode(home) == 0o700
    assert _mode(home / "aegis.sqlite3") == 0o600


@pytest.mark.engine_independent  # `aegis` on its own SQLite home
def test_hsts_is_on_when_served_over_https(tmp_path):
    show = (
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS,"
        " s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)",
    )
    secure = aegis(tmp_path, *show, extra_env={"AEGIS_SECURE_COOKIES": "1"})
    assert secure.returncode == 0, secure.stderr
    assert secure.stdout.strip().splitlines()[-1] == "31536000 False False"
    plain = aegis(tmp_path, *show)
    assert plain.stdout.strip().splitlines()[-1] == "0 False False"
    chosen = aegis(
        tmp_path,
        *show,
        extra_env={
            "AEGIS_SECURE_COOKIES": "1",
            "AEGIS_HSTS_SECONDS": "600",
            "AEGIS_HSTS_INCLUDE_SUBDOMAINS": "1",
        },
    )
    assert chosen.stdout.strip().splitlines()[-1] == "600 True False"
    # Without HTTPS the setting asks for nothing, whatever else is set.
    ignored = aegis(tmp_path, *show, extra_env={"AEGIS_HSTS_PRELOAD": "1"})
    assert ignored.stdout.strip().splitlines()[-1] == "0 False False"
    # An https address people reach is HTTPS enough, unless the setting says otherwise.
    https = {"AEGIS_BASE_URL": "https://aegis.example.org"}
    assert aegis(tmp_path, *show, extra_env=https).stdout.split()[-3:] == [
        "31536000",
        "False",
        "False",
    ]
    refused = aegis(tmp_path, *show, extra_env={**https, "AEGIS_SECURE_COOKIES": "0"})
    assert refused.stdout.split()[-3:] == ["0", "False", "False"]


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31536000)
def test_the_hsts_header_goes_out_on_https_responses_only():
    client = Client()
    assert client.get("/report/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/report/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded; charset=utf-16",
        "application/x-www-form-urlencoded; charset=utf-32",
    ],
)
def test_a_form_sent_in_an_encoding_django_refuses_is_a_400_page_not_a_500(content_type):
    # Django's own 400 handler checks the CSRF token first, reading the form again, which
    # failed again: the answer was a 500.
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.get("/accounts/login/")
    sent = client.generic(
        "POST",
        "/accounts/login/",
        data=b"username=x&csrfmiddlewaretoken=x",
        content_type=content_type,
    )
    assert sent.status_code == 400
    assert "What was sent could not be read" in sent.content.decode()


@pytest.mark.django_db
def test_nothing_answered_to_a_signed_in_person_is_kept_by_the_browser(make_person):
    """A shared computer's back button or history showed case pages after sign-out: every
    answer to a signed-in person says no-store, a public page too (it carries their menu);
    a public chart, the same for all, keeps its caching; anonymous pages are as before."""
    from aegis.roles import Role
    from tests.conftest import api_client, sign_in

    person = make_person(Role.CASEWORKER)
    client = sign_in(Client(), person)
    for path in ("/", "/cases/", "/accounts/tokens/", "/public/"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer["Cache-Control"] == "private, no-store", path
    chart = client.get("/public/chart/incidents-by-month.svg")
    assert chart.status_code == 200 and "public" in chart["Cache-Control"]
    assert api_client(person).get("/api/v1/me")["Cache-Control"] == "private, no-store"
    assert "public" in Client().get("/public/")["Cache-Control"]


@pytest.mark.django_db
def test_the_csrf_cookie_ends_with_the_browser():
    """A year-long cookie from the public report form was a trace of the visit."""
    answer = Client().get("/report/")
    cookie = answer.cookies["csrftoken"]
    assert cookie.value and not cookie["max-age"] and not cookie["expires"]
