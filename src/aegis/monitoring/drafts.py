"""From the extractor's proposal (the HRDsAttack vocabulary) to an incident draft in Aegis's
own vocabularies, which the analyst may correct before accepting."""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from aegis import clock
from aegis import places as aegis_places
from aegis.cases.vocabulary import AgeGroup, Gender
from aegis.incidents.vocabulary import DatePrecision, PerpetratorType, ViolationType
from aegis.monitoring.extraction import places

# The earliest date kept (intake's EARLIEST_YEAR): a slip such as 0001 would otherwise be
# stored as a date nobody meant.
EARLIEST = datetime.date(1900, 1, 1)
# The victims a draft holds (a mass arrest's other names go on the incident, by hand).
MAX_VICTIMS = 20

SEX_TO_AEGIS = {"man": Gender.MAN, "woman": Gender.WOMAN, "other": Gender.OTHER}
AGE_TO_AEGIS = {"child": AgeGroup.UNDER_18}
AGE_BANDS = (
    (17, AgeGroup.UNDER_18),
    (29, AgeGroup.AGE_18_29),
    (44, AgeGroup.AGE_30_44),
    (59, AgeGroup.AGE_45_59),
    (119, AgeGroup.AGE_60_PLUS),
)


@dataclass
class VictimDraft:
    description: str
    sex: str = Gender.UNKNOWN
    age_group: str = AgeGroup.UNKNOWN


