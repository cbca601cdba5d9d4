"""Forms parse what the pages send; the services' rules decide the rest."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aegis import places
from aegis.cases.vocabulary import AgeGroup, Gender
from aegis.incidents.vocabulary import (
    DatePrecision,
    PerpetratorType,
    Reliability,
    ViolationType,
)
from aegis.rules import RuleError, StalePageForm
from aegis.widgets import DateInput

from . import campaigns, decisions
from .drafts import MAX_VICTIMS, Draft, VictimDraft
from .sources import LANGUAGES
from .vocabulary import (
    Confidence,
    Method,
    Narrative,
    Platform,
    RejectReason,
    SourceKind,
    TargetKind,
)

LANGUAGE_NAMES = {
    "": _("Recognise it"),
    "en": _("English"),
    "es": _("Spanish"),
    "fr": _("French"),
    "pt": _("Portuguese"),
    "ar": _("Arabic"),
}
DATE = DateInput()
VICTIM_ROWS = 5


class PlaceForm(forms.Form):
    """Country and first-level region chosen by name from lists, not typed as codes, as cases
    and incidents do. Without JavaScript the region list follows the country once the form is
    sent with the "Show the regions" button (REFRESH): redrawn(), nothing saved."""

    REFRESH = "show_regions"

    country = forms.ChoiceField(label=_("Country"), required=False)
    region = forms.ChoiceField(
        label=_("Region"),
        required=False,
        help_text=_("Choose the country, then 'Show the regions' to pick one of its regions."),
        error_messages={
            "invalid_choice": _(
                "That region is not one of the chosen country's: press 'Show the regions' "
                "after changing the country."
            )
        },
    )

    @classmethod
    def redrawn(cls, data: Any, **kwargs: Any) -> Any:
        """The form as sent, unbound (so that no error is shown), with the regions of the
        country chosen."""
        initial = {name: data.get(name) for name in data if name != "csrfmiddlewaretoken"}
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.MultipleChoiceField):
                initial[name] = data.getlist(name)
            elif isinstance(field, forms.BooleanField):
                # An unticked box sends nothing: unticked, not the field's default.
                initial[name] = field.widget.value_from_datadict(data, {}, name)
        return cls(initial=initial, **kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = (self.data.get("country") if self.is_bound else self.initial.get("country")) or ""
        for name, listed in (
            ("country", places.countries()),
            ("region", places.regions(str(country).upper())),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", _("Not known")), *listed]


class SourceForm(PlaceForm):
    field_order = ("name", "kind", "url", "language", "country", "region")
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=SourceKind.choices)
    url = forms.CharField(
        label=pgettext_lazy("web address", "Address"),
        max_length=1000,
        help_text=_(
            "Kept in clear, so that the worker reads it with no key: never a search for a "
            "person the organisation protects (their name in a news search). A campaign's "
            "target is recognised in what is read."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[(c, LANGUAGE_NAMES[c]) for c in LANGUAGES]
    )
    reliability = forms.ChoiceField(
        label=_("Reliability"), choices=Reliability.choices, initial=Reliability.C
    )
    interval_minutes = forms.IntegerField(label=_("Read every (minutes)"), initial=60)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class PasteForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    url = forms.CharField(
        label=pgettext_lazy("web address", "Address (if any)"), max_length=1000, required=False
    )
    published = forms.DateField(label=_("Published on"), required=False, widget=DATE)
    text = forms.CharField(
        label=_("Text of the article"), widget=forms.Textarea(attrs={"rows": 12})
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (plain text or PDF)"))
    title = forms.CharField(label=_("Title"), max_length=500, required=False)
    url = forms.CharField(
        label=pgettext_lazy("web address", "Address (if any)"), max_length=1000, required=False
    )
    published = forms.DateField(label=_("Published on"), required=False, widget=DATE)


def _victim_rows_in(values: Any) -> int:
    """How many victim rows a form's data or initial values hold (victim_0 ... victim_N)."""
    found = [int(key[7:]) for key in values if re.fullmatch(r"victim_\d{1,3}", key)]
    return max(found) + 1 if found else 0


