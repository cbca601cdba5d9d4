"""A visit to an address that only takes a form (a reload after a form error, a bookmark,
the language switch sending the reader back to it) gets a page in words with the way back,
not an empty "405 Method Not Allowed"."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.db import DataError, connection

from aegis.cases import selectors as case_selectors
from aegis.roles import Role
from aegis.support.models import Referral
from aegis.visits import page_above

pytestmark = pytest.mark.django_db


def test_a_visit_to_a_form_address_gets_a_page_with_the_way_back(signed_in):
    client, _ = signed_in(Role.ANALYST)
    response = client.get("/monitoring/proposals/4/reject/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    html = response.content.decode()
    assert "This address takes a form, not a visit" in html
    assert '<a href="/monitoring/proposals/4/">' in html


def test_changing_the_language_on_a_form_answer_lands_on_the_page_in_that_language(signed_in):
    client, _ = signed_in(Role.ANALYST)
    landed = client.post(
        "/i18n/setlang/",
        {"language": "ar", "next": "/monitoring/proposals/4/reject/"},
        follow=True,
    )
    html = landed.content.decode()
    assert landed.status_code == 405 and 'dir="rtl"' in html
    assert "هذا العنوان يستقبل نموذجًا، لا زيارة" in html


def test_the_way_back_is_the_nearest_page_above(signed_in):
    client, _ = signed_in(Role.CASEWORKER)
    revoke = "/accounts/tokens/0b3a2c1e-0000-4000-8000-000000000000/revoke/"
    assert page_above(revoke) == "/accounts/tokens/"  # the token has no page of its own
    assert '<a href="/accounts/tokens/">' in client.get(revoke).content.decode()
    assert page_above("/no/such/form/") is None


def test_a_put_is_still_refused_as_before(signed_in):
    client, _ = signed_in(Role.ANALYST)
    assert client.put("/monitoring/proposals/4/reject/").status_code == 405
    assert client.put("/monitoring/proposals/4/reject/").content == b""


def test_the_way_back_keeps_the_sites_prefix() -> None:
    """Served under a sub-path, the link goes there (the path matched is path_info)."""
    from django.urls import get_script_prefix, set_script_prefix

    before = get_script_prefix()
    set_script_prefix("/aegis/")
    try:
        assert page_above("/monitoring/proposals/4/reject/") == "/aegis/monitoring/proposals/4/"
    finally:
        set_script_prefix(before)


# A NUL character: PostgreSQL takes it in no text, so a lookup with it is refused there
# (SQLite looks it up and finds nothing). A fuzzer's form pass found these four as 500s.
NUL_IN_A_FILTER = [
    "/incidents/?country=%00",
    "/incidents/?country=a%00b",
    "/support/providers/?country=%00",
    "/alerts/policies/?reference=%00",
]
UNUSABLE = "A value sent with this page could not be used"


def _refused(*args, **kwargs):
    raise DataError("value out of range: 'a value someone typed'")


@pytest.mark.parametrize("address", NUL_IN_A_FILTER)
def test_a_nul_character_in_a_filter_is_a_page_in_words(signed_in, make_compartment, address):
    client, person = signed_in(Role.COORDINATOR)
    make_compartment(person)  # something to filter, so that the lookup is made
    response = client.get(address)
    html = response.content.decode()
    if connection.vendor == "postgresql":
        assert response.status_code == 400 and UNUSABLE in html
        assert f'<a href="{address.split("?")[0]}">' in html  # back, without the filter
    else:
        assert response.status_code == 200 and UNUSABLE not in html


def test_a_nul_character_as_a_forms_choice_stores_nothing(signed_in, make_compartment, make_case):
    client, person = signed_in(Role.COORDINATOR)
    make_case(make_compartment(person), person)
    response = client.post(
        "/support/referrals/new/", {"case": "\x00", "provider": "1", "kind": "service"}
    )
    if connection.vendor == "postgresql":
        assert response.status_code == 400 and UNUSABLE in response.content.decode()
    else:
        assert response.status_code == 422  # not one of the cases offered
    assert not Referral.objects.exists()


def test_any_value_the_database_refuses_is_a_400_in_words_and_the_log_keeps_no_value(
    signed_in, monkeypatch, caplog
):
    """On either database: whatever the database refuses as a value reaches no one as a 500."""
    monkeypatch.setattr(case_selectors, "case_for", _refused)
    client, _ = signed_in(Role.CASEWORKER)
    with caplog.at_level(logging.WARNING, logger="aegis.visits"):
        response = client.get("/support/referrals/new/?case=AEG-2026-00001")
    html = response.content.decode()
    assert response.status_code == 400
    assert UNUSABLE in html and "Nothing was stored." in html
    assert '<a href="/support/referrals/new/">' in html
    assert "support:referral-new" in caplog.text and "a value someone typed" not in caplog.text


def test_the_page_about_an_unusable_value_is_translated(signed_in, monkeypatch):
    monkeypatch.setattr(case_selectors, "case_for", _refused)
    client, _ = signed_in(Role.CASEWORKER)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = client.get("/support/referrals/new/?case=AEG-2026-00001")
    assert response.status_code == 400 and 'dir="rtl"' in response.content.decode()
    assert UNUSABLE not in response.content.decode()
