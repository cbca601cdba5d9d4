"""Every URL pattern has an expected allow/deny for every role. The table (tests/access_rules)
is written by hand; the URLconf is walked, so a view added without a row fails the suite."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aegis.accounts import services as accounts
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.access_rules import EXPECTED, PUBLIC, SAMPLE_KWARGS
from tests.conftest import sign_in


def url_names(patterns=None, namespace=None):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from url_names(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}:" if namespace else "") + str(p.name), p


@pytest.mark.engine_independent
def test_every_url_pattern_has_a_rule_in_the_matrix():
    names = dict(url_names())
    assert set(names) == set(EXPECTED), "add the new view to EXPECTED with its allowed roles"


@pytest.mark.engine_independent
def test_every_web_view_declares_an_access_rule():
    for name, pattern in url_names():
        if not name.startswith("api:"):
            rule = getattr(pattern.callback, "access_rule", None)
            assert rule is not None, f"{name} has no access rule (use @public or @requires)"
            assert rule.public == (EXPECTED[name][1] == PUBLIC), name


def _url(name: str, pattern: URLPattern) -> str:
    kwargs = {k: SAMPLE_KWARGS[k] for k in pattern.pattern.converters}
    if name.startswith("api:"):
        kwargs = {k: str(v) for k, v in kwargs.items()}
    return reverse(name, kwargs=kwargs or None)


def _client_for(role: Role | None, make_person, api: bool) -> Client:
    if role is None:
        return Client()
    person = make_person(role)
    if api:
        with unlocked(person.keychain()) as chain:
            token = accounts.create_api_token(person.user, "matrix", chain)
        return Client(headers={"Authorization": f"Bearer {token}"})
    return sign_in(Client(), person)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_role_matrix(name, role, make_person):
    method, allowed = EXPECTED[name]
    pattern = dict(url_names())[name]
    api = name.startswith("api:")
    client = _client_for(role, make_person, api)
    response = getattr(client, method.lower())(_url(name, pattern))
    may = allowed == PUBLIC or (role is not None and role in allowed)
    if may:
        assert response.status_code not in (401, 403), response.status_code
        if not api:
            assert (
                "/accounts/login/" not in response.get("Location", "") or name == "accounts:logout"
            )
    elif api:
        assert response.status_code == (401 if role is None else 403)
    elif role is None:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403
