from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import NOTE_MAX


class ResolveForm(forms.Form):
    outcome = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_MAX,
        help_text=_("Stored encrypted; only your compartment can read it."),
    )


class ManualAlertForm(forms.Form):
    is_drill = forms.BooleanField(label=_("This is a drill"), required=False)
    # The person page's button asks first; the confirmation page sends this.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_MAX,
        help_text=_("What you did or learnt. Stored encrypted; only the alert's team reads it."),
    )
