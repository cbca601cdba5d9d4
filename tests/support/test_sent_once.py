"""A form that makes a record is sent once (accounts.once): a double click, a reload or Back
and send again had made two grants, two notes. The second sending is led where the first's
answer led, and says so; a form shown again with its errors can be corrected and sent."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from aegis.accounts.models import SentForm
from aegis.accounts.once import URLENCODED
from aegis.cases.models import CaseNote
from aegis.support.models import Grant

from .conftest import client, grant_form

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="sent_once" value="([^"]+)"')


def _token(page) -> str:
    found = TOKEN.search(page.content.decode())
    assert found, page.content.decode()[:2000]
    return found.group(1)


def _send(web, url, data, **kwargs):
    """As a browser sends a form without files (the middleware reads only those)."""
    return web.post(url, urlencode(data), content_type=URLENCODED, **kwargs)


def test_a_grant_sent_twice_is_made_once(team):
    karim = client(team.karim)
    url = reverse("support:grant-new") + f"?case={team.case.reference}"
    token = _token(karim.get(url))
    first = _send(karim, url, {**grant_form(team), "sent_once": token})
    assert first.status_code == 302, first.content.decode()[:2000]
    again = _send(karim, url, {**grant_form(team), "sent_once": token}, follow=True)
    assert Grant.objects.count() == 1
    assert again.redirect_chain[0][0] == first["Location"]
    assert "already been sent, so nothing was done a second time" in again.content.decode()
    # A new page is a new token: a second grant on purpose is made.
    assert (
        _send(karim, url, {**grant_form(team), "sent_once": _token(karim.get(url))}).status_code
        == 302
    )
    assert Grant.objects.count() == 2
    assert SentForm.objects.count() == 2 and all(
        len(r.digest) == 64 for r in SentForm.objects.all()
    )


def test_a_form_shown_again_with_its_errors_can_be_corrected_and_sent(team):
    karim = client(team.karim)
    url = reverse("support:grant-new") + f"?case={team.case.reference}"
    token = _token(karim.get(url))
    refused = _send(karim, url, {**grant_form(team, amount="-5"), "sent_once": token})
    assert refused.status_code == 422 and not Grant.objects.exists()
    # The same token, as Back and send would: the first sending gave it back.
    assert _send(karim, url, {**grant_form(team), "sent_once": token}).status_code == 302
    assert Grant.objects.count() == 1


def test_a_case_note_sent_twice_is_written_once(team):
    lucia = client(team.lucia)
    url = reverse("cases:note-add", kwargs={"reference": team.case.reference})
    token = _token(lucia.get(url))
    for _ in range(2):
        sent = _send(lucia, url, {"body": "Called her at 9.", "sent_once": token})
        assert sent.status_code == 302
    assert CaseNote.objects.filter(case=team.case).count() == 1
    # A form without a token (a script, an older page) is taken as before.
    assert _send(lucia, url, {"body": "Called again."}).status_code == 302
    assert CaseNote.objects.filter(case=team.case).count() == 2


def test_without_its_table_a_form_is_taken_as_before(team, monkeypatch):
    """A database not migrated since the tokens came has no table for them: the form is
    taken, not refused with a server error."""
    from django.db import DatabaseError

    from aegis.accounts import once

    def missing(digest):
        raise DatabaseError("no such table: accounts_sentform")

    monkeypatch.setattr(once, "_claimed", missing)
    lucia = client(team.lucia)
    url = reverse("cases:note-add", kwargs={"reference": team.case.reference})
    sent = _send(lucia, url, {"body": "Called her at 9.", "sent_once": _token(lucia.get(url))})
    assert sent.status_code == 302
    assert CaseNote.objects.filter(case=team.case).count() == 1


def test_a_new_api_token_sent_twice_is_made_once_and_shown_once(team):
    """Its answer is a page that shows the token once, not a redirect: sent again (a reload,
    Back and send), the form is led to the token list, and no second token is made."""
    from aegis.accounts.models import ApiToken
    from tests.conftest import PASSWORD

    karim = client(team.karim)
    url = reverse("accounts:tokens")
    token = _token(karim.get(url))
    sent = {"label": "phone client", "password": PASSWORD, "sent_once": token}
    first = _send(karim, url, sent)
    assert first.status_code == 200 and "It is shown only once" in first.content.decode()
    again = _send(karim, url, sent, follow=True)
    assert again.redirect_chain == [(url, 302)]
    shown = again.content.decode()
    assert "already been sent, so nothing was done a second time" in shown
    assert "It is shown only once" not in shown
    assert ApiToken.objects.filter(user=team.karim.user).count() == 1
