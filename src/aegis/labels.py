"""Choice labels read without Django's per-call cost: `get_FOO_display` rebuilds a hashable
copy of every choice (hashing each lazy label, which translates it) on every call, and a list
page calls it for every row. `QuickChoiceLabels` keeps each field's value-to-label mapping
once; the labels stay lazy, so each is still translated into the language of the request."""

from __future__ import annotations

from typing import Any

from django.utils.encoding import force_str

_LABELS: dict[Any, dict[Any, Any]] = {}


class QuickChoiceLabels:
    """Mixed into a model whose choice fields are shown on lists (values are plain strings)."""

    def _get_FIELD_display(self, field: Any) -> Any:
        labels = _LABELS.get(field)
        if labels is None:
            labels = _LABELS[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        return force_str(labels.get(value, value), strings_only=True)
