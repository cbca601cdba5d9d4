"""Forms of the support pages: they parse what the page sends; the services apply the rules
(amounts, currencies, dates, consent, the two-person rule) and the pages show their refusals
on the input they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aegis import places
from aegis.widgets import DateInput

from . import money
from .vocabulary import (
    Availability,
    Beneficiary,
    GrantType,
    Method,
    ProviderKind,
    ReferralKind,
    ReferralStatus,
    ReportKind,
    SharedField,
    Urgency,
    VettingStatus,
)


def _text(label: Any, *, required: bool = False, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=help_text,
    )


class ProviderForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_(
            "Shown to all case staff, in clear. For an individual, a label (a role and a "
            "place), not the person's name: that goes in the contact details, encrypted."
        ),
    )
    individual = forms.BooleanField(label=_("An individual, not an organisation"), required=False)
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of help"), choices=ProviderKind.choices, widget=forms.CheckboxSelectMultiple
    )
    countries = forms.MultipleChoiceField(label=_("Countries where it works"), choices=())
    regions = forms.CharField(
        label=_("Regions"),
        required=False,
        help_text=_("ISO 3166-2 region codes, comma-separated; the directory shows their names."),
    )
    languages = forms.CharField(
        label=_("Languages"), required=False, help_text=_("ISO 639 codes, e.g. es,en,qu")
    )
    capacity = forms.CharField(label=_("Capacity (people at a time)"), required=False)
    availability = forms.ChoiceField(label=_("Availability"), choices=Availability.choices)
    cost = forms.CharField(label=_("Cost"), required=False, max_length=120)
    contact = _text(_("Contact details (encrypted)"))
    notes = _text(_("Notes (encrypted)"))
    safe_house_address = _text(
        _("Safe-house address"),
        help_text=_("Only for a safe house: kept in a compartment of its own."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["countries"].choices = places.countries()  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["regions"] = data.get("regions", "")
        return data


class ProviderEditForm(ProviderForm):
    """The directory entry as it is edited: no safe-house address (it lives in a compartment
    of its own); the re-vetting date only for coordinators."""

    revet_on = forms.DateField(label=_("Re-vetting date"), required=False, widget=DateInput())

    def __init__(self, *args: Any, coordinator: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["safe_house_address"]
        if not coordinator:
            del self.fields["revet_on"]


class ReferenceForm(forms.Form):
    name = forms.CharField(label=_("Reference's name"), max_length=200)
    contact = _text(_("How to reach the reference"), required=True)


class VetForm(forms.Form):
    status = forms.ChoiceField(label=_("Vetting"), choices=VettingStatus.choices)
    revet_on = forms.DateField(label=_("Re-vetting date"), required=False, widget=DateInput())


class AvailabilityForm(forms.Form):
    availability = forms.ChoiceField(label=_("Availability"), choices=Availability.choices)


class ReferralForm(forms.Form):
    case = forms.ChoiceField(label=_("Case"))
    provider = forms.ChoiceField(label=_("Provider"))
    kind = forms.ChoiceField(label=_("Kind of referral"), choices=ReferralKind.choices)
    purpose = _text(_("Purpose"), required=True)
    shared = forms.MultipleChoiceField(
        label=_("What is shared with the provider"),
        choices=SharedField.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Choose the minimum the provider needs."),
    )
    follow_up_on = forms.DateField(label=_("Follow-up date"), required=False, widget=DateInput())
    grant = forms.ChoiceField(label=_("Paid by the grant"), required=False)
    destination_country = forms.ChoiceField(
        label=_("Destination country (relocation)"), required=False
    )
    destination_why = _text(_("Why this destination"))
    host = _text(_("Host organisation"))
    months = forms.CharField(
        label=_("Duration in months"), required=False, help_text=_("Up to 6; renewable.")
    )
    visa_travel_plan = _text(_("Visa and travel plan"))
    security_plan = _text(_("Security plan for the move"))
    family = _text(_("Family members"))
    return_plan = _text(_("Return plan"))

    RELOCATION = (
        "destination_country",
        "destination_why",
        "host",
        "months",
        "visa_travel_plan",
        "security_plan",
        "family",
        "return_plan",
    )

    def __init__(self, *args: Any, cases: Any, providers: Any, grants: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [(c.reference, c.reference) for c in cases]  # type: ignore[attr-defined]
        self.fields["provider"].choices = [  # type: ignore[attr-defined]
            (str(p.pk), p.name) for p in providers
        ]
        self.fields["grant"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(g.pk), g.reference) for g in grants
        ]
        self.fields["destination_country"].choices = [("", "—"), *places.countries()]  # type: ignore[attr-defined]


class ReferralMoveForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ReferralStatus.choices)
    outcome = _text(_("Outcome"))
    follow_up_on = forms.DateField(label=_("Follow-up date"), required=False, widget=DateInput())


class RenewalForm(forms.Form):
    months = forms.CharField(label=_("Months added"), help_text=_("Up to 6 per renewal."))


class GrantForm(forms.Form):
    case = forms.ChoiceField(label=_("Case"))
    beneficiary = forms.ChoiceField(label=_("For whom"), choices=Beneficiary.choices)
    group_size = forms.CharField(label=_("People in the group"), required=False)
    grant_type = forms.ChoiceField(label=_("Type of grant"), choices=GrantType.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    need = _text(_("The need (encrypted)"), required=True)
    amount = forms.CharField(label=_("Amount asked"))
    currency = forms.ChoiceField(label=_("Currency"), choices=())
    rate_to_base = forms.CharField(
        label=_("Exchange rate to the base currency"),
        required=False,
        help_text=_("Base-currency units per unit; empty for the base currency."),
    )
    budget_lines = _text(
        _("Budget lines"),
        help_text=_("One per line: what; amount. They must add up to the amount."),
    )
    other_funders = _text(_("Other funders"))

    def __init__(self, *args: Any, cases: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [(c.reference, c.reference) for c in cases]  # type: ignore[attr-defined]
        self.fields["currency"].choices = money.currencies()  # type: ignore[attr-defined]
        self.fields["currency"].initial = money.base_currency()

    def lines(self) -> list[tuple[str, str]]:
        found = []
        for row in (self.cleaned_data.get("budget_lines") or "").splitlines():
            if row.strip():
                label, _sep, amount = row.rpartition(";")
                found.append((label.strip() or row.strip(), amount.strip()))
        return found


class DiligenceForm(forms.Form):
    note = _text(_("Due diligence: what was checked"), required=True)


class ApproveForm(forms.Form):
    """The amount for the first approver only (a second confirms it); the rate for a grant
    outside the base currency, offered as asked, for every approver to confirm."""

    approved_amount = forms.CharField(
        label=_("Amount approved"), required=False, help_text=_("Empty: the amount asked.")
    )
    rate_to_base = forms.CharField(
        label=_("Exchange rate confirmed"),
        required=False,
        help_text=_(
            "Base-currency units per unit of the grant's currency, as asked: check it before "
            "you approve; the caps and the number of approvers are counted at it."
        ),
    )

    def __init__(self, *args: Any, first: bool = True, foreign: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not first:
            del self.fields["approved_amount"]
        if not foreign:
            del self.fields["rate_to_base"]


def _money_moves_in(form: forms.Form, currency: str, base: str, rate: str) -> None:
    """Money moves in the grant's currency or the base one, at a rate nobody types (the
    service refuses any other): the page offers those two and says the rate."""
    field = form.fields["currency"]
    field.choices = [c for c in money.currencies() if c[0] in {currency, base}]  # type: ignore[attr-defined]
    if currency != base:
        field.help_text = _(
            "In %(base)s, it is counted at the grant's rate: 1 %(base)s = %(rate)s %(currency)s."
        ) % {"base": base, "rate": rate, "currency": currency}


class DisburseForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    amount = forms.CharField(label=_("Amount paid"))
    currency = forms.ChoiceField(label=_("Currency paid"), choices=())
    payment_details = _text(_("Payment details (encrypted)"), required=True)

    def __init__(self, *args: Any, currency: str, base: str, rate: str, **kwargs: Any):
        kwargs.setdefault("initial", {"currency": currency})
        super().__init__(*args, **kwargs)
        _money_moves_in(self, currency, base, rate)


class ReturnForm(forms.Form):
    amount = forms.CharField(label=_("Amount returned"))
    currency = forms.ChoiceField(label=_("Currency returned"), choices=())

    def __init__(self, *args: Any, currency: str, base: str, rate: str, **kwargs: Any):
        # Shown on the grant page beside the tranche form: ids of its own keep each label
        # tied to its own input.
        kwargs.setdefault("auto_id", "id_return_%s")
        kwargs.setdefault("initial", {"currency": currency})
        super().__init__(*args, **kwargs)
        _money_moves_in(self, currency, base, rate)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    text = _text(_("The report (encrypted)"), required=True)
