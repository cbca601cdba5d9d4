"""Forms for incidents. They check shapes and lengths; the rules live in services.py, whose
errors the views attach to the field they concern."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aegis import places
from aegis.cases.vocabulary import AgeGroup, Gender

from . import services
from .vocabulary import (
    DatePrecision,
    Involvement,
    LinkKind,
    PerpetratorType,
    Reliability,
    SourceKind,
    VerificationStatus,
    ViolationType,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class IncidentForm(forms.Form):
    """Country and region come from lists. Without JavaScript the region list follows the
    country once the form is sent with "Show the regions" (nothing is saved then)."""

    compartment = forms.ChoiceField(label=_("Compartment"))
    title = forms.CharField(label=_("Title"), max_length=services.TITLE_MAX)
    description = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    date_start = forms.DateField(label=_("Date (or first day)"), widget=DateInput())
    date_end = forms.DateField(
        label=_("Last day, if it lasted"), required=False, widget=DateInput()
    )
    date_precision = forms.ChoiceField(
        label=_("How precise is the date?"), choices=DatePrecision.choices
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    region = forms.ChoiceField(
        label=_("Region"),
        required=False,
        help_text=_("Choose the country, then 'Show the regions' to pick one of its regions."),
    )
    exact_location = forms.CharField(
        label=_("Exact location"),
        required=False,
        max_length=services.LINE_MAX,
        help_text=_("Address, village or landmark. Stored encrypted."),
    )
    cases = forms.MultipleChoiceField(
        label=_("Related cases"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        compartments: list[tuple[str, str]],
        cases: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "compartment", compartments)
        if len(compartments) == 1:
            self.fields["compartment"].initial = compartments[0][0]
        _choices(self, "country", _blank(_("Not known")) + places.countries())
        country = (self.data.get("country") if self.is_bound else self.initial.get("country")) or ""
        _choices(self, "region", _blank(_("Not known")) + places.regions(str(country)))
        _choices(self, "cases", cases)
        if not cases:
            del self.fields["cases"]


def reason_field() -> Any:
    """The required 'why' of a correction, kept (encrypted) in the history of changes."""
    return forms.CharField(
        label=_("Why is this changed?"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the history of changes, encrypted; the case team can read it."),
        error_messages={
            "required": _("Say why this is changed; the reason is kept in the history of changes.")
        },
    )


class IncidentEditForm(IncidentForm):
    reason = reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, compartments=[], **kwargs)
        del self.fields["compartment"]


class ActForm(forms.Form):
    violation_type = forms.ChoiceField(
        label=_("Violation"), choices=_blank("—") + list(ViolationType.choices)
    )
    victims = forms.MultipleChoiceField(
        label=_("Victims on file"), required=False, widget=forms.CheckboxSelectMultiple
    )
    victim_description = forms.CharField(
        label=_("Other victim, described"),
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For someone not on file, e.g. 'the community leader's son'. Encrypted."),
    )
    victim_sex = forms.ChoiceField(
        label=_("Sex of the described victim"), choices=Gender.choices, initial=Gender.UNKNOWN
    )
    victim_age_group = forms.ChoiceField(
        label=_("Age group of the described victim"),
        choices=AgeGroup.choices,
        initial=AgeGroup.UNKNOWN,
    )
    perpetrators = forms.MultipleChoiceField(
        label=_("Perpetrators"), required=False, widget=forms.CheckboxSelectMultiple
    )
    involvement = forms.ChoiceField(
        label=_("Their degree of involvement"), choices=Involvement.choices
    )

    def __init__(
        self,
        *args: Any,
        people: list[tuple[str, str]],
        perpetrators: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "victims", people)
        _choices(self, "perpetrators", perpetrators)
        if not people:
            self.fields["victims"].help_text = _("Nobody on file in this compartment yet.")
        if not perpetrators:
            self.fields["perpetrators"].help_text = _(
                "None recorded yet: save the act, then use 'Add a perpetrator'."
            )


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of source"), choices=SourceKind.choices)
    reliability = forms.ChoiceField(label=_("Reliability"), choices=Reliability.choices)
    independent = forms.BooleanField(
        label=_("Independent of the other sources"),
        required=False,
        help_text=_("Not repeating another source. Two independent sources corroborate."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who or what, and what it says. Encrypted."),
    )


class PerpetratorForm(forms.Form):
    perpetrator_type = forms.ChoiceField(
        label=_("Type of perpetrator"), choices=PerpetratorType.choices
    )
    name = forms.CharField(
        label=_("Name, unit or identity"),
        required=False,
        max_length=services.LINE_MAX,
        help_text=_("As far as known. Encrypted; exact search finds it."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    act = forms.ChoiceField(label=_("Name in this act"), required=False)
    involvement = forms.ChoiceField(label=_("Degree of involvement"), choices=Involvement.choices)

    def __init__(self, *args: Any, acts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "act", _blank(_("None for now")) + acts)


class LinkForm(forms.Form):
    kind = forms.ChoiceField(label=_("This incident…"), choices=LinkKind.choices)
    to_reference = forms.CharField(
        label=_("…the incident with reference"),
        max_length=20,
        help_text=_("For example INC-2024-00012."),
    )


class VerificationForm(forms.Form):
    status = forms.ChoiceField(label=_("Verification"), choices=VerificationStatus.choices)


class ActEditForm(forms.Form):
    violation_type = forms.ChoiceField(label=_("Violation"), choices=ViolationType.choices)
    reason = reason_field()


class SourceEditForm(SourceForm):
    reason = reason_field()


class PerpetratorEditForm(forms.Form):
    perpetrator_type = PerpetratorForm.base_fields["perpetrator_type"]
    name = PerpetratorForm.base_fields["name"]
    description = PerpetratorForm.base_fields["description"]
    reason = reason_field()
