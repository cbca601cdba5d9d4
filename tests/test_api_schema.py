"""The API against its own OpenAPI schema: schemathesis (its real CLI, every check on) sends
generated requests to a live server, valid and invalid, and fails on any 500, any status or
body the schema does not document, any schema-invalid request that is accepted. Each role
gets its own token, so operations are exercised past their role check."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from aegis import clock
from aegis.accounts.services import create_api_token
from aegis.advocacy import seed as advocacy_seed
from aegis.advocacy import services as advocacy
from aegis.advocacy.models import Mandate, Mechanism
from aegis.cases import services as cases
from aegis.cases.models import Person
from aegis.incidents import services as incidents
from aegis.intake import selectors as intake_selectors
from aegis.intake import services as intake
from aegis.monitoring import articles
from aegis.monitoring.vocabulary import ArticleOrigin
from aegis.roles import Role
from aegis.support import services as support
from aegis.vault.keychain import unlocked

GATEWAY_SECRET = "a gateway secret for the schema run, long"
# Valid by the schema, refused by a rule the schema cannot state (a region of that country,
# a reference that exists, a compartment one belongs to): 400, 409 and 422 say so.
ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "422", "429"]
MAX_EXAMPLES = 6
MAX_SECONDS = 120


def _token(person) -> str:
    with unlocked(person.keychain()) as chain:
        return create_api_token(person.user, "schemathesis", chain)


def _config(base_url: str, tokens: dict[str, str], known: dict[str, list]) -> str:
    """schemathesis.toml: the run's bounds, which token each group of operations uses (the
    intake is public; the SMS gateway signs with its own secret), and real ids and
    references mixed into the generated ones, so that requests reach past the 404s."""
    operations = [
        # Revoking one's own token would end the run's access: a token of its own.
        ("^/api/v1/tokens/", tokens["revocable"]),
        ("^/api/v1/(me|tokens)$", tokens["staff"]),
        # The first block that matches an operation gives its headers.
        ("^/api/v1/risk/analysis$", tokens["analyst"]),
        ("^/api/v1/advocacy/outcomes$", tokens["analyst"]),
        ("^/api/v1/advocacy/", tokens["staff"]),
        ("^/api/v1/monitoring/", tokens["analyst"]),
        ("^/api/v1/support/ledger$", tokens["auditor"]),
        ("^/api/v1/(support|exchange)/", tokens["staff"]),
        ("^/api/v1/(cases|incidents|evidence|risk|safety/people)/", tokens["staff"]),
        ("^/api/v1/(safety/mine|alerts/panic)$", tokens["defender"]),
        ("^/api/v1/alerts/(open|history)$", tokens["staff"]),
        ("^/api/v1/alerts/gateway/", GATEWAY_SECRET),
    ]
    lines = [
        f"base-url = {json.dumps(base_url)}",
        "seed = 19",
        "workers = 1",
        f"max-time = {MAX_SECONDS}",
        "request-timeout = 20",
        "[generation]",
        f"max-examples = {MAX_EXAMPLES}",
        "[checks]",
        "enabled = true",  # every check; an operation below may turn one off
        "[checks.positive_data_acceptance]",
        f"expected-statuses = {json.dumps(ACCEPTED)}",
    ]
    for name, values in known.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}"]
    lines.append("[parameters]")
    for parameter, name in BINDINGS.items():
        lines.append(f'"{parameter}" = {{ dictionary = "{name}", probability = 0.5 }}')
    # The one check turned off, for one operation: in a multipart form every field is text,
    # so a "boolean" description arrives as the text "false", which is a valid description.
    lines += [
        "[[operations]]",
        'include-path = "/api/v1/evidence/cases/{reference}/upload"',
        f"headers = {{ Authorization = {json.dumps('Bearer ' + tokens['staff'])} }}",
        "checks = { negative_data_rejection = { enabled = false } }",
    ]
    for regex, token in operations:
        lines += [
            "[[operations]]",
            f"include-path-regex = {json.dumps(regex)}",
            f"headers = {{ Authorization = {json.dumps('Bearer ' + token)} }}",
        ]
    return "\n".join(lines) + "\n"


BINDINGS = {
    "path.reference": "cases",
    "path.incident_ref": "incidents",
    "path.person_id": "people",
    "body.compartment_id": "compartments",
    "body.to_reference": "incidents",
    "body.code": "receipts",
    "path.proposal_id": "proposals",
    "path.act_id": "acts",
    "path.perpetrator_id": "perpetrators",
    "path.provider_id": "providers",
    "path.referral_id": "referrals",
    "path.grant_id": "grants",
    "path.communication_id": "communications",
    "body.provider_id": "providers",
    "body.case_reference": "cases",
    "body.case": "cases",
    "body.grant_id": "grants",
    "body.mechanism_id": "mechanisms",
}


@pytest.fixture
def team(make_person, make_compartment, make_case, settings):
    """Tokens of each role, and the records they may reach: a coordinator's compartment
    with a case and an incident, which is also the intake team's, with a report's receipt;
    a defender whose account is linked to the case's person."""
    settings.AEGIS_SMS_WEBHOOK_SECRET = GATEWAY_SECRET
    staff = make_person(Role.COORDINATOR)
    compartment = make_compartment(staff, name=intake_selectors.DEFAULT_INTAKE_COMPARTMENT)
    receipt = intake.submit_report(intake.Report(narrative="Followed home", target_kind="me"))
    case = make_case(compartment, staff)
    defender = make_person(Role.DEFENDER)
    Person.objects.filter(pk=case.person_id).update(account=defender.user)
    with unlocked(staff.keychain()):
        incident = incidents.create_incident(
            compartment,
            actor_id=staff.user.pk,
            title="Threat at the community hall",
            date_start=datetime.date(2024, 3, 5),
            cases=[case],
        )
        perpetrator = incidents.create_perpetrator(
            compartment, actor_id=staff.user.pk, perpetrator_type="police", name="Unit 7"
        )
        act = incidents.add_act(
            incident,
            violation_type="death_threat",
            actor_id=staff.user.pk,
            perpetrators=[(perpetrator, "perpetrator")],
        )
    support = _support_records(staff, case)
    communication = _communication(staff, case, incident)
    analyst = make_person(Role.ANALYST)
    # A waiting proposal, so that the monitoring operations on one reach past their 404s.
    with unlocked(analyst.keychain()):
        article = articles.ingest(
            origin=ArticleOrigin.PASTED,
            title="Journalist detained at a checkpoint",
            text="Police detained the journalist Ana Ruiz at a checkpoint in Cali on Monday.",
            published=datetime.date(2026, 11, 20),
            language="en",
        )
    assert article is not None
    tokens = {
        "staff": _token(staff),
        "revocable": _token(make_person(Role.COORDINATOR)),
        "analyst": _token(analyst),
        "defender": _token(defender),
        "auditor": _token(make_person(Role.AUDITOR)),
    }
    known = {
        "cases": [case.reference],
        "incidents": [incident.reference],
        "people": [case.person_id],
        "compartments": [compartment.pk],
        "receipts": [receipt.code],
        "proposals": [article.proposal.pk],
        "acts": [act.pk],
        "perpetrators": [perpetrator.pk],
        "communications": [communication.pk],
        "mechanisms": [communication.mechanism_id],
        **support,
    }
    return tokens, known


