"""Forms parse what the pages send; the services' rules decide the rest."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aegis.widgets import DateInput

from . import checks
from .models import Mechanism
from .vocabulary import Channel, ConsentRule, Kind, Language, Outcome, Resolution

DATE = DateInput()


class MechanismField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(_(obj.name))  # its name in the reader's language, not its code


class NewForm(forms.Form):
    case = forms.ChoiceField(label=_("Case"))
    mechanism = MechanismField(queryset=Mechanism.objects.none(), label=_("Mechanism"))
    kind = forms.ChoiceField(label=_("Kind of communication"), choices=Kind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    mandates = forms.MultipleChoiceField(
        label=_("Mandates (Special Procedures: a joint communication)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, cases: Any, mechanisms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["case"]).choices = [("", "—")] + [
            (
                c.reference,
                f"{c.reference} — "
                f"{c.person.pseudonym if c.person else c.get_subject_kind_display()}",
            )
            for c in cases
        ]
        cast(forms.ModelChoiceField, self.fields["mechanism"]).queryset = mechanisms
        cast(forms.ChoiceField, self.fields["mandates"]).choices = [
            (str(m.pk), _(m.name)) for mechanism in mechanisms for m in mechanism.mandates.all()
        ]


class EditForm(forms.Form):
    """The narrative, the linked incidents and the elements its mechanism needs."""

    language = forms.ChoiceField(label=_("Language of the communication"))
    incidents = forms.MultipleChoiceField(
        label=_("Incidents it is about"), required=False, widget=forms.CheckboxSelectMultiple
    )
    narrative = forms.CharField(
        label=_("Detailed account"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("What happened, when, where, to whom, by whom, and the link to their work."),
    )

    def __init__(self, *args: Any, communication: Any, incidents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mechanism = communication.mechanism
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            (code, Language(code).label) for code in mechanism.language_list
        ]
        cast(forms.ChoiceField, self.fields["incidents"]).choices = [
            (str(i.pk), f"{i.reference} — {i.title}") for i in incidents
        ]
        if checks.ACCOUNT in checks.elements_of(mechanism.checks):  # the minimum it checks
            narrative = self.fields["narrative"]
            narrative.help_text = "{} {}".format(
                narrative.help_text,
                ngettext(
                    "At least %(minimum)s character.",
                    "At least %(minimum)s characters.",
                    checks.DETAILED_ACCOUNT,
                )
                % {"minimum": checks.DETAILED_ACCOUNT},
            )
        self.element_keys = []
        for spec in checks.fields_of(mechanism.checks):
            self.element_keys.append(spec.key)
            if spec.flag:
                self.fields[spec.key] = forms.BooleanField(label=spec.label, required=False)
            else:
                widget = forms.Textarea(attrs={"rows": 3}) if spec.lines else forms.TextInput()
                self.fields[spec.key] = forms.CharField(
                    label=spec.label, required=False, widget=widget
                )

    def elements(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) for key in self.element_keys}


class StepForm(forms.Form):
    step = forms.ChoiceField(
        label=_("Step"),
        choices=[
            (s, s)
            for s in (
                "submit",
                "approve",
                "send",
                "acknowledge",
                "transmit",
                "no_reply",
                "publish",
                "follow_up",
            )
        ],
    )
    on = forms.DateField(label=_("On"), required=False, widget=DATE)
    reference = forms.CharField(label=_("The mechanism's reference"), required=False)
    publication = forms.CharField(label=_("The public report or resolution"), required=False)


class ReplyForm(forms.Form):
    on = forms.DateField(label=_("Received on"), required=False, widget=DATE)
    reply = forms.CharField(label=_("The State's reply"), widget=forms.Textarea(attrs={"rows": 10}))
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))


class ResolutionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Resolution.choices)
    number = forms.CharField(label=_("Number of the resolution"), required=False)
    on = forms.DateField(label=_("Decided on"), required=False, widget=DATE)
    measures = forms.CharField(
        label=_("Measures the State must agree with the beneficiaries"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What changed"), choices=Outcome.choices)
    on = forms.DateField(label=_("On"), required=False, widget=DATE)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class MechanismForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    channel = forms.ChoiceField(label=_("Submission channel"), choices=Channel.choices)
    address = forms.CharField(
        label=_("Address (form, portal, e-mail, fax or post)"), required=False
    )
    subject_convention = forms.CharField(label=_("Subject convention (e-mail)"), required=False)
    consent_rule = forms.ChoiceField(label=_("Consent rule"), choices=ConsentRule.choices)
    languages = forms.MultipleChoiceField(
        label=_("Working languages"), choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of communication"), choices=Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    reply_period_days = forms.IntegerField(label=_("Reply period (days)"))
    active = forms.BooleanField(label=_("In use"), required=False)
