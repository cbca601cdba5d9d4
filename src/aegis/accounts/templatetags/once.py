"""`{% sent_once %}` in a form that makes a record: its one-time token (`accounts.once`). A
builtin (settings.TEMPLATES), like `isolated`."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from aegis.accounts import once

register = template.Library()


@register.simple_tag
def sent_once() -> SafeString:
    return once.field()
