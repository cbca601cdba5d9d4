"""The plain limits the services keep to (a longest text, a range of numbers, a most of a list,
a closed set of values) are the schema's too: each input body states them, taken from the
service's own constant, and the gate refuses what breaks them (422, naming the field, in
words and in the caller's language). An outside fuzzer had found schema-valid requests
refused by these limits, which the schema did not state."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from aegis.advocacy import services as advocacy
from aegis.cases import services as cases
from aegis.cases.forms import CaseEditForm, PersonEditForm
from aegis.evidence import services as evidence
from aegis.incidents import services as incidents
from aegis.intake import services as intake
from aegis.monitoring import decisions as monitoring_decisions
from aegis.monitoring import texts
from aegis.risk import checks as risk
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.safety import vocabulary as safety
from aegis.support import checks as support_checks
from aegis.support.vocabulary import Availability
from aegis.vault.keychain import unlocked
from tests.conftest import Person, api_client

# The services below check literal lengths (no constant to import): the schema takes them from
# the page's form or the column, and `test_the_literal_limits_are_the_services` holds the
# services to them.
PROVIDER_NAME_MAX = 120
PROVIDER_COST_MAX = 120
SOURCE_NAME_MAX = 120
ARTICLE_TITLE_MAX = 500
REJECT_NOTE_MAX = monitoring_decisions.REJECT_NOTE_MAX

REGION_MAX = CaseEditForm.base_fields["region"].max_length  # type: ignore[attr-defined]

# (method, path, field, keyword, value): what each body's schema states.
STATED: list[tuple[str, str, str, str, Any]] = [
    *[
        ("POST", "/api/v1/cases/people", name, "maxLength", limit)
        for name, limit in cases.PERSON_LIMITS.items()
    ],
    *[
        ("PATCH", "/api/v1/cases/people/{person_id}", name, "maxLength", limit)
        for name, limit in cases.PERSON_LIMITS.items()
    ],
    ("PATCH", "/api/v1/cases/people/{person_id}", "region", "maxLength", REGION_MAX),
    ("PATCH", "/api/v1/cases/people/{person_id}", "reason", "maxLength", cases.TEXT_MAX),
    ("POST", "/api/v1/cases/", "subject_name", "maxLength", cases.LINE_MAX),
    ("POST", "/api/v1/cases/", "summary", "maxLength", cases.TEXT_MAX),
    ("POST", "/api/v1/cases/{reference}/notes", "body", "maxLength", cases.TEXT_MAX),
    ("PATCH", "/api/v1/cases/{reference}", "summary", "maxLength", cases.TEXT_MAX),
    ("PATCH", "/api/v1/cases/{reference}", "subject_name", "maxLength", cases.LINE_MAX),
    ("PATCH", "/api/v1/cases/{reference}", "region", "maxLength", REGION_MAX),
    ("PATCH", "/api/v1/cases/{reference}", "reason", "maxLength", cases.TEXT_MAX),
    ("POST", "/api/v1/cases/{reference}/move", "reason", "maxLength", cases.TEXT_MAX),
    ("POST", "/api/v1/incidents/", "title", "maxLength", incidents.TITLE_MAX),
    ("POST", "/api/v1/incidents/", "description", "maxLength", incidents.TEXT_MAX),
    ("POST", "/api/v1/incidents/", "exact_location", "maxLength", incidents.LINE_MAX),
    ("PATCH", "/api/v1/incidents/{incident_ref}", "title", "maxLength", incidents.TITLE_MAX),
    (
        "PATCH",
        "/api/v1/incidents/{incident_ref}",
        "exact_location",
        "maxLength",
        incidents.LINE_MAX,
    ),
    ("POST", "/api/v1/incidents/perpetrators", "name", "maxLength", incidents.LINE_MAX),
    ("POST", "/api/v1/incidents/perpetrators", "description", "maxLength", incidents.TEXT_MAX),
    (
        "POST",
        "/api/v1/incidents/{incident_ref}/sources",
        "description",
        "maxLength",
        incidents.TEXT_MAX,
    ),
    ("POST", "/api/v1/support/providers", "name", "maxLength", PROVIDER_NAME_MAX),
    ("POST", "/api/v1/support/providers", "cost", "maxLength", PROVIDER_COST_MAX),
    ("POST", "/api/v1/support/providers", "contact", "maxLength", support_checks.TEXT),
    ("POST", "/api/v1/support/providers", "availability", "enum", Availability.values),
    (
        "POST",
        "/api/v1/support/providers/{provider_id}/references",
        "name",
        "maxLength",
        support_checks.LINE,
    ),
    ("POST", "/api/v1/support/referrals", "purpose", "maxLength", support_checks.TEXT),
    ("POST", "/api/v1/support/grants", "need", "maxLength", support_checks.TEXT),
    ("POST", "/api/v1/monitoring/sources", "name", "maxLength", SOURCE_NAME_MAX),
    ("POST", "/api/v1/monitoring/articles", "title", "maxLength", ARTICLE_TITLE_MAX),
    ("POST", "/api/v1/monitoring/articles", "text", "maxLength", texts.TEXT_MAX),
    (
        "POST",
        "/api/v1/monitoring/proposals/{proposal_id}/reject",
        "note",
        "maxLength",
        REJECT_NOTE_MAX,
    ),
    ("POST", "/api/v1/intake/submissions", "narrative", "maxLength", intake.NARRATIVE_MAX),
    ("POST", "/api/v1/intake/submissions", "place_details", "maxLength", intake.PLACE_MAX),
    ("POST", "/api/v1/intake/follow-up/messages", "body", "maxLength", intake.MESSAGE_MAX),
    *[
        ("POST", "/api/v1/safety/people/{person_id}/plan", field, keyword, value)
        for field, keyword, value in [
            ("checkin_interval_hours", "minimum", 1),
            ("checkin_interval_hours", "maximum", safety.CHECKIN_INTERVAL_MAX_HOURS),
            ("checkin_grace_minutes", "minimum", 0),
            ("checkin_grace_minutes", "maximum", safety.CHECKIN_GRACE_MAX_MINUTES),
            ("duress_word", "maxLength", safety.DURESS_MAX),
            ("safe_places", "maxLength", safety.SAFE_PLACES_MAX),
            ("contacts", "maxItems", safety.MAX_CONTACTS),
            ("scenarios", "maxItems", len(safety.ScenarioKind)),
        ]
    ],
    (
        "POST",
        "/api/v1/evidence/items/{item_id}/download",
        "reason",
        "maxLength",
        evidence.MAX_REASON,
    ),
    (
        "POST",
        "/api/v1/advocacy/communications/{communication_id}/steps",
        "reference",
        "maxLength",
        advocacy.LINE_MAX,
    ),
    ("POST", "/api/v1/advocacy/communications", "narrative", "maxLength", advocacy.TEXT_MAX),
]


def _resolved(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _stated(schema: dict, node: dict, keyword: str) -> Any:
    """What `node` (through references and anyOf, as for a field that may be null) states
    for `keyword`, or None."""
    node = _resolved(schema, node)
    if keyword in node:
        return node[keyword]
    for option in node.get("anyOf", []):
        found = _stated(schema, option, keyword)
        if found is not None:
            return found
    return None


def test_the_schema_states_the_services_limits(client):
    schema = client.get("/api/v1/openapi.json").json()
    wrong = []
    for method, path, field, keyword, value in STATED:
        content = schema["paths"][path][method.lower()]["requestBody"]["content"]
        body = _resolved(schema, next(iter(content.values()))["schema"])
        said = _stated(schema, body["properties"][field], keyword)
        if said != value:
            wrong.append((method, path, field, keyword, said, value))
    assert not wrong, wrong
    # A risk assessment's threats, ratings and responses, as risk.services checks them.
    components = schema["components"]["schemas"]
    for component, field, limit in [
        ("ThreatIn", "title", risk.TITLE_MAX),
        ("ThreatIn", "facts", risk.TEXT_MAX),
        ("ThreatIn", "pattern", risk.TEXT_MAX),
        ("ThreatIn", "objective", risk.TEXT_MAX),
        ("ThreatIn", "perpetrator_identity", risk.PERPETRATOR_IDENTITY_MAX),
        ("ThreatIn", "feasibility", risk.TEXT_MAX),
        ("RatingIn", "note", risk.TEXT_MAX),
        ("ResponseIn", "measure", risk.TEXT_MAX),
        ("AssessmentIn", "summary", risk.TEXT_MAX),
    ]:
        assert components[component]["properties"][field]["maxLength"] == limit, field
    # The safety plan's contacts, each as the plan takes them.
    contact = schema["components"]["schemas"]["ContactIn"]["properties"]
    assert contact["name"]["maxLength"] == safety.NAME_MAX
    assert contact["phone"]["maxLength"] == safety.LINE_MAX
    scenario = schema["components"]["schemas"]["ScenarioIn"]["properties"]
    assert scenario["steps"]["maxLength"] == safety.SCENARIO_TEXT_MAX
    # A correction of a person goes through the page's form first: its lengths are the same.
    for name, limit in cases.PERSON_LIMITS.items():
        assert PersonEditForm.base_fields[name].max_length == limit, name  # type: ignore[attr-defined]


def test_the_literal_limits_are_the_services(make_person, make_compartment, monkeypatch):
    """Where a service checks a literal length (no constant the API could import), it takes
    the longest value the schema states and refuses one more."""
    from aegis.monitoring import articles, decisions, manual, sources
    from aegis.support import services as support

    monkeypatch.setattr(articles, "run_extractor", _stand_in_extraction)
    lucia = make_person(Role.CASEWORKER)
    compartment = make_compartment(lucia)
    with unlocked(lucia.keychain()):
        provider = {"kinds": ["legal"], "name": "P" * PROVIDER_NAME_MAX, "cost": "c" * 120}
        support.create_provider(compartment, actor=lucia.user, **provider)
        for field in ("name", "cost"):
            with pytest.raises(RuleError) as refused:
                support.create_provider(
                    compartment, actor=lucia.user, **{**provider, field: "x" * 121}
                )
            assert refused.value.field == field
    feed = {"kind": "feed", "url": "https://news.example.org/feed"}
    sources.create_source(actor_id=None, name="S" * SOURCE_NAME_MAX, **feed)
    with pytest.raises(RuleError, match="too long"):
        sources.create_source(actor_id=None, name="S" * (SOURCE_NAME_MAX + 1), **feed)
    analyst = make_person(Role.ANALYST)
    with unlocked(analyst.keychain()):
        with pytest.raises(RuleError, match="too long"):
            manual.add_pasted(actor_id=None, title="T" * (ARTICLE_TITLE_MAX + 1), text=_story(0))
        added = manual.add_pasted(actor_id=None, title="T" * ARTICLE_TITLE_MAX, text=_story(1))
        proposal = added.article.proposal
        with pytest.raises(RuleError, match="too long"):
            decisions.reject(
                proposal, reason="other", note="n" * (REJECT_NOTE_MAX + 1), actor_id=None
            )
        decisions.reject(proposal, reason="other", note="n" * REJECT_NOTE_MAX, actor_id=None)


# --- Through the API: the longest value is taken, one more is refused at the gate -----------


def _stand_in_extraction(title: str, text: str, published: Any, language: str = "") -> dict:
    return {"is_attack": True, "confidence": 0.8, "violation_types": [], "victims": []}


def _story(n: int) -> str:
    """A story of its own (the same story twice is kept as a copy, not proposed)."""
    words = ["police", "held", "journalist", "river", "market", "night", "court", "village"]
    return " ".join(f"{words[(n + i) % len(words)]}{n}x{i}" for i in range(40)) + "."


def _send(api: Client, method: str, url: str, body: dict) -> Any:
    return getattr(api, method.lower())(
        url, json.dumps(body), content_type="application/json", headers={"accept-language": "es"}
    )


def _taken(response: Any) -> None:
    assert response.status_code in (200, 201), response.content


def _too_long(response: Any, *where: str | int, limit: int, items: bool = False) -> None:
    """Refused at the gate: 422, the field named, the limit said in Spanish."""
    assert response.status_code == 422, response.content
    issues = response.json()["detail"]
    assert isinstance(issues, list), issues
    (issue,) = [i for i in issues if i["loc"] == ["body", *where]]
    unit = "elementos" if items else "caracteres"
    assert issue["msg"] == f"Indique como máximo {limit} {unit}.", issue


@dataclass
class Staff:
    lucia: Person
    api: Client
    compartment: Any
    case: Any


@pytest.fixture
def staff(make_person, make_compartment, make_case) -> Staff:
    lucia = make_person(Role.CASEWORKER)
    compartment = make_compartment(lucia)
    case = make_case(compartment, lucia)
    return Staff(lucia, api_client(lucia), compartment, case)


@pytest.mark.django_db
def test_a_person_s_limits(staff):
    limits = {name: cases.PERSON_LIMITS[name] for name in ("pseudonym", "phone", "legal_name")}
    limits["organisation"] = cases.PERSON_LIMITS["organisation"]
    longest = {name: "7" * limit for name, limit in limits.items()}
    body = {"compartment_id": staff.compartment.pk, **longest}
    _taken(_send(staff.api, "POST", "/api/v1/cases/people", body))
    for name, limit in limits.items():
        answer = _send(staff.api, "POST", "/api/v1/cases/people", {**body, name: "7" * (limit + 1)})
        _too_long(answer, name, limit=limit)
    # A new person of a case, at its place in the body.
    case = {"compartment_id": staff.compartment.pk, "subject_kind": "person", "summary": "S"}
    answer = _send(
        staff.api, "POST", "/api/v1/cases/", {**case, "new_person": {"pseudonym": "p" * 81}}
    )
    _too_long(answer, "new_person", "pseudonym", limit=cases.PERSON_LIMITS["pseudonym"])


@pytest.mark.django_db
def test_a_case_s_limits(staff):
    group = {
        "compartment_id": staff.compartment.pk,
        "subject_kind": "group",
        "subject_name": "G" * cases.LINE_MAX,
        "summary": "s" * cases.TEXT_MAX,
    }
    _taken(_send(staff.api, "POST", "/api/v1/cases/", group))
    for name, limit in (("subject_name", cases.LINE_MAX), ("summary", cases.TEXT_MAX)):
        answer = _send(staff.api, "POST", "/api/v1/cases/", {**group, name: "g" * (limit + 1)})
        _too_long(answer, name, limit=limit)
    notes = f"/api/v1/cases/{staff.case.reference}/notes"
    _taken(_send(staff.api, "POST", notes, {"body": "n" * cases.TEXT_MAX}))
    _too_long(
        _send(staff.api, "POST", notes, {"body": "n" * (cases.TEXT_MAX + 1)}),
        "body",
        limit=cases.TEXT_MAX,
    )
    # A region as the form takes it, stripped: eight characters with its spaces.
    url = f"/api/v1/cases/{staff.case.reference}"
    moved = {"country": "CO", "region": " CO-ANT ", "reason": "Corrected"}
    assert len(moved["region"]) == REGION_MAX
    _taken(_send(staff.api, "PATCH", url, moved))
    answer = _send(staff.api, "PATCH", url, {**moved, "region": "  CO-ANT "})
    _too_long(answer, "region", limit=REGION_MAX)


@pytest.mark.django_db
def test_an_incident_s_limits(staff):
    incident = {
        "compartment_id": staff.compartment.pk,
        "title": "T" * incidents.TITLE_MAX,
        "date_start": "2024-02-10",
        "exact_location": "L" * incidents.LINE_MAX,
    }
    _taken(_send(staff.api, "POST", "/api/v1/incidents/", incident))
    for name, limit in (("title", incidents.TITLE_MAX), ("exact_location", incidents.LINE_MAX)):
        answer = _send(
            staff.api, "POST", "/api/v1/incidents/", {**incident, name: "x" * (limit + 1)}
        )
        _too_long(answer, name, limit=limit)
    perpetrator = {"compartment_id": staff.compartment.pk, "name": "N" * incidents.LINE_MAX}
    _taken(_send(staff.api, "POST", "/api/v1/incidents/perpetrators", perpetrator))
    answer = _send(
        staff.api,
        "POST",
        "/api/v1/incidents/perpetrators",
        {**perpetrator, "name": "N" * (incidents.LINE_MAX + 1)},
    )
    _too_long(answer, "name", limit=incidents.LINE_MAX)


@pytest.mark.django_db
def test_a_provider_s_limits_and_availability(staff):
    provider = {"compartment_id": staff.compartment.pk, "name": "P" * 120, "kinds": ["legal"]}
    made = _send(staff.api, "POST", "/api/v1/support/providers", provider)
    _taken(made)
    assert made.json()["availability"] == "available"
    paused = _send(
        staff.api, "POST", "/api/v1/support/providers", {**provider, "availability": "paused"}
    )
    _taken(paused)
    assert paused.json()["availability"] == "paused"
    answer = _send(staff.api, "POST", "/api/v1/support/providers", {**provider, "name": "P" * 121})
    _too_long(answer, "name", limit=PROVIDER_NAME_MAX)
    busy = _send(
        staff.api, "POST", "/api/v1/support/providers", {**provider, "availability": "busy"}
    )
    assert busy.status_code == 422, busy.content
    (issue,) = busy.json()["detail"]
    assert issue["loc"] == ["body", "availability"]
    assert issue["msg"] == "Elija uno de estos: 'available', 'full', 'paused'.", issue


@pytest.mark.django_db
def test_monitoring_s_limits(make_person, monkeypatch):
    from aegis.monitoring import articles

    monkeypatch.setattr(articles, "run_extractor", _stand_in_extraction)
    api = api_client(make_person(Role.ANALYST))
    feed = {"kind": "feed", "url": "https://news.example.org/feed", "name": "S" * 120}
    _taken(_send(api, "POST", "/api/v1/monitoring/sources", feed))
    answer = _send(api, "POST", "/api/v1/monitoring/sources", {**feed, "name": "S" * 121})
    _too_long(answer, "name", limit=SOURCE_NAME_MAX)
    article = {"title": "T" * 500, "text": _story(2)}
    added = _send(api, "POST", "/api/v1/monitoring/articles", article)
    assert added.status_code == 201, added.content
    answer = _send(api, "POST", "/api/v1/monitoring/articles", {**article, "title": "T" * 501})
    _too_long(answer, "title", limit=ARTICLE_TITLE_MAX)
    reject = f"/api/v1/monitoring/proposals/{added.json()['id']}/reject"
    answer = _send(api, "POST", reject, {"reason": "other", "note": "n" * 2001})
    _too_long(answer, "note", limit=REJECT_NOTE_MAX)
    _taken(_send(api, "POST", reject, {"reason": "other", "note": "n" * 2000}))


@pytest.mark.django_db
def test_a_report_s_narrative(make_person, make_compartment):
    make_compartment(make_person(Role.CASEWORKER), name="Intake team")
    report = {"narrative": "n" * intake.NARRATIVE_MAX, "target_kind": "group"}
    public = Client()
    _taken(_send(public, "POST", "/api/v1/intake/submissions", report))
    answer = _send(
        public,
        "POST",
        "/api/v1/intake/submissions",
        {**report, "narrative": "n" * (intake.NARRATIVE_MAX + 1)},
    )
    _too_long(answer, "narrative", limit=intake.NARRATIVE_MAX)


def _contact(n: int, **changes: str) -> dict:
    return {"name": f"Contact {n}", "phone": "+57 300 555 0101", **changes}


@pytest.mark.django_db
def test_a_safety_plan_s_limits(staff):
    url = f"/api/v1/safety/people/{staff.case.person_id}/plan"
    plan = {
        "language": "en",
        "contacts": [_contact(n) for n in range(safety.MAX_CONTACTS)],
        "checkin_interval_hours": safety.CHECKIN_INTERVAL_MAX_HOURS,
        "checkin_grace_minutes": safety.CHECKIN_GRACE_MAX_MINUTES,
        "duress_word": "d" * safety.DURESS_MAX,
    }
    _taken(_send(staff.api, "POST", url, plan))
    more = _send(staff.api, "POST", url, {**plan, "contacts": [*plan["contacts"], _contact(9)]})
    _too_long(more, "contacts", limit=safety.MAX_CONTACTS, items=True)
    long_word = _send(staff.api, "POST", url, {**plan, "duress_word": "d" * 61})
    _too_long(long_word, "duress_word", limit=safety.DURESS_MAX)
    long_name = _send(staff.api, "POST", url, {**plan, "contacts": [_contact(0, name="n" * 121)]})
    _too_long(long_name, "contacts", 0, "name", limit=safety.NAME_MAX)
    for name, highest in (
        ("checkin_interval_hours", safety.CHECKIN_INTERVAL_MAX_HOURS),
        ("checkin_grace_minutes", safety.CHECKIN_GRACE_MAX_MINUTES),
    ):
        answer = _send(staff.api, "POST", url, {**plan, name: highest + 1})
        assert answer.status_code == 422, answer.content
        (issue,) = answer.json()["detail"]
        assert issue["loc"] == ["body", name]
        assert issue["msg"] == f"Indique un número de {highest} o menos.", issue
    never = _send(staff.api, "POST", url, {**plan, "checkin_interval_hours": 0})
    assert never.json()["detail"][0]["msg"] == "Indique un número de 1 o más."


@pytest.mark.django_db
def test_a_plan_refused_by_its_rules_says_so_in_the_caller_s_language(staff):
    """The plan's own refusal had begun in English ("Nothing was saved: ...") whatever the
    caller's language."""
    url = f"/api/v1/safety/people/{staff.case.person_id}/plan"
    plan = {"language": "en", "contacts": [{"name": "Ana"}]}  # no way to reach her
    answer = _send(staff.api, "POST", url, plan)
    assert answer.status_code == 422, answer.content
    detail = answer.json()["detail"]
    assert detail.startswith("No se guardó nada. "), detail
    assert "Nothing" not in detail
    assert "contacts.0.phone" in answer.json()["errors"]
