"""The HRDsAttack paper's evaluation protocol, reproduced (its released evaluate code):

- gold values normalised as the paper's loader does ("n/a"/"none" places and months are
  null, "2021.0" years and "26.0" days are integers as strings, month numbers are names,
  "unknown" dropped from a violation set that has other labels); predictions normalised
  the same way, and a null gold value never counts as correct;
- perpetrator mention: P/R/F1 of the positive class over articles;
- perpetrator type, city, region, country, day, month, year: exact-string accuracy over all
  articles;
- violation types: micro P/R/F1 over label sets, an empty prediction counted as {"unknown"};
- victim names: the predicted names (unnamed victims dropped), de-duplicated so that none is
  a substring of a later one; exact (name in the gold list) and fuzzy (either is a substring
  of the other) P/R/F1;
- victim attributes: accuracy over the gold named victims (one per distinct name, as the
  paper keys them by name) that have a prediction (`gold_victim_answers`, written by `extract
  --given-victims`); an empty type set counts as {"insufficient information"}. The paper asks
  its model about a victim only when the name is inside the first 512 T5 tokens of the raw
  article (`truncated_text_raw` in its utils.py), so a victim named later is never scored
  there. Given the articles (`contexts`), the headline figures do the same, with
  PAPER_CONTEXT_CHARS characters standing in for 512 tokens (no T5 tokenizer offline); the
  figures over every named victim are reported beside them ("... (all named)").
"""

from __future__ import annotations

from typing import Any

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# The paper's best results (T5 on a GPU, test split), the figures to beat.
PAPER = {
    "perpetrator mention F1": 96.81,
    "perpetrator type acc": 62.00,
    "victim name fuzzy F1": 51.16,
    "victim name exact F1": 47.44,
    "victim type acc": 72.41,
    "victim sex acc": 89.66,
    "victim age group acc": 93.10,
    "violation types F1": 71.39,
    "country acc": 66.00,
    "region acc": 3.00,
    "city acc": 23.00,
    "year acc": 50.00,
    "month acc": 33.00,
    "day acc": 14.00,
}