def _support_records(staff, case) -> dict[str, list[int]]:
    """A vetted provider, a referral to it (the person consented to sharing) and a grant
    asked for the case: the support operations on one reach past their 404s."""
    with unlocked(staff.keychain()):
        provider = support.create_provider(
            case.compartment,
            actor=staff.user,
            name="Abogadas del Sur",
            kinds=["legal"],
            countries=["CO"],
            regions=["CO-ANT"],
            languages="es",
            capacity=3,
            cost="pro bono",
            contact="Calle 5 #12",
        )
        for name in ("Ref One", "Ref Two"):
            support.add_reference(provider, actor=staff.user, name=name, contact=f"{name}@x.org")
        support.vet(
            provider, "approved", actor=staff.user, revet_on=clock.today() + timedelta(days=180)
        )
        cases.record_consent(case.person, "share_partner", "By phone", actor_id=staff.user.pk)
        referral = support.create_referral(
            case, provider, actor=staff.user, purpose="Legal advice", shared=["pseudonym"]
        )
        grant = support.request_grant(
            case,
            actor=staff.user,
            beneficiary="person",
            grant_type="digital",
            urgency="urgent",
            need="Laptop seized in a raid",
            amount="1200.00",
            currency="EUR",
        )
    return {"providers": [provider.pk], "referrals": [referral.pk], "grants": [grant.pk]}


