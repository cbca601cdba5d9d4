"""Every page says which HTTP methods it takes: a page that only shows something answers
405 to POST, PUT, PATCH and DELETE (67 pages had rendered themselves, or sent their PDF or
CSV, to any method), and a form's page takes GET and POST only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aegis.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.engine_independent


def _patterns(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _methods(view: Any) -> list[str] | None:
    """The methods Django's require_http_methods (require_safe, require_POST…) was given
    anywhere among the view's decorators: the list its wrapper keeps in its closure."""
    while view is not None:
        for cell in getattr(view, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if (
                isinstance(value, list)
                and value
                and all(isinstance(v, str) and v.isupper() for v in value)
            ):
                return value
        view = getattr(view, "__wrapped__", None)
    return None


def test_every_page_of_aegis_names_the_methods_it_takes():
    unnamed = [
        f"{route} ({view.__module__}.{view.__name__})"
        for route, pattern in _patterns(get_resolver().url_patterns)
        if (view := pattern.callback).__module__.startswith("aegis.") and _methods(view) is None
    ]
    assert not unnamed, unnamed


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_page_that_only_shows_refuses_other_methods(make_person, method):
    coordinator = sign_in(Client(), make_person(Role.COORDINATOR))
    for url in (reverse("cases:list"), reverse("alerts:history"), "/public/data.csv"):
        assert getattr(coordinator, method)(url).status_code == 405, (method, url)
    assert coordinator.get(reverse("cases:list")).status_code == 200
    assert coordinator.head(reverse("cases:list")).status_code == 200