def _place(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return None if value.lower() in ("n/a", "none", "") else value


def _month(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    fixes = {"decenmber": "December", "ocober": "October"}
    value = fixes.get(value.lower(), value)
    if value.lower() in ("n//a", "n/a", "none", ""):
        return None
    try:
        number = int(float(value))
    except ValueError:
        return value
    return MONTHS[number - 1] if 1 <= number <= 12 else value


def _number(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    if value.lower() in ("n/a", "none", ""):
        return None
    try:
        return str(int(float(value)))
    except ValueError:
        return value


def normalise(merged: dict[str, Any]) -> dict[str, Any]:
    """One merged_sample (gold or predicted) as the paper compares it."""
    violations = set(merged.get("violation_types") or [])
    if len(violations) > 1:
        violations.discard("unknown")
    return {
        "perpetrator_mention": bool(merged.get("perpetrator_mention")),
        "perpetrator_type": _place(merged.get("perpetrator_type")),
        "violation_types": violations,
        "city": _place(merged.get("city")),
        "region": _place(merged.get("region")),
        "country": _place(merged.get("country")),
        "year": _number(merged.get("year")),
        "month": _month(merged.get("month")),
        "day": _number(merged.get("date")),
    }


def _f1(overlap: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p = overlap / predicted if predicted else 0.0
    r = overlap / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p and r else 0.0)


def dedupe_names(names: list[str]) -> list[str]:
    return _dedupe(names)[1]


def _dedupe(names: list[str]) -> tuple[list[str], list[str]]:
    """Names (split on commas as the paper's answers were), in order, dropping one that is a
    substring of a name before it, then of one after it, as the paper's scorer does."""
    split = [part.strip() for name in names for part in name.split(",") if part.strip()]
    forward: list[str] = []
    for name in split:  # as the answers are read: none part of one already taken
        if not any(name in other for other in forward):
            forward.append(name)
    kept: list[str] = []
    for name in reversed(forward):  # then none part of a later one
        if not any(name in other for other in kept):
            kept.append(name)
    return forward, list(reversed(kept))


# About 512 T5 sentencepiece tokens of English news HTML (about 4 characters a token), less
# the question the paper puts before the article.
PAPER_CONTEXT_CHARS = 2000

FIELDS = ("perpetrator_type", "country", "region", "city", "year", "month", "day")
VICTIM_FIELDS = ("type", "sex", "age group", "population")


def score(
    golds: list[dict[str, Any]],
    preds: list[dict[str, Any]],
    contexts: list[str] | None = None,
) -> dict[str, float]:
    """Every figure (percentages) for parallel lists of gold and predicted merged_samples;
    `contexts` (each article's raw `Input.article_interface`) scores victim attributes only
    for victims named where the paper's model could see them (see the module's docstring)."""
    correct = dict.fromkeys(FIELDS, 0)
    perp = [0, 0, 0]
    violation = [0, 0, 0]
    names = [0, 0, 0, 0]
    seen = {scope: dict.fromkeys(VICTIM_FIELDS, 0) for scope in ("paper", "all")}
    victims = {"paper": 0, "all": 0}
    texts: list[str | None] = list(contexts) if contexts is not None else [None] * len(golds)
    for gold_raw, pred_raw, context in zip(golds, preds, texts, strict=True):
        gold, pred = normalise(gold_raw), normalise(pred_raw)
        for name in FIELDS:
            if gold[name] is not None and gold[name] == pred[name]:
                correct[name] += 1
        perp[0] += int(gold["perpetrator_mention"] and pred["perpetrator_mention"])
        perp[1] += int(pred["perpetrator_mention"])
        perp[2] += int(gold["perpetrator_mention"])
        predicted = pred["violation_types"] or {"unknown"}
        violation[0] += len(predicted & gold["violation_types"])
        violation[1] += len(predicted)
        violation[2] += len(gold["violation_types"])

        gold_victims = [v for v in gold_raw.get("victims") or [] if v.get("victim_name")]
        gold_names = [v["victim_name"] for v in gold_victims]
        # The paper counts the predictions before its second de-duplication pass.
        forward, predicted_names = _dedupe(
            [v["victim_name"] for v in pred_raw.get("victims") or [] if v.get("victim_name")]
        )
        names[2] += len(forward)
        names[3] += len(gold_names)
        for name in predicted_names:
            names[0] += int(name in gold_names)
            names[1] += int(any(name in g or g in name for g in gold_names))

        answers = {v.get("victim_name"): v for v in pred_raw.get("gold_victim_answers") or []}
        by_name = {v["victim_name"]: v for v in gold_victims}  # the paper keys them by name
        for name, victim in by_name.items():
            answer = answers.get(name)
            if answer is None:
                continue
            visible = context is None or name in context[:PAPER_CONTEXT_CHARS]
            for scope in ("paper", "all") if visible else ("all",):
                victims[scope] += 1
                _victim_hits(seen[scope], victim, answer)
    n = max(len(golds), 1)
    exact = _f1(names[0], names[2], names[3])
    fuzzy = _f1(names[1], names[2], names[3])
    vio = _f1(*violation)
    result = {
        "perpetrator mention F1": 100 * _f1(*perp)[2],
        "perpetrator type acc": 100 * correct["perpetrator_type"] / n,
        "victim name fuzzy F1": 100 * fuzzy[2],
        "victim name exact F1": 100 * exact[2],
        "victim type acc": _share(seen["paper"]["type"], victims["paper"]),
        "victim sex acc": _share(seen["paper"]["sex"], victims["paper"]),
        "victim age group acc": _share(seen["paper"]["age group"], victims["paper"]),
        "violation types F1": 100 * vio[2],
        "country acc": 100 * correct["country"] / n,
        "region acc": 100 * correct["region"] / n,
        "city acc": 100 * correct["city"] / n,
        "year acc": 100 * correct["year"] / n,
        "month acc": 100 * correct["month"] / n,
        "day acc": 100 * correct["day"] / n,
        "victim population acc": _share(seen["paper"]["population"], victims["paper"]),
        "victims scored": float(victims["paper"]),
        "victim type acc (all named)": _share(seen["all"]["type"], victims["all"]),
        "victim sex acc (all named)": _share(seen["all"]["sex"], victims["all"]),
        "victim age group acc (all named)": _share(seen["all"]["age group"], victims["all"]),
        "victims scored (all named)": float(victims["all"]),
        "victim name exact P": 100 * exact[0],
        "victim name exact R": 100 * exact[1],
        "violation types P": 100 * vio[0],
        "violation types R": 100 * vio[1],
    }
    return result


def _share(hits: int, total: int) -> float:
    return 100 * hits / max(total, 1)


def _victim_hits(tally: dict[str, int], gold: dict[str, Any], answer: dict[str, Any]) -> None:
    types = set(answer.get("victim_type") or []) or {"insufficient information"}
    tally["type"] += int(set(gold.get("victim_type") or []) == types)
    tally["sex"] += int(gold["victim_sex_type"] == answer["victim_sex_type"])
    tally["age group"] += int(gold["victim_age_group"] == answer["victim_age_group"])
    tally["population"] += int(gold["victim_population_type"] == answer["victim_population_type"])
