"""The retention pages' forms: they parse what the page sends; the services check the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RecordClass
from .services import MAX_DAYS


class PeriodsForm(forms.Form):
    """Per class of record: keep forever, or a number of days."""

    def __init__(self, *args: Any, current: dict[str, int | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in RecordClass.choices:
            days = current[value]
            self.fields[value] = forms.IntegerField(
                label=label,
                required=False,
                min_value=1,
                max_value=MAX_DAYS,
                initial=days,
                help_text=_("Days; leave empty to keep forever."),
            )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("For example the court order or the proceedings that need the file kept."),
    )


class LiftForm(forms.Form):
    lift_reason = forms.CharField(
        label=_("Why the hold is lifted"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
