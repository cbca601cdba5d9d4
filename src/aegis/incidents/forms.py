"""Forms for incidents. They check shapes and lengths; the rules live in services.py, whose
errors the views attach to the field they concern."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from aegis import places
from aegis.cases.vocabulary import AgeGroup, Gender
from aegis.rules import StalePageForm
from aegis.widgets import DateInput

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


def _choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


REFERENCES_TYPED_MAX = 2_000


class CaseReferencesField(forms.CharField):
    """Related cases typed by their references, where there are too many to list: any
    separator (comma, space, new line) will do, and each reference counts once."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Related cases"),
            required=False,
            help_text=_(
                "Too many cases to list here: type the references of the related cases "
                "(as on each case's page), separated by commas."
            ),
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        typed = super().to_python(value) or ""
        if len(typed) > REFERENCES_TYPED_MAX:  # checked here: what is kept is a list
            raise forms.ValidationError(
                _("Type at most %(n)s characters of references (about a hundred cases).")
                % {"n": formats.number_format(REFERENCES_TYPED_MAX, force_grouping=True)},
                code="max_length",
            )
        return list(dict.fromkeys(re.findall(r"[^\s,;]+", typed.upper())))


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
        cases: list[tuple[str, str]] | None,
        **kwargs: Any,
    ) -> None:
        """`cases` are the related cases to tick, or None where there are too many to list
        (paging.LIST_AT_MOST): their references are typed then."""
        super().__init__(*args, **kwargs)
        _choices(self, "compartment", compartments)
        if len(compartments) == 1:
            self.fields["compartment"].initial = compartments[0][0]
        _choices(self, "country", _blank(_("Not known")) + places.countries())
        country = (self.data.get("country") if self.is_bound else self.initial.get("country")) or ""
        _choices(self, "region", _blank(_("Not known")) + places.regions(str(country)))
        if cases is None:
            self.fields["cases"] = CaseReferencesField()
        elif cases:
            _choices(self, "cases", cases)
        else:
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


class IncidentEditForm(StalePageForm, IncidentForm):
    """`current`: when the incident was last saved, as the page showed it. A colleague's
    changes since are not undone without a word (a stale page had put back the title they
    corrected)."""

    reason = reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, compartments=[], **kwargs)
        del self.fields["compartment"]

    def stale_message(self) -> Any:
        return _(
            "This incident was changed since you opened this page (by a colleague, or in "
            "another tab), so nothing was saved. What you typed is below: open the "
            "incident in another tab to see the changes, then save again."
        )


NARROWED_VICTIMS = _(
    "The compartment holds too many people to list: these are the people of the incident's "
    "related cases. To name someone else, first add their case to the incident's related "
    "cases (Edit)."
)


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
        narrowed: dict[str, bool] | None = None,
        **kwargs: Any,
    ) -> None:
        """`narrowed` says which lists hold only what concerns this incident, the
        compartment's being too many to list (paging.LIST_AT_MOST)."""
        super().__init__(*args, **kwargs)
        narrowed = narrowed or {}
        _choices(self, "victims", people)
        _choices(self, "perpetrators", perpetrators)
        if narrowed.get("victims"):
            self.fields["victims"].help_text = NARROWED_VICTIMS
        elif not people:
            self.fields["victims"].help_text = _("Nobody on file in this compartment yet.")
        if narrowed.get("perpetrators"):
            self.fields["perpetrators"].help_text = _(
                "The compartment holds too many perpetrators to list: these are the ones this "
                "incident already names. For another, save the act, then use 'Add a "
                "perpetrator'."
            )
        elif not perpetrators:
            self.fields["perpetrators"].help_text = _(
                "None recorded yet: save the act, then use 'Add a perpetrator'."
            )


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of source"), choices=SourceKind.choices)
    # No grade chosen for the caseworker: an untouched form had recorded "A, reliable".
    reliability = forms.ChoiceField(
        label=_("Reliability"), choices=[("", "—"), *Reliability.choices]
    )
    independent = forms.BooleanField(
        label=_("Independent of the other sources"),
        required=False,
        help_text=_("Not repeating another source. Two independent sources corroborate."),
    )
    description = forms.CharField(
        label=_("Description"),
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


class LoggedVictims(forms.Field):
    """How the change log shows an act's described victims (kept as JSON rows of
    description, sex and age group): one a line, the codes by their names."""

    def logged_value(self, value: str) -> str:
        try:
            rows = json.loads(value) if value else []
        except ValueError:
            return value
        lines = []
        for description, sex, age_group in rows:
            sex_label = dict(Gender.choices).get(sex, sex)
            age_label = dict(AgeGroup.choices).get(age_group, age_group)
            lines.append(f"{description} ({sex_label}, {age_label})")
        return "\n".join(lines)


class VictimsEditForm(forms.Form):
    """The victims of one act: who on file (ticked), each described victim's details or its
    removal, and one more described victim."""

    victims = forms.MultipleChoiceField(
        label=_("Victims on file"), required=False, widget=forms.CheckboxSelectMultiple
    )
    victim_description = ActForm.base_fields["victim_description"]
    victim_sex = ActForm.base_fields["victim_sex"]
    victim_age_group = ActForm.base_fields["victim_age_group"]
    reason = reason_field()

    # The labels of what the change log keeps (see services.update_victims).
    LOGGED = {"victims": victims, "described_victims": LoggedVictims(label=_("Described victims"))}

    def __init__(
        self,
        *args: Any,
        people: list[tuple[str, str]],
        described: list[Any],
        narrowed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "victims", people)
        if narrowed:
            self.fields["victims"].help_text = NARROWED_VICTIMS
        self.described_ids = [victim.pk for victim in described]
        fields: dict[str, forms.Field] = {"victims": self.fields.pop("victims")}
        for n, victim in enumerate(described, 1):
            start = f"victim_{victim.pk}_"
            fields[f"{start}description"] = forms.CharField(
                label=_("Described victim %(n)s") % {"n": n},
                max_length=services.TEXT_MAX,
                required=False,
                initial=victim.description,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            fields[f"{start}sex"] = forms.ChoiceField(
                label=_("Sex"), choices=Gender.choices, initial=victim.sex
            )
            fields[f"{start}age_group"] = forms.ChoiceField(
                label=_("Age group"), choices=AgeGroup.choices, initial=victim.age_group
            )
            fields[f"{start}remove"] = forms.BooleanField(
                label=_("Not a victim of this act: remove"), required=False
            )
        self.fields["victim_description"].label = _("Another victim, described")
        self.fields = {**fields, **self.fields}

    def described(self) -> dict[int, services.DescribedVictim]:
        """The described victims kept, by id, with their details as corrected."""
        data = self.cleaned_data
        return {
            pk: services.DescribedVictim(
                data[f"victim_{pk}_description"],
                data[f"victim_{pk}_sex"],
                data[f"victim_{pk}_age_group"],
            )
            for pk in self.described_ids
            if not data[f"victim_{pk}_remove"]
        }

    def added(self) -> list[services.DescribedVictim]:
        data = self.cleaned_data
        if not data["victim_description"].strip():
            return []
        return [
            services.DescribedVictim(
                data["victim_description"], data["victim_sex"], data["victim_age_group"]
            )
        ]
