"""The required elements of each mechanism, in one place.

Each mechanism's `checks` code names one list of `Element`s below. An element is satisfied by
the facts the communication draws from its case and incidents (`builder.Dossier`) or by what
the writer filled in (`FIELDS`, kept encrypted in the communication's `elements`). A
communication with a missing element cannot be marked sent: `missing()` names each one in
plain words, and the services raise them as one RuleError."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .vocabulary import Channel, Checks, ConsentRule

if TYPE_CHECKING:
    from .builder import Dossier

# A "detailed account" is more than a line: the narrative must say what happened, how and why
# it is believed to be linked to the person's work.
DETAILED_ACCOUNT = 200


@dataclass(frozen=True)
class Field:
    """An element the writer fills in (the form shows the ones its mechanism needs)."""

    key: str
    label: Any
    lines: bool = True  # a text area; False: one line
    flag: bool = False  # a yes/no box


FIELDS = {
    f.key: f
    for f in (
        Field("source", _("Who submits this communication (the source)")),
        Field("confidential", _("What must stay confidential")),
        Field("family_steps", _("Steps taken by the family")),
        Field("family_consent", _("Who in the family consented, and how")),
        Field("no_consent_reason", _("Why consent could not be obtained")),
        Field("seriousness", _("Why the situation is serious")),
        Field("urgency", _("Why it is urgent")),
        Field("irreparable_harm", _("The irreparable harm feared")),
        Field("imminent_risk", _("The imminent risk")),
        Field("articles", _("Articles of the Convention invoked"), lines=False),
        Field("domestic_decisions", _("Domestic decisions (court, dates, outcome)")),
        Field("contact_person", _("Contact person (name, telephone, availability)")),
        Field("removal_planned", _("A removal (expulsion, extradition) is planned"), flag=True),
        Field("removal", _("Date, time and destination of the removal, if one is planned")),
    )
}


@dataclass(frozen=True)
class Element:
    key: str
    label: Any  # names the element in the refusal: "Missing: <label>"
    satisfied: Callable[[Dossier], bool]
    fields: tuple[str, ...] = ()  # the writer's inputs this element reads
    # Why an element that is there is not enough (a narrative too short), "" when it is
    # simply missing: the checklist and the refusal say so rather than "Missing".
    short_of: Callable[[Dossier], str] | None = None

    def shortfall(self, dossier: Dossier) -> str:
        """What the element lacks, in words, where it is there but not enough; else ""."""
        if self.short_of is None or self.satisfied(dossier):
            return ""
        return self.short_of(dossier)

    def described(self, dossier: Dossier) -> str:
        """The element as a refusal names it: its label, and what it lacks where it is there."""
        shortfall = self.shortfall(dossier)
        return f"{self.label} — {shortfall}" if shortfall else str(self.label)


def _filled(key: str) -> Callable[[Dossier], bool]:
    return lambda d: bool(str(d.elements.get(key, "")).strip())


def _consented(d: Dossier) -> bool:
    """The consent the mechanism's rule asks for (its `consent_rule`, an administrator's
    setting): every person on file among the victims consented to a UN or regional mechanism,
    or the family's consent is recorded, or why it could not be obtained."""
    people = [v for v in d.victims if v.person_id is not None]
    everyone = bool(people) and all(v.consented for v in people)
    rule = d.mechanism.consent_rule
    if rule == ConsentRule.FAMILY:
        return everyone or _filled("family_consent")(d)
    if rule == ConsentRule.PERSON_OR_REASON:
        return everyone or _filled("no_consent_reason")(d)
    return everyone


VICTIMS = Element("victims", _("the alleged victims"), lambda d: bool(d.victims))
PERPETRATORS = Element(
    "perpetrators",
    _("the alleged perpetrators (State or non-State actors)"),
    lambda d: bool(d.perpetrators),
)
DATE = Element("date", _("the date of the events"), lambda d: bool(d.events))
PLACE = Element("place", _("the place of the events"), lambda d: any(e.place for e in d.events))


def _account_too_short(d: Dossier) -> str:
    written = len(d.narrative.strip())
    if not written:
        return ""
    return ngettext(
        "too short: at least %(minimum)s character, now %(written)s",
        "too short: at least %(minimum)s characters, now %(written)s",
        DETAILED_ACCOUNT,
    ) % {"minimum": DETAILED_ACCOUNT, "written": written}


