from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aegis.files.uploads import ACCEPTED

from .services import MAX_DESCRIPTION, MAX_REASON


def _accept() -> str:
    return ",".join([*ACCEPTED, *(ext for exts in ACCEPTED.values() for ext in exts)])


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        # Empty files reach check_upload, which names the file in its message.
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": _accept()}),
        help_text=_("Photos (JPEG, PNG, WebP), PDF, audio, video (MP4, WebM) or plain text."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the file shows, and where it came from."),
    )
    reason = forms.CharField(
        label=_("How it was received"),
        required=False,
        max_length=MAX_REASON,
        help_text=_("Kept in the chain of custody, e.g. “sent by the defender over Signal”."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON,
        help_text=_("Kept in the chain of custody with your name and the time."),
        error_messages={"required": _("Say why: the reason is kept in the chain of custody.")},
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=MAX_REASON,
        help_text=_("Kept in the chain of custody with your name and the time."),
    )
