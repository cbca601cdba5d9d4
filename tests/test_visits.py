"""A visit to an address that only takes a form (a reload after a form error, a bookmark,
the language switch sending the reader back to it) gets a page in words with the way back,
not an empty "405 Method Not Allowed"."""

from __future__ import annotations

import pytest

from aegis.roles import Role
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
