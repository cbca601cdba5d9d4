from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ResolveForm(forms.Form):
    outcome = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Stored encrypted; only your compartment can read it."),
    )


class ManualAlertForm(forms.Form):
    is_drill = forms.BooleanField(label=_("This is a drill"), required=False)
