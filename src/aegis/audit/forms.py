"""The audit log's filters: who, what, and between which days (an auditor's questions: what
did this account do, who exported, what happened that night)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aegis.widgets import DateInput


class LogFilters(forms.Form):
    who = forms.CharField(label=_("Username"), required=False, max_length=150)
    what = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        help_text=_("The start of the action's name is enough: “login”, “export”, “record.”."),
    )
    since = forms.DateField(label=_("From (day)"), required=False, widget=DateInput)
    until = forms.DateField(label=_("To (day, included)"), required=False, widget=DateInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if isinstance(since, datetime.date) and isinstance(until, datetime.date) and until < since:
            raise forms.ValidationError(_("The last day comes before the first."))
        return cleaned
