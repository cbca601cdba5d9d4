"""Form widgets every area shares."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker. Its value is always written as ISO 8601 (yyyy-mm-dd), the only
    form `<input type="date">` takes: formatted by the page's language instead ("27/10/2026"
    in Spanish and French), a saved date showed empty and was lost on the next save."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