def _communication(staff, case, incident):
    """A draft urgent appeal on the case, linked to its incident."""
    advocacy_seed.ensure(Mechanism, Mandate)  # a transactional test may have emptied them
    with unlocked(staff.keychain()):
        return advocacy.create_communication(
            case,
            mechanism=Mechanism.objects.get(code="un-special-procedures"),
            kind="urgent_appeal",
            language="en",
            actor_id=staff.user.pk,
            incidents=[incident],
            narrative="Two armed men threatened the leader at night.",
        )


def _send(client, url: str, body: dict, headers: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_documents_its_refusals(client):
    """What is read may not match (422), a JSON body may not parse (400), a token may be
    missing (401) or not be enough (403); and every body refuses fields it does not name."""
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    bodies = []
    for name, operation in _operations(schema):
        statuses = set(operation["responses"])
        reads = operation.get("parameters") or operation.get("requestBody")
        if reads:
            assert "422" in statuses, name
            issue = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert "ValidationErrorOut" in json.dumps(issue), name
        if operation.get("security"):
            assert {"401", "403"} <= statuses, name
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            assert "400" in statuses, name
            refs = [body["schema"], *body["schema"].get("anyOf", [])]  # optional bodies
            for ref in [r["$ref"].rsplit("/", 1)[-1] for r in refs if "$ref" in r]:
                assert components[ref].get("additionalProperties") is False, name
                bodies.append(ref)
    assert len(bodies) >= 19  # the JSON bodies of the API when this was written
    assert components["ValidationErrorOut"]["properties"]["detail"]["type"] == "array"
    assert components["ErrorOut"]["properties"]["detail"]["type"] == "string"


def test_writes_document_the_conflict_of_a_records_state(client):
    """A step the record's state refuses (a grant approved already, a referral that cannot
    move so) answers 409, not 400: every write that takes a token documents it, the public
    intake does not."""
    schema = client.get("/api/v1/openapi.json").json()
    for name, operation in _operations(schema):
        writes = name.split()[0] in {"POST", "PUT", "PATCH", "DELETE"}
        documented = "409" in operation["responses"]
        assert documented == (writes and bool(operation.get("security"))), name
        if documented:
            conflict = operation["responses"]["409"]["content"]["application/json"]["schema"]
            assert "ErrorOut" in json.dumps(conflict), name


def test_free_text_documents_the_characters_every_service_refuses(client):
    """TEXT_PATTERN, which the schema gives every free text of a body and the bodies' base
    enforces, refuses exactly the control characters the services refuse in words (written
    twice, on one layer)."""
    from aegis.api_schemas import TEXT_PATTERN
    from aegis.text import has_control_characters

    pattern = re.compile(TEXT_PATTERN)
    for point in [*range(0x3000), 0x202E, 0xFEFF, 0x1F600]:
        character = chr(point)
        assert (pattern.fullmatch(character) is None) == has_control_characters(character), point
    components = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    grant = components["GrantIn"]["properties"]
    assert grant["other_funders"]["pattern"] == TEXT_PATTERN
    assert grant["rate_to_base"]["anyOf"][0]["pattern"] == TEXT_PATTERN  # text or null
    assert "pattern" not in json.dumps(grant["beneficiary"])  # a choice, not free text
    assert "pattern" not in json.dumps(components["ErrorOut"])  # answers are not bodies sent
    assert "pattern" not in json.dumps(components["InboundIn"])  # an SMS is never refused


def test_text_that_cannot_be_empty_documents_what_shows(client):
    """VISIBLE_PATTERN, on each text declared with a least length, takes a text exactly when
    it holds a character that shows (`shows_nothing`) and no control character, over the
    Basic Multilingual Plane, which is what JSON Schema's patterns can write."""
    from aegis.api_schemas import TEXT_PATTERN, VISIBLE_PATTERN
    from aegis.text import has_control_characters, shows_nothing

    pattern = re.compile(VISIBLE_PATTERN)
    for point in [*range(0xD800), *range(0xE000, 0x10000)]:
        character = chr(point)
        shows = not shows_nothing(character) and not has_control_characters(character)
        assert (pattern.fullmatch(character) is not None) == shows, hex(point)
    assert pattern.fullmatch(" Ana\u200b \n") and not pattern.fullmatch(" \u200b\t\n\u3000")
    assert not pattern.fullmatch("Ana\x01")
    properties = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["GrantIn"]
    assert properties["properties"]["need"]["pattern"] == VISIBLE_PATTERN
    assert properties["properties"]["other_funders"]["pattern"] == TEXT_PATTERN  # may be empty


def test_one_line_and_undisguised_texts_document_what_the_services_refuse(client):
    """OneLine refuses what `rules.text(line=True)` refuses (control characters, line
    breaks, direction overrides, characters a line shows as nothing), Undisguised what a
    case's, a person's or a safety plan's text refuses (`has_disguising_characters`), over
    the Basic Multilingual Plane; and each field so typed documents it."""
    from aegis.api_schemas import ONE_LINE, UNDISGUISED, text_pattern
    from aegis.text import (
        breaks_lines,
        changes_direction,
        has_control_characters,
        has_disguising_characters,
        hides_in_a_line,
    )

    line = re.compile(text_pattern(ONE_LINE.characters))
    undisguised = re.compile(text_pattern(UNDISGUISED.characters))
    for point in [*range(0xD800), *range(0xE000, 0x10000)]:
        c = chr(point)
        control = has_control_characters(c)
        one_line = control or breaks_lines(c) or changes_direction(c) or hides_in_a_line(c)
        assert (line.fullmatch(c) is None) == (one_line or has_disguising_characters(c)), point
        assert (undisguised.fullmatch(c) is None) == (control or has_disguising_characters(c))
    components = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    source = components["NewsSourceIn"]["properties"]
    assert source["name"]["pattern"] == text_pattern(ONE_LINE.characters, visible=True)
    note = components["NoteIn"]["properties"]["body"]
    assert note["pattern"] == text_pattern(UNDISGUISED.characters, visible=True)
    legal_name = components["PersonCorrectionIn"]["properties"]["legal_name"]
    assert legal_name["anyOf"][0]["pattern"] == text_pattern(ONE_LINE.characters)  # or null


@pytest.mark.django_db
def test_one_line_and_undisguised_texts_are_refused_at_the_gate(client, make_person):
    """A name on two lines or with a direction override is refused at the gate, naming the
    field."""
    analyst = make_person(Role.ANALYST)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {_token(analyst)}"}
    for name in ("Feed\nTwo", "\u202eFeed", "Feed\u2028", "Fe\u200bed"):
        body = {"name": name, "kind": "feed", "url": "https://news.example.org/feed"}
        response = _send(client, "/api/v1/monitoring/sources", body, headers)
        assert response.status_code == 422, (name, response.content)
        (issue,) = response.json()["detail"]
        assert issue["loc"] == ["body", "name"] and "one line" in issue["msg"]


def test_documented_email_addresses_are_ones_the_services_take():
    """EMAIL_PATTERN promises less than Django's validate_email takes, never more."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from aegis.api_schemas import EMAIL_PATTERN

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(EMAIL_PATTERN, fullmatch=True).filter(lambda s: 0 < len(s) <= 200))
    def taken(address: str) -> None:
        try:
            validate_email(address)
        except ValidationError:
            pytest.fail(f"documented but refused: {address!r}")

    taken()
    assert re.fullmatch(EMAIL_PATTERN, "")  # none given
    assert not re.fullmatch(EMAIL_PATTERN, "not an address")


def test_documented_web_addresses_are_ones_a_source_takes():
    """WEB_ADDRESS_PATTERN promises only addresses `texts.web_address` takes and that are no
    local network's by their form (a top-level domain of letters is no address); the names
    local networks use ("intranet.lan") are the one exception, refused in words."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from aegis.api_schemas import WEB_ADDRESS_PATTERN
    from aegis.monitoring import fetching, texts

    local = re.compile(r"\.(localhost|local|internal|intranet|lan|arpa|corp|home)\b", re.I)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(WEB_ADDRESS_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 1000))
    def taken(url: str) -> None:
        url = texts.lowered_scheme(url)
        assert texts.web_address(url), url
        assert not fetching.written_as_local(url) or local.search(url), url

    taken()
    for refused in ("0", "https://", "ftp://news.example.org", "https://news.example.org x"):
        assert not re.fullmatch(WEB_ADDRESS_PATTERN, refused)


