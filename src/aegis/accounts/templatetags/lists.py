"""`{{ names|listed }}`: a list joined with the language's own separator (Arabic writes "،"),
where `join:", "` would put a Latin comma into every language. Here, in the foundation app,
beside place_names, since every app's pages list things."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def listed(values: Iterable[Any]) -> str:
    return pgettext("list separator", ", ").join(str(v) for v in values)
