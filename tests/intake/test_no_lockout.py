"""Acceptance of "no stranger can lock people out": one client floods wrong receipt codes and
wrong passwords while another reporter opens their report and the account owner signs in.
The guesser is slowed (its attempts wait, unchecked); nobody else is. Nothing keeps the
client's address or user agent."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from aegis import clock
from aegis.accounts import throttle
from aegis.accounts.forms import SignInForm
from aegis.intake.models import ReceiptOpenings
from aegis.roles import Role
from tests import seizure

from .conftest import post_report, receipt_code

pytestmark = pytest.mark.django_db

FLOOD = 60  # twice the old "pause everyone" limit of wrong codes, twelve times the lock's
GUESSER_AGENT = "FloodBot/7.3 (x11; needle-agent)"
GUESSER_ADDRESS = "203.0.113.77"
OWNER_AGENT = "OwnerBrowser/1.0 (needle-owner-agent)"
OWNER_ADDRESS = "198.51.100.23"
REFUSED = "We could not open a report with this code"


def open_thread(client: Client, code: str):
    return client.post("/report/follow-up/", {"action": "open", "code": code})


def sign_in(client: Client, username: str, password: str, code: str):
    return client.post(
        "/accounts/login/", {"username": username, "password": password, "code": code}
    )


def error_text(response) -> str | None:
    match = re.search(r'<p class="error" role="alert">(.*?)</p>', response.content.decode(), re.S)
    return match.group(1).strip() if match else None


def totp_now(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


@pytest.mark.django_db(transaction=True)  # committed: the seizure check reads the file
def test_a_flood_of_wrong_codes_and_passwords_locks_nobody_out(
    intake_team, make_person, argon2id_calls, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    owner = make_person(Role.DEFENDER)
    name = owner.user.username
    code = receipt_code(post_report(Client()))
    own = Client(HTTP_USER_AGENT=OWNER_AGENT, REMOTE_ADDR=OWNER_ADDRESS)
    assert sign_in(own, name, owner.password, owner.next_backup_code()).status_code == 302
    own.post("/accounts/logout/")  # an earlier day on the owner's own browser
    guesser = Client(HTTP_USER_AGENT=GUESSER_AGENT, REMOTE_ADDR=GUESSER_ADDRESS)
    derivations = len(argon2id_calls)

    start = timezone.now()
    sign_ins: list[int] = []
    with clock.frozen(start):
        for n in range(FLOOD):
            page = open_thread(guesser, f"ABCD-EFGH-JKMN-PQRS-{n:04d}")
            assert page.status_code == 200 and REFUSED in page.content.decode()
            api = guesser.post(
                "/api/v1/intake/follow-up", {"code": f"ZZZZ-{n:04d}"}, "application/json"
            )
            assert api.status_code == 404
            sign_ins.append(sign_in(guesser, name, f"guessed password {n}", "000000").status_code)
            if n == FLOOD // 2:
                # Mid-flood: another reporter opens their report, the owner signs in with
                # password and authenticator code, both at the first try.
                assert open_thread(Client(), code).status_code == 302
                owner_in = sign_in(own, name, owner.password, totp_now(owner.user))
                assert owner_in.status_code == 302, owner_in.content.decode()[-3000:]
                own.post("/accounts/logout/")
        # Wrong codes cost no Argon2id and write nothing. libsodium's Argon2id ran twice:
        # for the real code and to unlock the owner's key.
        assert len(argon2id_calls) == derivations + 2
        assert list(ReceiptOpenings.objects.values_list("openings", flat=True)) == [1]
        # The guesser's passwords: the first few were checked, every later one waited
        # unchecked (with the clock stopped, the first wait never ends).
        limit = throttle.failure_limit()
        assert sign_ins == [200] * limit + [429] * (FLOOD - limit)
        held = sign_in(guesser, name, owner.password, owner.next_backup_code())
        assert held.status_code == 429 and error_text(held) == SignInForm.wait_message(1)
        bucket = throttle.bucket_of(name)
        assert throttle.failures(bucket) == limit
        # Each checked guess doubles the wait: 1 s, 2 s, 4 s ...
        waits = []
        for _ in range(3):
            clock.advance(timedelta(seconds=throttle.delay_after(throttle.failures(bucket))))
            assert sign_in(guesser, name, "one more guess", "000000").status_code == 200
            waits.append(throttle.claim(bucket))
        assert waits == [2, 4, 8]
        # After the flood, both still get in at once.
        assert open_thread(Client(), code).status_code == 302
        assert sign_in(own, name, owner.password, owner.next_backup_code()).status_code == 302

    # No address or user agent is kept anywhere: not in the database, not in the logs.
    assert not [t for t in connection.introspection.table_names() if t.startswith("axes_")]
    needles = [GUESSER_AGENT, GUESSER_ADDRESS, OWNER_AGENT, OWNER_ADDRESS, "needle"]
    assert seizure.find([n.encode() for n in needles]) == []
    printed = capsys.readouterr()
    for text in (caplog.text, printed.out, printed.err):
        assert not [n for n in needles if n in text]