class DraftForm(StalePageForm, PlaceForm):
    """`current`: the version of the draft the page showed (Draft.version), "" once the
    proposal is decided (its page says that instead). Corrections saved since (by a
    colleague, or in another tab) are not overwritten unseen; decisions.edit checks the
    version again under its lock."""

    field_order = ("title", "description", "date_start", "date_precision", "country", "region")
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    date_start = forms.DateField(label=_("Date"), widget=DATE)
    date_precision = forms.ChoiceField(label=_("Date precision"), choices=DatePrecision.choices)
    violation_types = forms.MultipleChoiceField(
        label=_("Violations"), choices=ViolationType.choices, widget=forms.CheckboxSelectMultiple
    )
    perpetrator_mentioned = forms.BooleanField(
        label=_("A perpetrator is mentioned"), required=False
    )
    perpetrator_type = forms.ChoiceField(
        label=_("Perpetrator type"), choices=PerpetratorType.choices
    )
    reliability = forms.ChoiceField(
        label=_("Reliability of the source"), choices=Reliability.choices
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # As many rows as the draft has victims (and two to add one), so that none is on the
        # incident unseen; a form sent back has the rows its page had.
        sent = self.data if self.is_bound else self.initial
        self.rows = min(max(VICTIM_ROWS, _victim_rows_in(sent)), MAX_VICTIMS)
        for n in range(self.rows):
            self.fields[f"victim_{n}"] = forms.CharField(
                label=_("Victim %(n)s, as described") % {"n": n + 1}, max_length=500, required=False
            )
            self.fields[f"victim_{n}_sex"] = forms.ChoiceField(
                label=_("Sex"), choices=Gender.choices, initial=Gender.UNKNOWN
            )
            self.fields[f"victim_{n}_age"] = forms.ChoiceField(
                label=_("Age group"), choices=AgeGroup.choices, initial=AgeGroup.UNKNOWN
            )

    def stale_message(self) -> Any:
        return decisions.STALE

    @classmethod
    def initial_from(cls, draft: Draft) -> dict[str, Any]:
        initial: dict[str, Any] = draft.as_json()
        initial["date_start"] = draft.date_start
        initial["seen"] = draft.version()
        for n, victim in enumerate(draft.victims[:MAX_VICTIMS]):
            initial[f"victim_{n}"] = victim.description
            initial[f"victim_{n}_sex"] = victim.sex
            initial[f"victim_{n}_age"] = victim.age_group
        for n in range(len(draft.victims), min(len(draft.victims) + 2, MAX_VICTIMS)):
            initial[f"victim_{n}"] = ""  # rows to add a victim on
        return initial

    def victim_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"victim_{n}"], self[f"victim_{n}_sex"], self[f"victim_{n}_age"])
            for n in range(self.rows)
        ]

    def draft(self, extra_victims: list[VictimDraft]) -> Draft:
        data = self.cleaned_data
        # Every row, empty ones too, so that an error names the row it is on (victim_N):
        # check_draft drops the empty ones.
        victims = [
            VictimDraft(data[f"victim_{n}"], data[f"victim_{n}_sex"], data[f"victim_{n}_age"])
            for n in range(self.rows)
        ]
        return Draft(
            title=data["title"],
            description=data["description"],
            date_start=data["date_start"],
            date_precision=data["date_precision"],
            country=data["country"].upper(),
            region=data["region"].upper(),
            violation_types=list(data["violation_types"]),
            perpetrator_type=data["perpetrator_type"],
            perpetrator_mentioned=data["perpetrator_mentioned"],
            reliability=data["reliability"],
            victims=victims + extra_victims,
        )


class AcceptForm(forms.Form):
    # No compartment is chosen beforehand: one careless click must not file the incident in
    # the first compartment of the list.
    compartment = forms.TypedChoiceField(
        label=_("Compartment"),
        coerce=int,
        error_messages={"required": _("Choose the compartment the incident goes to.")},
    )

    def __init__(self, *args: Any, compartments: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["compartment"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Choose a compartment")), *((c.pk, c.name) for c in compartments)]

    @property
    def has_compartments(self) -> bool:
        return len(self.fields["compartment"].choices) > 1  # type: ignore[attr-defined]


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("Choose a reason")), *RejectReason.choices],
        error_messages={"required": _("Choose why the proposal is rejected.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


ONCE = re.compile(r"[A-Za-z0-9_-]{16,32}")


class OnceForm(forms.Form):
    """A form that records something carries a one-time token, made when the page is shown:
    sent twice (a double click, a resend after a slow answer, the back button), it records
    once (campaigns.create_campaign, campaigns.add_item). A token that is not one of ours is
    read as none: the form then records as any form does."""

    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["once"] = secrets.token_urlsafe(18)

    def clean_once(self) -> str:
        value = self.cleaned_data.get("once") or ""
        return value if ONCE.fullmatch(value) else ""


class CampaignForm(forms.Form):
    target_kind = forms.ChoiceField(label=_("Target"), choices=TargetKind.choices)
    target_name = forms.CharField(label=_("Name of the defender or organisation"), max_length=200)
    narratives = forms.MultipleChoiceField(
        label=_("Narratives"),
        choices=Narrative.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    platforms = forms.MultipleChoiceField(
        label=_("Platforms"),
        choices=Platform.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    methods = forms.MultipleChoiceField(
        label=_("Methods"),
        choices=Method.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    first_seen = forms.DateField(label=_("First seen"), widget=DATE)
    reach = forms.IntegerField(label=_("Reach (people, estimated)"), min_value=0, initial=0)
    attribution = forms.CharField(
        label=_("Believed to be behind it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attribution_confidence = forms.ChoiceField(label=_("Confidence"), choices=Confidence.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Still active"), required=False, initial=True)

    def clean_first_seen(self) -> Any:
        # Checked with the other fields, so that a date in the future is marked beside the
        # reach out of range rather than after it was mended (the service checks it again).
        value = self.cleaned_data["first_seen"]
        try:
            return campaigns.checked_day(value, "first_seen")
        except RuleError as error:
            raise forms.ValidationError(str(error.message)) from error


class NewCampaignForm(CampaignForm, OnceForm):
    pass


class CampaignEditForm(StalePageForm, CampaignForm):
    """`current`: the campaign's state as the page showed it (campaigns.saved_state). A
    colleague's save since, or a First seen moved earlier by an older item, is not undone
    without a word."""

    def stale_message(self) -> Any:
        return campaigns.STALE


class ItemForm(OnceForm):
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    url = forms.CharField(
        label=pgettext_lazy("web address", "Address"), max_length=1000, required=False
    )
    description = forms.CharField(
        label=_("What it says"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    seen_on = forms.DateField(label=_("Seen on"), widget=DATE)
