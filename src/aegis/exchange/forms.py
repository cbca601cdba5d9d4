"""Forms of the exchange pages: they parse what is sent; the services' rules decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aegis.widgets import DateInput

from .review import MAX_REJECT_NOTE
from .vocabulary import Decision, ItemKind, Profile, Purpose, RejectReason


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Organisation"), max_length=120)
    age_recipient = forms.CharField(
        label=_("age recipient"),
        max_length=100,
        help_text=_("Their public encryption key, starting with age1 (age-keygen -y)."),
    )
    minisign_key = forms.CharField(
        label=_("minisign public key"),
        max_length=200,
        required=False,
        help_text=_("The line starting with RW from their minisign .pub file."),
    )
    vetted = forms.BooleanField(
        label=_("We have vetted this organisation and checked the fingerprint out of band"),
        required=False,
    )
    expires_on = forms.DateField(
        label=_("Vetting expires on"),
        required=False,
        widget=DateInput(),
    )


class RotateForm(forms.Form):
    age_recipient = forms.CharField(label=_("New age recipient"), max_length=100)
    minisign_key = forms.CharField(label=_("New minisign public key"), max_length=200)


class VetForm(forms.Form):
    expires_on = forms.DateField(
        label=_("Vetting expires on"),
        required=False,
        widget=DateInput(),
    )


class ExportForm(forms.Form):
    partner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Partner"), queryset=None, empty_label=_("Choose a partner")
    )
    cases = forms.CharField(
        label=_("Case references"),
        max_length=2000,
        help_text=_("One or more, separated by spaces or commas, e.g. AEG-2026-00001."),
    )
    profile = forms.ChoiceField(label=_("Minimisation profile"), choices=Profile.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    to_self = forms.BooleanField(
        label=_("Also encrypt to our own key (to open our copy later)"), required=False
    )

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]

    def references(self) -> list[str]:
        return self.cleaned_data["cases"].replace(",", " ").split()


FORMATS = [
    ("bundle", _("Signed bundle (.age with its .minisig)")),
    ("openevsys", _("OpenEvSys XML, unsigned, from a partner on an older tool")),
    ("csv", _("CSV, unsigned, from a partner on an older tool")),
]


class ImportForm(forms.Form):
    file_format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="bundle")
    bundle = forms.FileField(label=_("Bundle (.age)"))
    signature = forms.FileField(label=_("Signature (.minisig)"), required=False)
    partner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Partner who sent it (unsigned files only)"),
        queryset=None,
        required=False,
        empty_label=_("Choose a partner"),
    )
    compartment: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Compartment that reviews it"),
        queryset=None,
        empty_label=_("Choose a compartment"),
    )

    def __init__(self, *args: Any, compartments: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compartment"].queryset = compartments  # type: ignore[attr-defined]
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]


DECISIONS = [
    (Decision.CREATED, _("Create a new record")),
    (Decision.LINKED, _("Link to the existing record")),
    (Decision.MERGED, _("Merge into the existing record")),
    (Decision.REJECTED, _("Reject")),
]
# Evidence is only ever a new original of a case (review.decide): link and merge, offered for
# it, had quietly created it.
EVIDENCE_DECISIONS = [
    (Decision.CREATED, _("Add it to a case as a new original")),
    (Decision.REJECTED, _("Reject")),
]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    target = forms.CharField(
        label=_("Existing record"),
        required=False,
        max_length=40,
        help_text=_(
            "For link and merge: the person's number or the incident's reference; for evidence: "
            "the case it joins."
        ),
    )
    reason = forms.ChoiceField(
        label=_("Reason for rejecting"),
        choices=[("", _("Choose a reason")), *RejectReason.choices],
        required=False,
        help_text=_("Required to reject."),
    )
    note = forms.CharField(
        label=_("Why, in a few words"),
        required=False,
        max_length=MAX_REJECT_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when the reason is Other. Kept encrypted with the record; name no one "
            "unless you must."
        ),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind == ItemKind.EVIDENCE:
            self.fields["decision"].choices = EVIDENCE_DECISIONS  # type: ignore[attr-defined]
            self.fields["target"].label = _("Case it joins")
            self.fields["target"].help_text = _(
                "The case's reference, e.g. AEG-2026-00001. Required to add it."
            )
