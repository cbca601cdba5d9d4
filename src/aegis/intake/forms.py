"""Forms of the public report, the follow-up and triage. The rules live in services; these
forms turn posted text into values and show the services' messages next to the right field."""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils.dates import MONTHS
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from aegis import places
from aegis.cases.vocabulary import Sector, SubjectKind
from aegis.files.uploads import CheckedUpload, UploadRejected, check_upload
from aegis.widgets import DateInput

from . import selectors, services, triage
from .vocabulary import PerpetratorType, TargetKind

# A field named like the reporter's data that people never see: only scripts fill it in.
HONEYPOT_FIELD = "website"


def max_files() -> int:
    return int(getattr(settings, "AEGIS_INTAKE_MAX_FILES", 5))


class PlainSelect(forms.Select):
    """A select rendered in Python: the country list through the template engine costs tens
    of milliseconds per page, which the public form cannot afford under load. `listed`, when
    set, is used as is (the country list is built once per language, not per request)."""

    listed: Iterable[tuple[str, Any]] | None = None

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        final.pop("maxlength", None)  # its CharField's, which a select cannot have
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{html.escape(str(code))}"{" selected" if str(code) == chosen else ""}>'
            f"{html.escape(str(label))}</option>"
            for code, label in (self.choices if self.listed is None else self.listed)
        )
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 (escaped)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class CheckedFilesField(forms.FileField):
    """Several files, each checked by files.uploads (size, type, name, bombs) before
    anything is stored. Cleans to a list of CheckedUpload."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[CheckedUpload]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > max_files():
            raise forms.ValidationError(
                _("Attach at most %(n)s files at a time; send more in a follow-up message.")
                % {"n": max_files()}
            )
        checked = []
        for upload in files:
            try:
                checked.append(check_upload(upload, upload.name or "", upload.content_type or ""))
            except UploadRejected as rejected:
                raise forms.ValidationError(str(rejected)) from rejected
        if checked and not services.room_for_files(c.size for c in checked):
            raise forms.ValidationError(
                _(
                    "The files cannot be taken right now. Send your report without them; you "
                    "can add them later in a follow-up message with your receipt code."
                )
            )
        return checked


def _limit_message(limit: int) -> Any:
    """Translated when shown (a lazy string formatted now would be frozen in English)."""

    def message() -> str:
        return gettext("This is too long: at most %(limit)s characters.") % {
            "limit": number_format(limit, force_grouping=True)
        }

    return lazy(message, str)()


class _Regions:
    """The region options of a country, looked up only if the form is rendered."""

    def __init__(self, country: str) -> None:
        self.country = country

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        yield ("", _("Region not known or not listed"))
        if self.country:
            yield from places.regions(self.country)


@functools.cache
def _countries(language: str) -> list[tuple[str, str]]:
    return [("", str(_("Choose a country"))), *places.countries()]


def _month_choices() -> list[tuple[str, Any]]:
    return [("", _("Month not known")), *((str(n), name) for n, name in MONTHS.items())]


class ReportForm(forms.Form):
    ANONYMOUS = "yes"
    WITH_CONTACT = "no"

    anonymous = forms.ChoiceField(
        label=_("Do you want to give contact details?"),
        choices=[
            (ANONYMOUS, _("No, I stay anonymous")),
            (WITH_CONTACT, _("Yes, so that the team can reach me")),
        ],
        initial=ANONYMOUS,
        widget=PlainSelect,
    )
    contact_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    contact_phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    contact_email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=200,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    contact_channel = forms.CharField(
        label=_("Preferred way to reach you"),
        help_text=_("For example: Signal, WhatsApp, a call at certain hours, through someone."),
        required=False,
        max_length=200,
    )
    narrative = forms.CharField(
        label=_("What happened?"),
        help_text=_("In your own words. You can write in any language."),
        max_length=services.NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={
            "required": _("Tell us what happened."),
            "max_length": _limit_message(services.NARRATIVE_MAX),
        },
    )
    when_year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=services.EARLIEST_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    when_month = forms.TypedChoiceField(
        label=_("Month"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_month_choices,
        widget=PlainSelect,
    )
    when_day = forms.IntegerField(
        label=_("Day"),
        required=False,
        min_value=1,
        max_value=31,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    when_approximate = forms.ChoiceField(
        label=_("How sure are you of this date?"),
        choices=[("", _("Sure, as far as I know")), ("yes", _("It is approximate"))],
        required=False,
        widget=PlainSelect,
    )
    # Plain text fields with a list to choose from: services check the codes against
    # aegis.places (a ChoiceField would re-validate 250 countries on every request).
    country = forms.CharField(label=_("Country"), required=False, max_length=2, widget=PlainSelect)
    region = forms.CharField(label=_("Region"), required=False, max_length=8, widget=PlainSelect)
    place_details = forms.CharField(
        label=_("Details of the place"),
        help_text=_("Town, street, landmark — only what you are comfortable sharing."),
        required=False,
        max_length=services.PLACE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _limit_message(services.PLACE_MAX)},
    )
    target_kind = forms.ChoiceField(
        label=_("Who was targeted?"),
        choices=[("", _("Choose one")), *TargetKind.choices],
        widget=PlainSelect,
        error_messages={"required": _("Say who was targeted.")},
    )
    perpetrator_type = forms.ChoiceField(
        label=_("Who did it?"),
        help_text=_("If you are not sure, choose “Unknown”."),
        choices=PerpetratorType.choices,
        initial=PerpetratorType.UNKNOWN,
        widget=PlainSelect,
    )
    files = CheckedFilesField(  # type: ignore[assignment]
        label=_("Files (photos, documents, audio, video)"),
        help_text=_("Optional. Up to %(n)s files of at most %(mb)s MB each."),
    )

    FIELD_OF_RULE = {"body": "narrative"}

    def __init__(self, *args: Any, country: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = self.fields["files"].help_text % {
            "n": max_files(),
            "mb": settings.AEGIS_MAX_UPLOAD_MB,
        }
        chosen = (self.data.get("country") if self.is_bound else country) or country
        chosen = chosen.upper() if isinstance(chosen, str) and places.is_country(chosen) else ""
        self.chosen_country = chosen
        self.fields["country"].widget.listed = _countries(get_language() or "en")
        self.fields["region"].widget.listed = _Regions(chosen)
        _no_maxlength(self, "narrative", "place_details")
        if chosen and not self.is_bound:
            self.initial["country"] = chosen

    def clean(self) -> dict[str, Any]:
        """The form's own checks and every rule of the report at once, each said once: a
        date that does not exist had been said only after the other errors were mended, and
        a reporter attaches their files again at each sending."""
        data = super().clean() or {}
        refused = set(self.errors)
        for rejected in services.report_problems(self.report()):
            field = self.FIELD_OF_RULE.get(rejected.field or "", rejected.field)
            field = field if field in self.fields else None
            if field is not None and field in refused:
                continue  # the field's own error says it already
            self.add_error(field, rejected.message)
            refused.add(field or "__all__")
        return data

    def report(self, language: str = "") -> services.Report:
        data = self.cleaned_data
        return services.Report(
            narrative=data.get("narrative", ""),
            target_kind=data.get("target_kind", ""),
            perpetrator_type=data.get("perpetrator_type", ""),
            anonymous=data.get("anonymous") != self.WITH_CONTACT,
            contact_name=data.get("contact_name", ""),
            contact_phone=data.get("contact_phone", ""),
            contact_email=data.get("contact_email", ""),
            contact_channel=data.get("contact_channel", ""),
            when=services.When(
                data.get("when_year"),
                data.get("when_month"),
                data.get("when_day"),
                data.get("when_approximate") == "yes",
            ),
            country=data.get("country", ""),
            region=data.get("region", ""),
            place_details=data.get("place_details", ""),
            language=language,
        )


def _no_maxlength(form: forms.Form, *names: str) -> None:
    """Browsers cut pasted text at `maxlength` without a word; the server's message about
    length keeps the text instead."""
    for name in names:
        form.fields[name].widget.attrs.pop("maxlength", None)


class ReceiptCodeForm(forms.Form):
    """No validation of its own: every kind of wrong code gets the same answer from services."""

    code = forms.CharField(
        label=_("Your receipt code"),
        help_text=_(
            "For example ABCD-EFGH-JKMN-PQRS-TVWX. Capitals, spaces and dashes do not matter."
        ),
        required=False,
        strip=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "maxlength": "40",
            }
        ),
    )


class ReporterMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=services.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": _limit_message(services.MESSAGE_MAX)},
    )
    files = CheckedFilesField(label=_("Add files"))  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_maxlength(self, "body")


# --- Triage ---------------------------------------------------------------------------------


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply to the reporter"),
        help_text=_("The reporter reads it with their receipt code. Do not name other people."),
        max_length=services.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class MarkForm(forms.Form):
    SPAM = "spam"
    DUPLICATE = "duplicate"

    decision = forms.ChoiceField(
        label=_("Mark this report as"),
        choices=[(SPAM, _("Spam")), (DUPLICATE, _("A duplicate of another report"))],
    )
    duplicate_of = forms.ChoiceField(label=_("Duplicate of"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=triage.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, candidates: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose the earlier report")),
            *((str(s.pk), selectors.duplicate_label(s)) for s in candidates),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.DUPLICATE and not data.get("duplicate_of"):
            self.add_error("duplicate_of", _("Choose the report this one duplicates."))
        return data


class ConvertForm(forms.Form):
    compartment: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Compartment"), queryset=None
    )
    CASE, INCIDENT, BOTH = "case", "incident", "both"
    create = forms.ChoiceField(
        label=_("Take it up as"),
        choices=[
            (CASE, _("A case")),
            (INCIDENT, _("An incident")),
            (BOTH, _("A case and an incident")),
        ],
    )
    subject_kind = forms.ChoiceField(
        label=_("The case is about"), choices=SubjectKind.choices, initial=SubjectKind.PERSON
    )
    pseudonym = forms.CharField(
        label=_("Pseudonym of the person"),
        help_text=_("Shown in lists; must not identify them."),
        required=False,
        max_length=80,
    )
    subject_name = forms.CharField(
        label=_("Name of the group or organisation"), required=False, max_length=200
    )
    sector = forms.ChoiceField(
        label=_("Sector of work"), choices=Sector.choices, initial=Sector.OTHER
    )
    incident_title = forms.CharField(label=_("Incident title"), required=False, max_length=200)
    incident_date = forms.DateField(
        label=_("When it happened (only if the report does not say)"),
        required=False,
        widget=DateInput(),
    )

    def __init__(self, *args: Any, compartments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compartment"].queryset = compartments  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["make_case"] = data.get("create") in (self.CASE, self.BOTH)
        data["make_incident"] = data.get("create") in (self.INCIDENT, self.BOTH)
        if data["make_incident"] and not (data.get("incident_title") or "").strip():
            self.add_error("incident_title", _("Give the incident a short title."))
        return data
