"""`aegis demo` end to end: start it as a person would, wait for it to serve, read the logins
it prints, and sign in over real HTTP with one of them."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

from aegis.accounts.forms import SignInForm
from tests.alerts.worker_process import wait_for

# The demo always builds its own SQLite instance (the test drops AEGIS_DATABASE_URL), so the
# PostgreSQL pass would repeat the same run.
pytestmark = [pytest.mark.slow, pytest.mark.engine_independent]

# A bound for building the demo (migrations, seven accounts' Argon2id keys, every area's data)
# and starting the server on a slow, loaded machine; not a measure of speed.
START_TIMEOUT = 240.0


@dataclass
class Login:
    role: str
    username: str
    password: str
    backup_codes: list[str]


@dataclass
class Demo:
    url: str
    stdout_path: Path
    stderr_path: Path
    proc: subprocess.Popen

    def output(self) -> str:
        return self.stdout_path.read_text()

    def diagnostics(self) -> str:
        return f"stdout:\n{self.output()}\nstderr:\n{self.stderr_path.read_text()[-4000:]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_logins(output: str) -> dict[str, Login]:
    """The '- role / username / password / backup codes' blocks the demo prints."""
    logins = {}
    pattern = re.compile(
        r"^- (?P<role>\w+)\n"
        r"\s+username: (?P<username>\S+)\n"
        r"\s+password: (?P<password>.+)\n"
        r"(?:\s+authenticator secret: \S+\n)?"
        r"\s+backup codes \(each works once\): (?P<codes>.+)$",
        re.MULTILINE,
    )
    for m in pattern.finditer(output):
        logins[m["role"]] = Login(m["role"], m["username"], m["password"], m["codes"].split())
    return logins


def get(opener: urllib.request.OpenerDirector, url: str, data: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        response = opener.open(urllib.request.Request(url, data=body), timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    return response.status, response.geturl(), response.read().decode()


@pytest.fixture
def demo(tmp_path) -> Iterator[Demo]:
    env = dict(os.environ)
    for name in ("AEGIS_DATABASE_URL", "AEGIS_TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    home = tmp_path / "home"
    env.update(AEGIS_HOME=str(home), AEGIS_KDF_PROFILE="test", PYTHONUNBUFFERED="1")
    addr = f"127.0.0.1:{free_port()}"
    stdout_path, stderr_path = tmp_path / "demo.out", tmp_path / "demo.err"
    with stdout_path.open("w") as out, stderr_path.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "aegis.cli", "demo", "--addr", addr],
            env=env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    running = Demo(f"http://{addr}", stdout_path, stderr_path, proc)
    try:
        yield running
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Terminate the demo's whole process group (it, the web server and the worker)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):  # whatever is left after a graceful stop
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def wait_until_serving(demo: Demo) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if demo.proc.poll() is not None:
            pytest.fail(f"aegis demo exited with {demo.proc.returncode}\n{demo.diagnostics()}")
        try:
            with urllib.request.urlopen(f"{demo.url}/healthz", timeout=2) as response:
                if response.status == 200 and "Serving http://" in demo.output():
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)  # polling for the server to come up, bounded by START_TIMEOUT
    pytest.fail(f"aegis demo did not serve /healthz within {START_TIMEOUT}s\n{demo.diagnostics()}")


def sign_in(
    demo: Demo, login: Login, code: str
) -> tuple[urllib.request.OpenerDirector, int, str, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    status, _, page = get(opener, f"{demo.url}/accounts/login/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, page
    assert any(c.name == "csrftoken" for c in jar)
    status, final_url, page = get(
        opener,
        f"{demo.url}/accounts/login/",
        {
            "csrfmiddlewaretoken": token[1],
            "username": login.username,
            "password": login.password,
            "code": code,
        },
    )
    return opener, status, final_url, page


def test_demo_serves_prints_logins_and_lets_a_demo_person_sign_in(demo):
    wait_until_serving(demo)

    health = urllib.request.urlopen(f"{demo.url}/healthz", timeout=10)
    assert health.status == 200
    assert b'"database": "ok"' in health.read()

    with urllib.request.urlopen(f"{demo.url}/accounts/login/", timeout=10) as response:
        assert response.status == 200
        login_page = response.read().decode()
    assert "<h1>Sign in</h1>" in login_page
    for field in ("username", "password", "code"):
        assert re.search(rf'<input [^>]*name="{field}"', login_page), field
        assert f'<label for="id_{field}"' in login_page

    output = demo.output()
    assert re.search(
        r"Organisation recovery key \(demo only\): [A-Z2-7]{4}(-[A-Z2-7]{4}){12}\n", output
    )
    # Convenience mode: the unlock secret sits in AEGIS_HOME, and every start says so.
    assert "NOT FOR PRODUCTION" in output
    wait_for(  # the worker's and web server's own notices
        lambda: demo.stderr_path.read_text().count("NOT FOR PRODUCTION") >= 2,
        60,
        "the worker and the web server to say they are not for production",
    )
    logins = parse_logins(output)
    assert set(logins) == {
        "admin",
        "caseworker",
        "coordinator",
        "responder",
        "analyst",
        "auditor",
        "defender",
    }, output
    for login in logins.values():
        assert login.password
        assert len(login.backup_codes) == 10, login

    # A wrong code is refused with the generic message. (Another person than the ones who
    # sign in below: django-otp throttles a person's devices for a moment after a failure.)
    analyst = logins["analyst"]
    _, status, final_url, page = sign_in(demo, analyst, "00000000")
    assert status == 200
    assert final_url.endswith("/accounts/login/")
    assert str(SignInForm.FAILED_MESSAGE) in page
    assert "<h1>Dashboard</h1>" not in page

    # The administrator signs in with a printed backup code and sees the admin's areas only.
    admin = logins["admin"]
    opener, status, final_url, page = sign_in(demo, admin, admin.backup_codes[0])
    assert status == 200, page
    assert final_url == f"{demo.url}/", final_url
    assert "<h1>Dashboard</h1>" in page
    assert f"<bdi>{admin.username}</bdi> · Administrator" in page
    assert "People and roles" in page
    assert "API tokens" in page
    assert "Audit log" not in page  # separation of duties: that is the auditor's
    assert "Incoming reports" not in page and "<h2>Cases</h2>" not in page

    # The signed-in session keeps working on the next request.
    status, final_url, page = get(opener, f"{demo.url}/accounts/users/")
    assert status == 200, page
    assert final_url == f"{demo.url}/accounts/users/"
    assert admin.username in page

    # The same backup code does not work twice.
    _, status, final_url, page = sign_in(demo, admin, admin.backup_codes[0])
    assert final_url.endswith("/accounts/login/")
    assert "<h1>Dashboard</h1>" not in page

    # Another role sees other areas.
    auditor = logins["auditor"]
    _, status, final_url, page = sign_in(demo, auditor, auditor.backup_codes[1])
    assert status == 200 and final_url == f"{demo.url}/", page
    assert "Audit log" in page
    assert "People and roles" not in page


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def _post_form(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, str, str]:
    """GET the page, then POST its form back with its CSRF token, as a browser would."""
    status, _, page = get(opener, url)
    assert status == 200, page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, page
    return get(opener, url, {"csrfmiddlewaretoken": token[1]})


def _a_drill(article: str) -> bool:
    """Marked as a drill in the contact's language: Ceiba's contacts read Spanish."""
    return "[DRILL]" in article or "[SIMULACRO]" in article


def _caught_panic(page: str) -> str | None:
    """The first link of a caught message to the fictional contact that is not a drill's."""
    for article in re.findall(r'<article class="demo-mail".*?</article>', page, re.DOTALL):
        if "parroquia.demo@example.org" in article and not _a_drill(article):
            link = re.search(r'<a href="([^"]+)"', article)
            return unescape(link[1]) if link else None
    return None