def test_documented_amounts_and_currencies_are_ones_a_grant_takes(client):
    """The AMOUNT pattern and the CURRENCY list promise only what `money` takes."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from aegis.support import money
    from aegis.support.api import AMOUNT

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(str(AMOUNT["pattern"]), fullmatch=True))
    def taken(amount: str) -> None:
        assert money.amount(amount) > 0

    taken()
    for code in money.CURRENCIES:
        assert money.currency(code) == code
    grant = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["GrantIn"]
    assert grant["properties"]["currency"]["enum"] == sorted(money.CURRENCIES)
    assert "EUR" in money.CURRENCIES and "XAU" not in money.CURRENCIES  # gold is no money


def _fits(components: dict, name: str, body: dict) -> bool:
    import jsonschema_rs

    schema = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": components}}
    return jsonschema_rs.validator_for(schema).is_valid(body)


@pytest.mark.parametrize(
    ("name", "refused", "taken"),
    [
        ("RejectIn", {"reason": "other"}, {"reason": "other", "note": "Old story"}),
        ("RejectIn", {"reason": "other", "note": " "}, {"reason": "duplicate"}),
        ("StepIn", {"step": "acknowledge"}, {"step": "acknowledge", "reference": "UA 12/2026"}),
        ("StepIn", {"step": "publish", "publication": ""}, {"step": "send"}),
        ("VetIn", {"status": "approved"}, {"status": "approved", "revet_on": "2027-01-31"}),
        ("WhenIn", {"day": 3}, {"year": 2026, "month": 5, "day": 3}),
        (
            "CommunicationIn",
            {"case": "AEG-2026-00001", "mechanism_id": 1, "kind": "urgent_appeal"}
            | {"language": "en", "elements": {"unknown": "x"}},
            {"case": "AEG-2026-00001", "mechanism_id": 1, "kind": "urgent_appeal"}
            | {"language": "en", "elements": {"source": "The family", "confidential": False}},
        ),
        (
            "CaseIn",
            {"compartment_id": 1, "subject_kind": "group", "summary": "S"},
            {"compartment_id": 1, "subject_kind": "group", "summary": "S", "subject_name": "G"},
        ),
        (
            "CaseIn",
            {"compartment_id": 1, "subject_kind": "person", "summary": "S"},
            {"compartment_id": 1, "subject_kind": "person", "summary": "S", "person_id": 4},
        ),
        (
            "CaseIn",
            {"compartment_id": 1, "subject_kind": "person", "summary": "S", "subject_name": "x"}
            | {"person_id": 4, "new_person": {"pseudonym": "P"}},
            {"compartment_id": 1, "subject_kind": "organisation", "summary": "S"}
            | {"subject_name": "Union"},
        ),
    ],
)
def test_rules_across_fields_are_in_the_schema(client, name, refused, taken):
    """What a service refuses for a field that another one makes necessary (a note for the
    reason "other", the mechanism's reference to acknowledge, the size of a group) is in the
    body's schema, so that a client following the schema is not refused for it."""
    components = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert not _fits(components, name, refused)
    assert _fits(components, name, taken)


@pytest.mark.django_db
def test_text_of_spaces_alone_is_refused_at_the_gate(client, make_person):
    """A text that cannot be empty is refused by the schema's gate when nothing of it shows,
    as VISIBLE_PATTERN documents (" " had passed minLength 1); one that may be empty is not."""
    analyst = make_person(Role.ANALYST)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {_token(analyst)}"}
    for text in (" ", "\u200b", "\u3000\n"):
        body = {"title": "Journalist held", "text": text}
        response = _send(client, "/api/v1/monitoring/articles", body, headers)
        assert response.status_code == 422, (text, response.content)
        (issue,) = response.json()["detail"]
        assert issue["loc"] == ["body", "text"] and "invisible" in issue["msg"]
    body = {"title": "Journalist held", "text": "Police held the journalist Ana Ruiz.", "url": " "}
    response = _send(client, "/api/v1/monitoring/articles", body, headers)
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_control_characters_are_refused_at_the_gate_wherever_they_stand(client, make_person):
    """One gate for every body: a control character at either end had been stripped away by
    a form on one path and refused by a service on another."""
    analyst = make_person(Role.ANALYST)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {_token(analyst)}"}
    for title in ("\x1cJournalist held", "Journalist held\x0b", "Journalist\x01 held"):
        body = {"title": title, "text": "Police held the journalist Ana Ruiz."}
        response = _send(client, "/api/v1/monitoring/articles", body, headers)
        assert response.status_code == 422, (title, response.content)
        (issue,) = response.json()["detail"]
        assert issue["loc"] == ["body", "title"] and "control characters" in issue["msg"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_api_keeps_to_its_schema(live_server, team, tmp_path: Path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(live_server.url, *team))
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "--no-color",
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/v1/openapi.json",
        ],
        capture_output=True,
        text=True,
        timeout=MAX_SECONDS + 120,
        cwd=tmp_path,
    )
    output = run.stdout + run.stderr
    print(output)  # shown with -rP: what was covered, and schemathesis's warnings
    assert run.returncode == 0, output[-20000:]


