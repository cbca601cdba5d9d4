"""Forms for people, cases, notes, tasks, consent and compartments. They parse what the page
sends (required inputs, lengths, choices) and ask the services' input rules for the rest, so
a page and the API refuse the same input in the same words; the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aegis import paging, places
from aegis.rules import RuleError, StalePageForm, show_on
from aegis.text import whole_number
from aegis.widgets import DateInput

from . import services
from .services import LINE_MAX, PERSON_FIELDS, TEXT_MAX
from .vocabulary import (
    PERSON_LABELS,
    AgeGroup,
    CaseStatus,
    ConsentScope,
    Gender,
    Sector,
    SubjectKind,
)

STORED_IN_CLEAR = _("Stored unencrypted: never put the name of a person or a place here.")


def no_hidden_characters(value: str) -> None:
    try:
        services.check_characters(value)
    except RuleError as broken:
        raise ValidationError(str(broken.message)) from broken


def line(label: Any, *, required: bool = False, max_length: int = LINE_MAX, **kw: Any) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        validators=[no_hidden_characters],
        **kw,
    )


def text(label: Any, *, required: bool = False, rows: int = 4, **kw: Any) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        validators=[no_hidden_characters],
        widget=forms.Textarea(attrs={"rows": rows}),
        **kw,
    )


def country_choices() -> list[tuple[str, Any]]:
    return [("", _("— not known —")), *places.countries()]


def _coded(choices: Any, *, blank: Any = None) -> list[tuple[str, Any]]:
    return ([("", blank)] if blank else []) + list(choices)


class PlaceMixin(forms.Form):
    """Country and first-level region. Without JavaScript the region list can only follow the
    country after a round trip: the 'Show regions' button re-renders the form."""

    REFRESH = "show_regions"

    country = forms.ChoiceField(label=_("Country"), required=False, choices=country_choices)
    region = forms.CharField(
        label=_("Region (first level)"),
        required=False,
        max_length=8,
        widget=forms.Select,
        help_text=_("Choose the country, then press 'Show regions' to choose from its regions."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = (self.data.get(self.add_prefix("country")) if self.is_bound else None) or (
            self.initial.get("country") or ""
        )
        listed = places.regions(country) if country and places.is_country(country) else []
        blank = _("— not known —") if listed else _("— choose a country first —")
        self.fields["region"].widget.choices = [("", blank), *listed]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        country, region = data.get("country") or "", (data.get("region") or "").upper()
        try:
            services.check_place(country, region)
        except RuleError as broken:
            show_on(self, broken)
        data["region"] = region
        return data


class PersonForm(PlaceMixin):
    pseudonym = line(
        PERSON_LABELS["pseudonym"],
        required=True,
        max_length=80,
        help_text=_("Shown in lists instead of the name. It must not identify the person."),
        error_messages={"required": _("Give a pseudonym: lists show it instead of the name.")},
    )
    legal_name = line(PERSON_LABELS["legal_name"], help_text=_("Encrypted. Found by exact search."))
    other_names = line(PERSON_LABELS["other_names"], max_length=500)
    phone = line(
        PERSON_LABELS["phone"], max_length=40, help_text=_("Encrypted. Found by exact search.")
    )
    email = forms.EmailField(label=PERSON_LABELS["email"], required=False, max_length=LINE_MAX)
    contact_channels = text(
        PERSON_LABELS["contact_channels"],
        rows=3,
        help_text=_("Signal, WhatsApp, Matrix… one per line."),
    )
    organisation = line(PERSON_LABELS["organisation"])
    identity_document = line(
        PERSON_LABELS["identity_document"],
        max_length=100,
        help_text=_("Encrypted. Found by exact search."),
    )
    gender = forms.ChoiceField(label=PERSON_LABELS["gender"], choices=Gender.choices)
    age_group = forms.ChoiceField(label=PERSON_LABELS["age_group"], choices=AgeGroup.choices)
    sector = forms.ChoiceField(label=PERSON_LABELS["sector"], choices=Sector.choices)
    languages = line(
        PERSON_LABELS["languages"],
        max_length=60,
        help_text=_("Language codes separated by commas, e.g. es,qu"),
    )

    field_order = list(PERSON_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            "gender": Gender.UNKNOWN,
            "age_group": AgeGroup.UNKNOWN,
            "sector": Sector.OTHER,
            **kwargs["initial"],
        }
        super().__init__(*args, **kwargs)

    def clean_languages(self) -> str:
        try:
            return services.check_languages(self.cleaned_data["languages"])
        except RuleError as broken:
            raise ValidationError(str(broken.message)) from broken

    def person_fields(self) -> dict[str, Any]:
        """What the services take (every field of this form)."""
        return {name: self.cleaned_data[name] for name in PERSON_FIELDS}


def reason_field() -> Any:
    """The required 'why' of a correction, kept (encrypted) in the history of changes."""
    return text(
        _("Why is this changed?"),
        required=True,
        rows=2,
        help_text=_("Kept in the history of changes, encrypted; the case team can read it."),
        error_messages={
            "required": _("Say why this is changed; the reason is kept in the history of changes.")
        },
    )


class PersonEditForm(PersonForm):
    reason = reason_field()

    field_order = [*PERSON_FIELDS, "reason"]


class CaseForm(PlaceMixin):
    compartment: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Compartment"),
        queryset=None,
        empty_label=None,
        help_text=_("Only members of this compartment can open the case."),
    )
    subject_kind = forms.ChoiceField(label=_("The case is about"), choices=SubjectKind.choices)
    person: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("An existing person"),
        queryset=None,
        required=False,
        empty_label=_("— a new person (fill in below) —"),
        help_text=_("Only for a case about a person, from the same compartment."),
    )
    subject_name = line(
        _("Name of the group or organisation"),
        help_text=_("Only for a case about a group or an organisation. Encrypted."),
    )
    summary = text(_("Summary"), required=True, rows=6)
    sector = forms.ChoiceField(
        label=_("Sector of work"),
        required=False,
        choices=_coded(Sector.choices, blank=_("— the person's —")),
    )

    field_order = [
        "compartment",
        "subject_kind",
        "person",
        "subject_name",
        "summary",
        "country",
        "region",
        "sector",
    ]

    def __init__(self, *args: Any, compartments: Any, people: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"subject_kind": SubjectKind.PERSON, **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.fields["compartment"].queryset = compartments  # type: ignore[attr-defined]
        person = self.fields["person"]
        person.queryset = people  # type: ignore[attr-defined]
        person.label_from_instance = (  # type: ignore[attr-defined]
            lambda p: f"{p.pseudonym} · {p.compartment.name}"
        )
        self._list_few(person, people)
        self.fields["country"].help_text = _("Leave empty to use the person's.")

    def _list_few(self, person: Any, people: Any) -> None:
        """Any visible person is accepted, but only a few are sent: past paging.LIST_AT_MOST
        the list offers the person chosen (from their page's "Open a case" link) alone."""
        few = paging.few_enough(people)
        if few is None:
            chosen = self.data.get("person") if self.is_bound else self.initial.get("person")
            pk = whole_number(chosen)
            few = list(people.filter(pk=pk)) if pk is not None else []
            person.help_text = _(
                "There are too many people to list here. For someone already on file, open "
                "their page (from Search or People) and choose “Open a case about this person”."
            )
        person.widget.choices = [("", person.empty_label)] + [
            (p.pk, person.label_from_instance(p)) for p in few
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            services.check_case_subject(
                data.get("subject_kind") or "",
                compartment=data.get("compartment"),
                person=data.get("person"),
                subject_name=data.get("subject_name") or "",
            )
        except RuleError as broken:
            show_on(self, broken)
        return data


class NoteForm(forms.Form):
    body = text(_("Note"), required=True, rows=6, help_text=_("Encrypted. Only members read it."))


class TaskForm(forms.Form):
    title = line(_("What needs to be done"), required=True, max_length=500)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DateInput())
    assigned_to: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=None, required=False, empty_label=_("— nobody yet —")
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assigned_to"]
        field.queryset = members  # type: ignore[attr-defined]
        field.label_from_instance = (  # type: ignore[attr-defined]
            lambda user: f"{user.get_username()} · {user.role_label}"
        )


class CaseEditForm(PlaceMixin):
    summary = text(_("Summary"), required=True, rows=6)
    subject_name = line(
        _("Name of the group or organisation"),
        help_text=_("Only for a case about a group or an organisation. Encrypted."),
    )
    sector = forms.ChoiceField(label=_("Sector of work"), choices=Sector.choices)
    reason = reason_field()

    field_order = ["summary", "subject_name", "country", "region", "sector", "reason"]

    def __init__(self, *args: Any, about_person: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if about_person:  # the person's name lives in their own file
            del self.fields["subject_name"]

    def case_fields(self) -> dict[str, Any]:
        names = ("summary", "subject_name", "country", "region", "sector")
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}


class CaseMoveForm(forms.Form):
    compartment: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Move to the compartment"),
        queryset=None,
        empty_label=None,
        help_text=_("Only compartments you are a member of are listed."),
    )
    reason = reason_field()

    def __init__(self, *args: Any, compartments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compartment"].queryset = compartments  # type: ignore[attr-defined]


class StatusForm(StalePageForm):
    """`current`: the status the page showed. A colleague's move since is not undone without
    a word (one had moved a case to Active, and a page still showing Intake then closed it)."""

    to_status = forms.ChoiceField(label=_("New status"), choices=CaseStatus.choices)
    reason = text(_("Reason"), required=True, rows=3, help_text=_("Kept with the case's history."))

    def stale_message(self) -> Any:
        return _(
            "The case was moved to “%(status)s” since you opened this page, so its "
            "status was not changed. Look at its history, then choose again."
        ) % {"status": CaseStatus(self.current).label}

    def clean_to_status(self) -> str:
        try:
            return services.check_new_status(self.current, self.cleaned_data["to_status"])
        except RuleError as broken:
            raise ValidationError(str(broken.message)) from broken


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label=_("Consent to"), choices=ConsentScope.choices)
    note = text(
        _("How it was given"), rows=2, help_text=_("For example: in person, signed form; limits.")
    )


