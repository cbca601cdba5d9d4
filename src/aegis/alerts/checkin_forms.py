from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

WORD_MAX = 200


class CheckInForm(forms.Form):
    # One field for every word the defender may type, so a duress word looks like any other.
    word = forms.CharField(
        label=_("Your word"),
        required=False,
        max_length=WORD_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),  # not in the browser's history
        help_text=_("Type your usual word, or leave it empty."),
    )
