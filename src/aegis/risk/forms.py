"""Forms for risk pages. They check shapes and lengths; the rules live in services.py, whose
errors the views attach to the field (and row) they concern. Every flow is a plain form:
without JavaScript, "one more row" sends the form back with an extra empty row."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aegis.incidents.vocabulary import PerpetratorType
from aegis.widgets import DateInput

from . import services
from .checks import TEXT_MAX, TITLE_MAX
from .configuration import MAX_MIN_COUNT, MAX_REVIEW_DAYS, MAX_WINDOW_DAYS
from .models import ChecklistItem
from .vocabulary import Amplifier, Category, ChecklistKind, Level, Strategy

RATING_CHOICES: list[tuple[Any, Any]] = [("", _("—")), *((n, str(n)) for n in range(1, 6))]
TEXTAREA = {"rows": 3}


def _rating_field(label: Any, help_text: Any = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=help_text,
    )


def _text_field(label: Any, help_text: Any = "", line: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TITLE_MAX if line else TEXT_MAX,
        help_text=help_text,
        widget=forms.TextInput() if line else forms.Textarea(attrs=TEXTAREA),
    )


class AssessmentForm(forms.Form):
    summary = _text_field(_("Summary of the reading"))
    imminent = forms.BooleanField(
        label=_("An attack is imminent"),
        required=False,
        help_text=_("Makes the level critical, whatever the numbers say."),
    )
    acceptable_level = forms.ChoiceField(
        label=_("Threshold of acceptable risk, agreed with the defender"),
        choices=Level.choices,
        initial=Level.LOW,
    )


THREAT_FIELDS = (
    "title",
    "facts",
    "pattern",
    "objective",
    "perpetrator_identity",
    "feasibility",
    "likelihood",
    "impact",
    "incidents",
)


class ThreatForm(forms.Form):
    """One threat, through the five steps of the threat analysis."""

    title = _text_field(_("Threat, in a few words"), line=True)
    facts = _text_field(_("1. The facts"), _("What happened, when, how the threat was made."))
    pattern = _text_field(_("2. The pattern over time"), _("Earlier threats; are they growing?"))
    objective = _text_field(_("3. The objective"), _("What does whoever threatens want?"))
    perpetrator_type = forms.ChoiceField(
        label=_("4. Who is behind it: type"),
        choices=PerpetratorType.choices,
        initial=PerpetratorType.UNKNOWN,
    )
    perpetrator_identity = _text_field(_("4. Who is behind it: identity, as far as known"))
    feasibility = _text_field(
        _("5. Can it be carried out?"), _("Means, access, impunity, earlier attacks.")
    )
    likelihood = _rating_field(_("Likelihood (1 to 5)"))
    impact = _rating_field(_("Impact (1 to 5)"))
    incidents = forms.MultipleChoiceField(
        label=_("Supporting incidents"), required=False, widget=forms.SelectMultiple
    )

    def __init__(self, *args: Any, incidents: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["incidents"].choices = list(incidents)  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any(data.get(name) for name in THREAT_FIELDS)


class ResponseForm(forms.Form):
    strategy = forms.ChoiceField(
        label=_("Response"), required=False, choices=[("", _("—")), *Strategy.choices]
    )
    measure = _text_field(_("Measure"))
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())

    def __init__(self, *args: Any, owners: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("—")), *owners]  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any(data.get(name) for name in ("strategy", "measure", "owner", "due_on"))


class RatingsForm(forms.Form):
    """A rating (1 to 5) and a note for each active checklist item. An item left without
    rating and note is not part of the assessment."""

    def __init__(self, *args: Any, items: list[ChecklistItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"rating_{item.pk}"] = _rating_field(_(item.label))
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=TEXT_MAX, widget=forms.TextInput()
            )

    def groups(self) -> list[tuple[Any, list[tuple[Any, list[Any]]]]]:
        """[(kind label, [(category label, [(item, rating field, note field)])])]"""
        grouped = []
        headings = {
            ChecklistKind.VULNERABILITY: _("Vulnerabilities"),
            ChecklistKind.CAPACITY: _("Capacities"),
        }
        for kind, kind_label in headings.items():
            categories = []
            for category, category_label in Category.choices:
                rows = [
                    (item, self[f"rating_{item.pk}"], self[f"note_{item.pk}"])
                    for item in self.items
                    if item.kind == kind and item.category == category
                ]
                if rows:
                    categories.append((category_label, rows))
            grouped.append((kind_label, categories))
        return grouped

    def entries(self) -> list[services.RatingInput]:
        data = self.cleaned_data
        return [
            services.RatingInput(
                item.pk, data.get(f"rating_{item.pk}"), data.get(f"note_{item.pk}", "")
            )
            for item in self.items
            if data.get(f"rating_{item.pk}") is not None or data.get(f"note_{item.pk}", "").strip()
        ]


def _range_message(low: int, high: int) -> str:
    return gettext("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}


def _whole(label: Any, low: int, high: int, **kwargs: Any) -> forms.IntegerField:
    """A whole number from `low` to `high`, refused in the service's own words (in the
    reader's language: the message is made when it is shown)."""
    said = lazy(_range_message, str)(low, high)
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        error_messages={"min_value": said, "max_value": said},
        **kwargs,
    )


class SettingsForm(forms.Form):
    moderate_from = forms.DecimalField(
        label=_("Moderate from"), max_digits=7, decimal_places=2, min_value=0
    )
    high_from = forms.DecimalField(label=_("High from"), max_digits=7, decimal_places=2)
    critical_from = forms.DecimalField(label=_("Critical from"), max_digits=7, decimal_places=2)
    # Each number's range is checked here too, so that every field out of range is marked
    # at once; the service checked them one at a time, a save for each mistake.
    review_days_low = _whole(_("Review a low risk after (days)"), 1, MAX_REVIEW_DAYS)
    review_days_moderate = _whole(_("Review a moderate risk after (days)"), 1, MAX_REVIEW_DAYS)
    review_days_high = _whole(_("Review a high risk after (days)"), 1, MAX_REVIEW_DAYS)
    review_days_critical = _whole(_("Review a critical risk after (days)"), 1, MAX_REVIEW_DAYS)
    pattern_window_days = _whole(
        _("Pattern window (days)"),
        1,
        MAX_WINDOW_DAYS,
        help_text=_(
            "Read in whole months: the window starts on the first day of the month its first "
            "day falls in, since only the month of each incident is kept in clear (its days "
            "are sealed). 30 days on 6 December count the incidents of November and December."
        ),
    )
    pattern_min_count = _whole(_("Incidents in the window that make a finding"), 2, MAX_MIN_COUNT)


class ChecklistItemForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=TITLE_MAX)
    kind = forms.ChoiceField(label=_("Kind"), choices=ChecklistKind.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    amplifier = forms.ChoiceField(
        label=_("Amplifies risk for"), choices=Amplifier.choices, required=False
    )
    position = forms.IntegerField(label=_("Position in its category"), initial=0, min_value=0)
    active = forms.BooleanField(
        label=_("In use"),
        required=False,
        initial=True,
        help_text=_("Retired items stay in old assessments."),
    )
