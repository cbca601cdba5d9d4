"""The HRDsAttack dataset's labels (dataset_labels.py) mapped, written once, to Aegis's own
vocabularies (aegis.incidents.vocabulary): read where a proposal becomes a draft (drafts.py)
and where decisions are learnt from (decided.py), never by the extractor itself, which runs
without Django (child.py).

The dataset follows the OHCHR guidance for SDG indicator 16.10.1: its perpetrator classes are
about the perpetrator's relation to the State, not what kind of body it is, so several map to
the nearest Aegis class and the analyst refines it when accepting the proposal."""

from __future__ import annotations

import re

from aegis.incidents.vocabulary import PerpetratorType, ViolationType

# The dataset's labels (dataset_labels.py, which the extraction child reads without Django),
# here too for the mapping's readers.
from .dataset_labels import AGE_GROUPS as AGE_GROUPS
from .dataset_labels import INSUFFICIENT as INSUFFICIENT
from .dataset_labels import PERPETRATOR_TYPES as PERPETRATOR_TYPES
from .dataset_labels import POPULATION_TYPES as POPULATION_TYPES
from .dataset_labels import SEXES as SEXES
from .dataset_labels import UNKNOWN_VIOLATION as UNKNOWN_VIOLATION
from .dataset_labels import VICTIM_TYPES as VICTIM_TYPES
from .dataset_labels import VIOLATION_TYPES as VIOLATION_TYPES

# None: the label proposes no violation (the analyst picks one).
VIOLATION_TO_AEGIS: dict[str, str | None] = {
    "arbitrary detention": ViolationType.ARBITRARY_DETENTION,
    "enforced disappearance": ViolationType.ENFORCED_DISAPPEARANCE,
    "kidnapping": ViolationType.KIDNAPPING,
    "killing": ViolationType.KILLING,
    "torture": ViolationType.TORTURE,
    "other": ViolationType.OTHER,
    UNKNOWN_VIOLATION: None,
}

PERPETRATOR_TO_AEGIS: dict[str, str] = {
    # Police, army, security services: the State's own forces.
    "state actor": PerpetratorType.STATE_SECURITY,
    # Other organs of the State: officials, courts, ministries, local government.
    "other state actors": PerpetratorType.PUBLIC_OFFICIAL,
    # Acting with the State's permission, support or acquiescence (militias, vigilantes).
    "other actors with permissions": PerpetratorType.PARAMILITARY,
    # Acting without it: armed groups, insurgents (organised crime is refined by hand).
    "other actors without permissions": PerpetratorType.ARMED_GROUP,
    # Companies, individuals, communities, family: no single Aegis class fits.
    "other non-state actors": PerpetratorType.UNKNOWN,
    # Regional and international organisations: no Aegis class.
    "regional orgs": PerpetratorType.UNKNOWN,
    "insufficient info": PerpetratorType.UNKNOWN,
}


def aegis_violations(labels: list[str] | tuple[str, ...]) -> list[str]:
    """Aegis violation codes for dataset labels, in order, without repeats or unmapped ones."""
    out: list[str] = []
    for label in labels:
        code = VIOLATION_TO_AEGIS.get(label)
        if code is not None and code not in out:
            out.append(str(code))
    return out


# The State's forces, told apart by the sentence that names them ("Police arrested ...").
_POLICE = re.compile(r"\b(?:police\w*|gendarm\w*|carabiner\w*)\b", re.IGNORECASE)
_MILITARY = re.compile(r"\b(?:army|soldiers?|military|troops|marines|junta)\b", re.IGNORECASE)


def aegis_perpetrator(label: str | None, sentence: str = "") -> str:
    """Aegis perpetrator type for a dataset label; unknown for None or an unfamiliar one.
    The State's forces are the police or the military where the `sentence` naming them
    names only one of the two."""
    code = str(PERPETRATOR_TO_AEGIS.get(label or "", PerpetratorType.UNKNOWN))
    if code == PerpetratorType.STATE_SECURITY and sentence:
        police, military = bool(_POLICE.search(sentence)), bool(_MILITARY.search(sentence))
        if police != military:
            return str(PerpetratorType.POLICE if police else PerpetratorType.MILITARY)
    return code


# Back from an analyst's decision (Aegis's classes) to the dataset's labels, for learning from
# the decisions (decided.py). A class the dataset splits between labels (a company, a party,
# private security, unknown) maps to none: such a decision teaches the perpetrator type
# nothing rather than a guess.
AEGIS_TO_PERPETRATOR: dict[str, str] = {
    PerpetratorType.STATE_SECURITY: "state actor",
    PerpetratorType.POLICE: "state actor",
    PerpetratorType.MILITARY: "state actor",
    PerpetratorType.PUBLIC_OFFICIAL: "other state actors",
    PerpetratorType.PARAMILITARY: "other actors with permissions",
    PerpetratorType.ARMED_GROUP: "other actors without permissions",
    PerpetratorType.ORGANISED_CRIME: "other actors without permissions",
    PerpetratorType.COMMUNITY_MEMBER: "other non-state actors",
    PerpetratorType.FAMILY_MEMBER: "other non-state actors",
}


def dataset_perpetrator(code: str) -> str | None:
    """The dataset's perpetrator label for an Aegis class, or None where no one label means it."""
    return AEGIS_TO_PERPETRATOR.get(code)


def dataset_violations(codes: list[str] | tuple[str, ...]) -> list[str]:
    """The dataset's violation labels for Aegis violation codes, in order, without repeats: a
    code the dataset has no label of its own for (a threat, a raid, a smear campaign) is its
    "other", and no code at all is "unknown"."""
    back = {str(code): label for label, code in VIOLATION_TO_AEGIS.items() if code is not None}
    out: list[str] = []
    for code in codes:
        label = back.get(str(code), "other")
        if label not in out:
            out.append(label)
    return out or [UNKNOWN_VIOLATION]
