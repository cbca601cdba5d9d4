"""The retention pages' forms: they parse what the page sends; the services check the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RecordClass
from .services import MAX_DAYS, MIN_DAYS, NOT_FOREVER

# What each period counts from and what happens at its end, beside its input.
HELP: dict[str, Any] = {
    RecordClass.REPORTS: _("Days from its receipt; leave empty to keep forever."),
    RecordClass.CLOSED_CASES: _(
        "Days from its closing, for a case without evidence; leave empty to keep forever."
    ),
    RecordClass.EVIDENCE: _(
        "Days from the closing of its case, at least as long as closed cases: the case "
        "expires with its evidence. Leave empty to keep forever."
    ),
    RecordClass.ALERTS: _("Days from its resolution; leave empty to keep forever."),
    RecordClass.AUDIT: _(
        "Days, at least %(least)s; the oldest entries are removed up to the latest signed "
        "checkpoint and the log still verifies from there. No reminders. Leave empty to keep "
        "forever."
    ),
    RecordClass.SESSIONS: _(
        "Days after a sign-in session ended (the record of failed sign-ins too); removed "
        "by the daily run, without reminders."
    ),
}


class PeriodsForm(forms.Form):
    """Per class of record: keep forever, or a number of days."""

    def __init__(self, *args: Any, current: dict[str, int | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in RecordClass.choices:
            least = MIN_DAYS.get(value, 1)
            self.fields[value] = forms.IntegerField(
                label=label,
                required=value in NOT_FOREVER,
                min_value=least,
                max_value=MAX_DAYS,
                initial=current[value],
                help_text=str(HELP[value]) % {"least": least},
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