def _caught_text(page: str, number: str) -> str | None:
    """The link of a caught SMS to `number` that is not a drill's."""
    for article in re.findall(r'<article class="demo-text".*?</article>', page, re.DOTALL):
        if f"SMS · {number}" in article and not _a_drill(article):
            link = re.search(r'<a href="([^"]+)"', article)
            return unescape(link[1]) if link else None
    return None


def test_a_panic_in_the_demo_reaches_the_mail_catcher_with_a_working_link(demo):
    wait_until_serving(demo)
    logins = parse_logins(demo.output())
    assert f"case staff read it on {demo.url}/demo-mail/" in demo.output()

    # The defender presses the panic button.
    rosa = logins["defender"]
    defender, status, _, page = sign_in(demo, rosa, rosa.backup_codes[0])
    assert status == 200, page
    status, final_url, page = _post_form(defender, f"{demo.url}/alerts/panic/")
    assert status == 200 and final_url == f"{demo.url}/alerts/panic/", page
    assert "Your request has been received." in page
    # The demo mail page is for staff, not for her.
    status, _, _ = get(defender, f"{demo.url}/demo-mail/")
    assert status == 403

    # Her caseworker finds "Demo mail" in the menu, and there the message to her contact.
    lucia = logins["caseworker"]
    staff, status, _, page = sign_in(demo, lucia, lucia.backup_codes[0])
    assert status == 200 and 'href="/demo-mail/"' in page, page
    caught: dict[str, str] = {}

    def arrived() -> bool:
        status, _, page = get(staff, f"{demo.url}/demo-mail/")
        assert status == 200, page
        caught["page"] = page
        return _caught_panic(page) is not None

    wait_for(arrived, 60, "the panic's email to reach the demo's mail catcher")
    link = _caught_panic(caught["page"])
    assert link is not None
    # The link starts with the address the demo serves at (not the default :8000).
    assert link.startswith(f"{demo.url}/ack/"), link

    # The contact opens it, with no account, and confirms.
    status, final_url, page = _post_form(_opener(), link)
    assert status == 200 and final_url == link, page
    # Done: the thanks, and no button left to press.
    assert 'class="notice"' in page and '<form method="post" class="stack">' not in page, page

    # Her sister, who has only a phone, got the panic by SMS, through the demo's stand-in
    # gateway, shown on the same page with its own acknowledgement link.
    assert "SMS and Signal go to a stand-in gateway on 127.0.0.1:" in demo.output()

    def texted() -> bool:
        _, _, page = get(staff, f"{demo.url}/demo-mail/")
        caught["page"] = page
        return _caught_text(page, "+57 311 555 0101") is not None

    wait_for(texted, 60, "the panic's SMS to reach the demo's stand-in gateway")
    sms_link = _caught_text(caught["page"], "+57 311 555 0101")
    assert sms_link is not None and sms_link.startswith(f"{demo.url}/ack/"), sms_link
    status, final_url, page = get(_opener(), sms_link)
    assert status == 200 and final_url == sms_link, page
