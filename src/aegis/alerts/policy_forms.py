"""Forms of the policy, partner and rule pages. They check shapes; the rules live in
policies.py, whose errors the views attach to the field (and step row) they concern.
Without JavaScript a policy is edited in a fixed number of step rows; empty rows are left
out."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from aegis import places
from aegis.cases.vocabulary import Sector
from aegis.incidents.vocabulary import ViolationType
from aegis.rules import StalePageForm

from . import channels, policies
from .models import PartnerOrganisation, PolicyStep
from .vocabulary import Audience, Channel, RuleTrigger

STEP_ROWS = policies.MAX_STEPS
CHANNEL_FIELDS = ("channel_1", "channel_2", "channel_3")
DEFAULT_CHANNELS = {"channel_1": Channel.EMAIL.value, "channel_2": Channel.SMS.value}
REFRESH = "show_regions"  # the submit button that only redraws the rule form with new regions
# Policy and rule names are shown on lists and in the audit trail and are not encrypted: the
# form says so, so that nobody names a defender or a place in them.
STORED_IN_CLEAR = _("Stored unencrypted: never put the name of a person or a place here.")


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


def _contact_channel(label: Any) -> forms.ChoiceField:
    def choices() -> list[tuple[str, Any]]:  # read when drawn: every registered channel
        return _blank("—") + [(c.name, c.label) for c in channels.for_contacts()]

    return forms.ChoiceField(label=label, choices=choices, required=False)


class PolicyForm(StalePageForm):
    """`current`: when the policy was last saved, as the page showed it. A colleague's save
    since (or one from another tab) is not undone without a word: a stale page had put a
    step's deadline back."""

    name = forms.CharField(
        label=_("Name of the policy"),
        max_length=policies.NAME_MAX,
        required=False,
        help_text=format_lazy(
            "{} {}",
            _("Left empty, the risk level or the case reference names it."),
            STORED_IN_CLEAR,
        ),
    )

    def stale_message(self) -> Any:
        return _(
            "This policy was saved by someone else since you opened this page (or in another "
            "tab), so nothing was saved. What you typed is below: open the policies in "
            "another tab to see the changes; sent again from here, yours replace them."
        )


class StepForm(forms.Form):
    number = forms.IntegerField(label=_("Step number"), required=False)
    deadline_minutes = forms.IntegerField(
        label=_("Minutes to acknowledge before the next step"), required=False
    )
    audiences = forms.MultipleChoiceField(
        label=_("Who this step reaches"),
        choices=Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channel_1 = _contact_channel(_("Emergency contacts: first channel to try"))
    channel_2 = _contact_channel(_("then"))
    channel_3 = _contact_channel(_("then"))
    partners = forms.MultipleChoiceField(
        label=_("Partner organisations"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, partners: list[PartnerOrganisation], **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        field = self.fields["partners"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(p.pk), p.name) for p in partners]
        if not partners:
            field.help_text = _("No partner organisation is active yet.")

    def is_empty(self) -> bool:
        data = self.cleaned_data
        return (
            data.get("number") is None
            and data.get("deadline_minutes") is None
            and not data.get("audiences")
            and not data.get("partners")
        )

    def step(self, row: int) -> policies.StepInput:
        data = self.cleaned_data
        return policies.StepInput(
            number=data["number"],
            deadline_minutes=data["deadline_minutes"],
            audiences=tuple(data["audiences"]),
            channels=tuple(data[name] for name in CHANNEL_FIELDS if data[name]),
            partner_ids=tuple(int(pk) for pk in data["partners"]),
            row=row,
        )

    @staticmethod
    def initial_of(step: PolicyStep) -> dict[str, Any]:
        channels = [c for c in step.channels.split(",") if c]
        return {
            "number": step.number,
            "deadline_minutes": step.deadline_minutes,
            "audiences": [a for a in step.audiences.split(",") if a],
            **{
                name: channels[i] if i < len(channels) else ""
                for i, name in enumerate(CHANNEL_FIELDS)
            },
            "partners": [str(p.pk) for p in step.partners.all()],
        }


def step_forms(
    data: Any, steps: list[PolicyStep], partners: list[PartnerOrganisation]
) -> list[StepForm]:
    """STEP_ROWS rows: bound to the request, or filled from the policy's steps."""
    if data is not None:
        return [StepForm(data, prefix=f"step-{i}", partners=partners) for i in range(STEP_ROWS)]
    initial = [StepForm.initial_of(step) for step in steps][:STEP_ROWS]
    if not initial:
        initial = [{"number": 1, **DEFAULT_CHANNELS}]
    # Channels alone do not make a row count: empty rows suggest the usual order.
    initial += [dict(DEFAULT_CHANNELS) for _ in range(STEP_ROWS - len(initial))]
    return [
        StepForm(prefix=f"step-{i}", partners=partners, initial=values)
        for i, values in enumerate(initial)
    ]


class PartnerForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the organisation"),
        max_length=policies.NAME_MAX,
        help_text=_("An organisation, never a defender: the name is stored in clear."),
    )
    # A callable: read when the form is drawn, so every registered channel is offered.
    channel = forms.ChoiceField(label=_("Channel"), choices=channels.choices)
    address = forms.CharField(
        label=_("Address on that channel"),
        max_length=policies.ADDRESS_MAX,
        help_text=_(
            "Email address, phone number, Matrix room, ntfy topic or webhook. Stored encrypted "
            "for the alert service only: once saved, nobody sees it on these pages."
        ),
    )


class RuleForm(forms.Form):
    """Country and region come from lists; without JavaScript the region list follows the
    country once the form is sent with "Show the regions" (nothing is saved then)."""

    name = forms.CharField(
        label=_("Name of the rule"), max_length=policies.NAME_MAX, help_text=STORED_IN_CLEAR
    )
    trigger = forms.ChoiceField(label=_("Fires when"), choices=RuleTrigger.choices)
    violation_type = forms.ChoiceField(
        label=_("Kind of incident"),
        choices=_blank(_("— (for risk rules)")) + list(ViolationType.choices),
        required=False,
    )
    person = forms.ChoiceField(label=_("Only for this person"), required=False)
    country = forms.ChoiceField(label=_("Only in this country"), required=False)
    region = forms.ChoiceField(
        label=_("Only in this region"),
        required=False,
        help_text=_("Choose the country, then 'Show the regions' to pick one of its regions."),
    )
    sector = forms.ChoiceField(
        label=_("Only for defenders of this sector"),
        choices=_blank(_("Any sector")) + list(Sector.choices),
        required=False,
    )

    def __init__(
        self, *args: Any, people: list[tuple[str, str]], narrowed: bool = False, **kwargs: Any
    ) -> None:
        """`narrowed`: the people were too many to list, and `people` is the one chosen."""
        super().__init__(*args, **kwargs)
        self._set("person", _blank(_("Anyone")) + people)
        if narrowed:
            self.fields["person"].help_text = _(
                "There are too many people to list here. For one person, open their page "
                "(from Search or People) and choose “Set an alert rule for this person”."
            )
        self._set("country", _blank(_("Any country")) + places.countries())
        country = (self.data.get("country") if self.is_bound else self.initial.get("country")) or ""
        self._set("region", _blank(_("Any region")) + places.regions(str(country)))

    def _set(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
