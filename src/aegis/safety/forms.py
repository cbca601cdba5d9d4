"""The edit page: one form for the plan, a fixed number of contact rows and one form per
scenario, so it works without JavaScript. Forms check shapes; drafts.problems() applies the
rules, and its errors come back to the field they concern (`PlanEditor.add_errors`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .drafts import ContactDraft, PlanDraft, ScenarioDraft, quiet_hours_zone
from .vocabulary import (
    CHECKIN_GRACE_MAX_MINUTES,
    CHECKIN_INTERVAL_MAX_HOURS,
    DURESS_MAX,
    LINE_MAX,
    MAX_CONTACTS,
    NAME_MAX,
    SAFE_PLACES_MAX,
    SCENARIO_TEXT_MAX,
    PlanLanguage,
    ScenarioKind,
)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


def _line(label: Any, max_length: int = LINE_MAX, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=max_length, **kwargs)


def _text(label: Any, max_length: int, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class PlanForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of the plan"),
        choices=PlanLanguage.choices,
        help_text=_("The printed plan is written in this language."),
    )
    checkin_interval_hours = forms.IntegerField(
        label=_("Check in every (hours)"),
        required=False,
        min_value=1,
        max_value=CHECKIN_INTERVAL_MAX_HOURS,
        help_text=_(
            "Leave empty for no regular check-in. Kept unencrypted, with the grace period: "
            "the alert system reads them to notice a missed check-in."
        ),
    )
    checkin_grace_minutes = forms.IntegerField(
        label=_("Grace period (minutes)"),
        min_value=0,
        max_value=CHECKIN_GRACE_MAX_MINUTES,
        help_text=_("How long after a missed check-in the contacts are alerted."),
    )
    quiet_from = forms.TimeField(label=_("Quiet hours from"), required=False, widget=TimeInput())
    quiet_until = forms.TimeField(label=_("Quiet hours until"), required=False, widget=TimeInput())
    duress_word = _line(
        _("New duress word"),
        DURESS_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),  # not in the browser's history
        help_text=_(
            "A word the defender can say or type to signal danger without being noticed. "
            "Leave empty to keep the current one."
        ),
    )
    remove_duress_word = forms.BooleanField(label=_("Remove the duress word"), required=False)
    safe_places = _text(
        _("Safe places"),
        SAFE_PLACES_MAX,
        rows=4,
        help_text=_("One per line: where to go, and how to get there."),
    )


class ContactForm(forms.Form):
    name = _line(_("Name"), NAME_MAX)
    relation = _line(_("Relation"))
    phone = _line(_("Phone (calls and SMS)"))
    email = _line(_("Email"))
    signal = _line(_("Signal"))
    other_channel = _line(_("Other way to reach them"))
    language = forms.ChoiceField(
        label=_("Language for messages"),
        required=False,
        choices=[("", _("Same as the plan")), *PlanLanguage.choices],
    )


class ScenarioForm(forms.Form):
    steps = _text(_("Steps"), SCENARIO_TEXT_MAX, rows=3)
    whom_to_call = _text(_("Whom to call"), SCENARIO_TEXT_MAX, rows=2)
    what_to_carry = _text(_("What to carry"), SCENARIO_TEXT_MAX, rows=2)


class PlanEditor:
    """The plan form, MAX_CONTACTS contact rows and one form per scenario, as one unit."""

    def __init__(self, data: Any = None, *, initial: PlanDraft | None = None) -> None:
        draft = initial or PlanDraft()
        contacts = [*draft.contacts, *[ContactDraft()] * MAX_CONTACTS][:MAX_CONTACTS]
        scenarios = {s.kind: s for s in draft.scenarios}
        self.plan = PlanForm(data, initial=None if data is not None else _plan_initial(draft))
        # The zone is the instance's, read when the page is made (not when this is imported).
        self.plan.fields["quiet_from"].help_text = gettext(
            "In the time zone %(zone)s, in which the alert system reads them. A check-in "
            "missed during the quiet hours is alerted when they end."
        ) % {"zone": quiet_hours_zone()}
        self.contacts = [
            ContactForm(data, prefix=f"contact-{n}", initial=vars(c) if data is None else None)
            for n, c in enumerate(contacts)
        ]
        self.scenarios = [
            (
                kind,
                label,
                ScenarioForm(
                    data,
                    prefix=f"scenario-{kind}",
                    initial=vars(scenarios.get(kind, ScenarioDraft(kind)))
                    if data is None
                    else None,
                ),
            )
            for kind, label in ScenarioKind.choices
        ]

    def forms(self) -> list[forms.Form]:
        return [self.plan, *self.contacts, *(form for _k, _l, form in self.scenarios)]

    def is_valid(self) -> bool:
        return all([form.is_valid() for form in self.forms()])  # every form, for its errors

    @property
    def has_errors(self) -> bool:
        return any(form.errors for form in self.forms())

    def draft(self) -> PlanDraft:
        """Call after is_valid()."""
        plan = self.plan.cleaned_data
        word = plan["duress_word"].strip()
        return PlanDraft(
            language=plan["language"],
            contacts=[ContactDraft(**form.cleaned_data) for form in self.contacts],
            checkin_interval_hours=plan["checkin_interval_hours"],
            checkin_grace_minutes=plan["checkin_grace_minutes"],
            quiet_from=plan["quiet_from"],
            quiet_until=plan["quiet_until"],
            duress_word="" if plan["remove_duress_word"] else (word or None),
            safe_places=plan["safe_places"],
            scenarios=[
                ScenarioDraft(kind, **form.cleaned_data) for kind, _l, form in self.scenarios
            ],
        )

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """Errors from drafts.problems(), keyed 'contacts.2.email', 'scenarios.raid.steps'…"""
        scenario_forms = {kind: form for kind, _l, form in self.scenarios}
        for where, messages in errors.items():
            parts = where.split(".")
            form: forms.Form = self.plan
            field: str | None = parts[0] if parts[0] in self.plan.fields else None
            if parts[0] == "contacts" and len(parts) == 3:
                form, field = self.contacts[int(parts[1])], parts[2]
            elif parts[0] == "scenarios" and len(parts) == 3:
                form, field = scenario_forms[parts[1]], parts[2]
            for message in messages:
                form.add_error(field if field in form.fields else None, message)


def _plan_initial(draft: PlanDraft) -> dict[str, Any]:
    return {
        "language": draft.language,
        "checkin_interval_hours": draft.checkin_interval_hours,
        "checkin_grace_minutes": draft.checkin_grace_minutes,
        "quiet_from": draft.quiet_from,
        "quiet_until": draft.quiet_until,
        "safe_places": draft.safe_places,
    }