ACCOUNT = Element(
    "account",
    _("a detailed account of the events (the narrative)"),
    lambda d: len(d.narrative.strip()) >= DETAILED_ACCOUNT,
    short_of=_account_too_short,
)
SOURCE = Element(
    "source",
    _("the source's identity, kept confidential (anonymous communications are not considered)"),
    _filled("source"),
    ("source",),
)
CONFIDENTIAL = Element(
    "confidential", _("what must stay confidential"), _filled("confidential"), ("confidential",)
)
CONSENT = Element(
    "consent",
    _("the consent the mechanism requires (see its consent rule)"),
    _consented,
    ("family_consent", "no_consent_reason"),
)
INFORMED_CONSENT = Element(
    "consent",
    _("the informed consent of the person concerned"),
    lambda d: (
        bool(d.victims)
        and all(v.consented for v in d.victims if v.person_id is not None)
        and any(v.person_id is not None for v in d.victims)
    ),
)
NAME = Element(
    "name",
    _("the disappeared person's name, with their family's consent to name them to the government"),
    lambda d: len(d.victims) == 1 and d.victims[0].named,
)
ONE_PERSON = Element(
    "one_person", _("one person only (one communication per person)"), lambda d: len(d.victims) == 1
)
MONTH_YEAR = Element(
    "month_year",
    _("the date of the disappearance, at least month and year"),
    lambda d: any(e.precision in ("day", "month") for e in d.events),
)
FORCES = Element(
    "forces",
    _("the forces believed responsible"),
    lambda d: any(p.known_type for p in d.perpetrators),
)
FAMILY_STEPS = Element(
    "family_steps", _("the steps taken by the family"), _filled("family_steps"), ("family_steps",)
)
FAMILY_CONSENT = Element(
    "family_consent",
    _("the family's consent"),
    lambda d: _filled("family_consent")(d) or (bool(d.victims) and d.victims[0].consented),
    ("family_consent",),
)
SERIOUS = Element("seriousness", _("a serious situation"), _filled("seriousness"), ("seriousness",))
URGENT = Element("urgency", _("an urgent situation"), _filled("urgency"), ("urgency",))
IRREPARABLE = Element(
    "irreparable_harm",
    _("a risk of irreparable harm"),
    _filled("irreparable_harm"),
    ("irreparable_harm",),
)
BENEFICIARIES = Element(
    "beneficiaries", _("identified or identifiable beneficiaries"), lambda d: bool(d.victims)
)
CONSENT_OR_REASON = Element(
    "consent",
    _("the beneficiaries' consent, or why it could not be obtained"),
    lambda d: (
        (
            any(v.person_id is not None for v in d.victims)
            and all(v.consented for v in d.victims if v.person_id is not None)
        )
        or _filled("no_consent_reason")(d)
    ),
    ("no_consent_reason",),
)
IMMINENT = Element(
    "imminent_risk", _("the imminent risk"), _filled("imminent_risk"), ("imminent_risk",)
)
ARTICLES = Element(
    "articles", _("the articles of the Convention invoked"), _filled("articles"), ("articles",)
)
DOMESTIC = Element(
    "domestic_decisions",
    _("the domestic decisions"),
    _filled("domestic_decisions"),
    ("domestic_decisions",),
)
CONTACT = Element(
    "contact_person", _("a contact person"), _filled("contact_person"), ("contact_person",)
)
REMOVAL = Element(
    "removal",
    _("the date, time and destination of the removal"),
    lambda d: not d.elements.get("removal_planned") or _filled("removal")(d),
    ("removal_planned", "removal"),
)
NOT_BY_EMAIL = Element(
    "channel",
    _("a channel other than e-mail (these requests are never sent by e-mail)"),
    lambda d: d.mechanism.channel != Channel.EMAIL,
)

TABLE: dict[str, tuple[Element, ...]] = {
    Checks.SPECIAL_PROCEDURES: (
        VICTIMS,
        PERPETRATORS,
        DATE,
        PLACE,
        ACCOUNT,
        SOURCE,
        CONFIDENTIAL,
        CONSENT,
    ),
    Checks.WGEID: (
        NAME,
        ONE_PERSON,
        MONTH_YEAR,
        PLACE,
        FORCES,
        FAMILY_STEPS,
        SOURCE,
        FAMILY_CONSENT,
    ),
    Checks.REPRISALS: (VICTIMS, ACCOUNT, SOURCE, INFORMED_CONSENT),
    Checks.IACHR: (SERIOUS, URGENT, IRREPARABLE, BENEFICIARIES, ACCOUNT, CONSENT_OR_REASON),
    Checks.ECHR_RULE_39: (IMMINENT, ARTICLES, DOMESTIC, CONTACT, REMOVAL, NOT_BY_EMAIL),
    Checks.ACHPR: (VICTIMS, PERPETRATORS, DATE, PLACE, ACCOUNT, SOURCE, CONSENT),
}


def elements_of(checks: str) -> tuple[Element, ...]:
    return TABLE.get(checks, ())


def fields_of(checks: str) -> list[Field]:
    """The inputs the writer fills in for this mechanism, in the order of its elements."""
    keys: list[str] = []
    for element in elements_of(checks):
        keys.extend(k for k in element.fields if k not in keys)
    return [FIELDS[k] for k in keys]


def missing(dossier: Dossier) -> list[Element]:
    return [e for e in elements_of(dossier.mechanism.checks) if not e.satisfied(dossier)]