class CountrySelect(forms.Select):
    """The country list as one cached string (aegis.places.country_select)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        return places.country_select(name, value, self.build_attrs(self.attrs, attrs), _("Any"))


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_coded(CaseStatus.choices, blank=_("Any"))
    )
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=country_choices, widget=CountrySelect
    )
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=_coded(Sector.choices, blank=_("Any"))
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Any")), *places.countries()]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class SearchForm(forms.Form):
    q = line(
        _("Exact name, phone number, identity document, or case or incident reference"),
        required=True,
        max_length=200,
    )


class CompartmentForm(forms.Form):
    # Compartment names and descriptions are not encrypted (everyone's lists show them).
    name = line(_("Name"), required=True, max_length=80, help_text=STORED_IN_CLEAR)
    description = line(_("Description"), max_length=200, help_text=STORED_IN_CLEAR)


class _AccountChoiceForm(forms.Form):
    """One account chosen among `candidates` (the view's selector), in the field `CHOICE`,
    each shown by `shown(account)`."""

    CHOICE = ""

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields[self.CHOICE]
        field.queryset = candidates  # type: ignore[attr-defined]
        field.label_from_instance = self.shown  # type: ignore[attr-defined]

    @staticmethod
    def shown(account: Any) -> str:
        return str(account.get_username())


class MemberForm(_AccountChoiceForm):
    CHOICE = "user"
    user: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Add a member"), queryset=None, empty_label=None
    )

    @staticmethod
    def shown(account: Any) -> str:
        return f"{account.get_username()} · {account.role_label}"


class LinkAccountForm(_AccountChoiceForm):
    CHOICE = "account"
    account: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Defender's account"), queryset=None, empty_label=None
    )