@dataclass
class Draft:
    title: str
    description: str
    date_start: datetime.date
    date_precision: str
    country: str
    region: str
    violation_types: list[str]
    perpetrator_type: str
    perpetrator_mentioned: bool
    reliability: str
    victims: list[VictimDraft] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["date_start"] = self.date_start.isoformat()
        return data

    def comparable(self) -> dict[str, Any]:
        """The draft as far as an analyst changes it: not how a browser sends it back (line
        ends as CRLF, spaces at the ends, the violations in the checkboxes' order, empty
        victim rows), so that a page sent unchanged is no edit (an edited merge is learnt
        from)."""
        data = self.as_json()
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.replace("\r\n", "\n").strip()
        data["violation_types"] = sorted(set(data["violation_types"]))
        data["victims"] = [
            {k: str(v).replace("\r\n", "\n").strip() for k, v in victim.items()}
            for victim in data["victims"]
            if str(victim.get("description", "")).strip()
        ]
        return data

    def version(self) -> str:
        """A short digest of comparable(): the page sends back the version it showed, so that
        a colleague's corrections saved since are not overwritten unseen."""
        text = json.dumps(self.comparable(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        values = dict(data)
        values["date_start"] = datetime.date.fromisoformat(values["date_start"])
        values["victims"] = [VictimDraft(**v) for v in values.get("victims", [])]
        return cls(**values)


def _value(extracted: dict[str, Any], name: str) -> Any:
    guess = extracted.get(name) or {}
    return guess.get("value") if isinstance(guess, dict) else None


def _sentence(extracted: dict[str, Any], name: str) -> str:
    guess = extracted.get(name) or {}
    return str(guess.get("sentence") or "") if isinstance(guess, dict) else ""


def _perpetrator(extracted: dict[str, Any]) -> str:
    """Aegis's perpetrator type for the proposed one, told by the sentence naming it."""
    return str(
        _labels().aegis_perpetrator(
            _value(extracted, "perpetrator_type"), _sentence(extracted, "perpetrator_type")
        )
    )


def _age_group(victim: dict[str, Any]) -> str:
    """Aegis's age band: from the age the article gives beside the name, else from the
    dataset's group (a child is under 18; "adult" says no band)."""
    age = victim.get("age")
    if isinstance(age, int) and not isinstance(age, bool) and 0 < age < 120:
        for top, band in AGE_BANDS:
            if age <= top:
                return band
    return AGE_TO_AEGIS.get(str(victim.get("age_group")), AgeGroup.UNKNOWN)


def country_code(name: Any) -> str:
    """The ISO 3166-1 code an incident records: the extractor names England, Scotland and
    Wales apart (as the annotators did), and each is GB here."""
    return places.country_iso(str(name)) if name else ""


def _date(extracted: dict[str, Any], fallback: datetime.date) -> tuple[datetime.date, str]:
    year, month, day = (_value(extracted, k) for k in ("year", "month", "day"))
    try:
        if year and month and day:
            return datetime.date(int(year), int(month), int(day)), DatePrecision.DAY
        if year and month:
            return datetime.date(int(year), int(month), 1), DatePrecision.MONTH
        if year:
            return datetime.date(int(year), 1, 1), DatePrecision.YEAR
    except (TypeError, ValueError):
        pass
    return fallback, DatePrecision.APPROXIMATE


def _described(victim: dict[str, Any], said_of: tuple[str, ...]) -> str:
    """A victim as the draft describes them: the name, then what they are ("journalist").
    The dataset's "insufficient information" is no description: it had been written on the
    incident after the name."""
    types = [t for t in victim.get("victim_types", ()) if t in said_of]
    return ", ".join(x for x in (str(victim.get("name", "")), *types) if x)[:500]


def _labels() -> Any:
    from .extraction import labels

    return labels


def from_extraction(
    extracted: dict[str, Any],
    *,
    title: str,
    published: datetime.date | None,
    reliability: str,
    source_place: tuple[str, str] = ("", ""),
) -> Draft:
    """The draft the extractor's proposal maps to. Where it found no country, the place its
    source covers (`source_place`: a regional paper's country and region) stands in."""
    fallback = min(published or clock.today(), clock.today())
    date_start, precision = _date(extracted, fallback)
    if date_start > clock.today():
        date_start, precision = fallback, DatePrecision.APPROXIMATE
    labels = _labels()
    violations = labels.aegis_violations(
        [g.get("value") for g in extracted.get("violation_types", []) if isinstance(g, dict)]
    ) or [ViolationType.OTHER]
    victims = [
        VictimDraft(
            description=description,
            sex=SEX_TO_AEGIS.get(str(v.get("sex")), Gender.UNKNOWN),
            age_group=_age_group(v),
        )
        for v in extracted.get("victims", [])
        if isinstance(v, dict) and (description := _described(v, labels.VICTIM_TYPES))
    ][:MAX_VICTIMS]  # the likeliest, as the extractor ranks them: more go on the incident
    country = country_code(_value(extracted, "country"))
    sentences = [
        g.get("sentence", "")
        for g in (extracted.get("perpetrator_type"), *extracted.get("violation_types", []))
        if isinstance(g, dict) and g.get("sentence")
    ]
    return Draft(
        title=title[:200] or "—",
        description="\n".join(dict.fromkeys(sentences))[:5000],
        date_start=date_start,
        date_precision=precision,
        country=country or source_place[0],
        # The region the extractor read, where it is one of the country's first level.
        region=aegis_places.region_code(country, str(_value(extracted, "region") or ""))
        if country
        else source_place[1],
        violation_types=[str(v) for v in violations],
        perpetrator_type=_perpetrator(extracted) if extracted else str(PerpetratorType.UNKNOWN),
        perpetrator_mentioned=bool(_value(extracted, "perpetrator_mention")),
        reliability=reliability,
        victims=victims,
    )


@dataclass(frozen=True)
class Reason:
    """One value the extractor proposed, as the analyst reads it: what it is, the value in
    Aegis's words, the confidence (per cent) and the sentence it was read from ("" where the
    whole article was weighed)."""

    what: str
    value: str
    confidence: int
    sentence: str


def reasons(extracted: dict[str, Any]) -> list[Reason]:
    """Why the draft holds what it holds, value by value, in the order of the draft."""
    labels = _labels()
    found: list[Reason] = []

    def add(what: Any, value: Any, guess: Any) -> None:
        if value in (None, "") or not isinstance(guess, dict):
            return
        confidence = guess.get("confidence")
        share = 0
        if isinstance(confidence, int | float) and math.isfinite(confidence):
            share = round(100 * confidence)
        sentence = str(guess.get("sentence") or "")
        found.append(Reason(str(what), str(value), max(0, min(100, share)), sentence))

    if _value(extracted, "perpetrator_type"):
        label = PerpetratorType(_perpetrator(extracted)).label
        add(_("Perpetrator"), label, extracted.get("perpetrator_type"))
    for guess in extracted.get("violation_types") or ():
        if isinstance(guess, dict):
            for code in labels.aegis_violations([guess.get("value")]):
                add(_("Violation"), ViolationType(code).label, guess)
    for victim in extracted.get("victims") or ():
        if isinstance(victim, dict):
            add(_("Victim"), _described(victim, labels.VICTIM_TYPES), victim)
    country = _value(extracted, "country")
    add(
        _("Country"),
        aegis_places.country_name(country_code(country)) or country,
        extracted.get("country"),
    )
    for name, what in (
        ("region", _("Region")),
        ("city", _("City")),
        ("year", _("Year")),
        ("month", _("Month")),
        ("day", _("Day")),
    ):
        add(what, _value(extracted, name), extracted.get(name))
    return found
