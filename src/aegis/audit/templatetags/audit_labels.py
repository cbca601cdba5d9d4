"""`{{ entry.object_type|object_kind }}`: the kind of object an audit entry names, in the
reader's language (labels.py), for the audit page."""

from __future__ import annotations

from typing import Any

from django import template

from aegis.audit import labels

register = template.Library()


@register.filter
def object_kind(code: str) -> Any:
    return labels.object_kind(code)