def test_no_two_schemas_of_the_api_share_a_name(client):
    """The OpenAPI document keys its schemas by class name: two apps' `NoteIn` had been one
    entry, and the case notes' body was documented as the grants' (`note`, not `body`)."""
    from ninja import Schema

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    client.get("/api/v1/openapi.json")  # every router imported
    ours = {c for c in subclasses(Schema) if c.__module__.startswith("aegis.")}
    names = sorted(c.__name__ for c in ours)
    shared = {n for n in names if names.count(n) > 1}
    assert not shared, {n: [c.__module__ for c in ours if c.__name__ == n] for n in shared}
    documented = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert documented["NoteIn"]["required"] == ["body"]
    assert documented["DiligenceNoteIn"]["required"] == ["note"]


def test_a_list_of_values_is_documented_as_its_own(client):
    """The schema keys an enum by its class name: the news sources' SourceKind (feed, page)
    had been documented for an incident's source, whose kinds are testimony, media, ..."""
    from aegis.incidents.vocabulary import SourceKind
    from aegis.monitoring.vocabulary import SourceKind as NewsSourceKind

    components = client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    def values(prop: dict) -> list[str]:
        if "$ref" in prop:
            prop = components[prop["$ref"].rsplit("/", 1)[-1]]
        return prop["enum"]

    assert values(components["SourceIn"]["properties"]["kind"]) == SourceKind.values
    assert values(components["NewsSourceIn"]["properties"]["kind"]) == NewsSourceKind.values


def test_record_ids_are_documented_with_their_bounds(client):
    """A record id's bounds are JSON Schema's minimum and maximum, so that a generated client
    (and schemathesis) knows 0 and 2**63 are no ids; pydantic writes "ge"/"le" when a
    validator comes before them."""
    text = client.get("/api/v1/openapi.json").content.decode()
    schema = json.loads(text)
    assert '"ge":' not in text and '"le":' not in text
    [person_id] = [
        p
        for p in schema["paths"]["/api/v1/cases/people/{person_id}"]["get"]["parameters"]
        if p["name"] == "person_id"
    ]
    assert person_id["schema"]["minimum"] == 1 and person_id["schema"]["maximum"] == 2**63 - 1
