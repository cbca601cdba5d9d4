"""`{{ user.get_username|isolated }}`: a name set apart from the text around it (<bdi>), so
that a Latin username beside an Arabic date keeps its place: "lucia، 06/12/2026 00:14" had
read "00:14 2026/12/lucia، 06" on a right-to-left page. A builtin (settings.TEMPLATES): every
page shows who did what."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def isolated(value: Any) -> Any:
    return format_html("<bdi>{}</bdi>", value) if value not in (None, "") else value
