"""Seizure test: threat details, perpetrator identities, notes, measures and summaries of
risk assessments never reach the disk in clear, whether typed in the pages, sent through the
API or written by the services."""

from __future__ import annotations

import json
import secrets

import pytest
from django.urls import reverse

from aegis.risk.models import Assessment
from aegis.risk.services import RatingInput, ResponseInput
from tests.seizure import find

from .conftest import api, capacity_ids, threat, vulnerability_ids, web
from .test_views import form_data

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = ("title", "facts", "pattern", "objective", "perpetrator_identity", "feasibility")


def canary(label: str) -> str:
    return f"{label}-{secrets.token_hex(8)}"


def test_threats_and_perpetrator_identities_never_appear_in_clear(team):
    secret = {
        f"{where}-{name}": canary(f"{where}{name}")
        for where in ("svc", "page", "api")
        for name in (*FIELDS, "note", "measure", "summary")
    }
    v, c = vulnerability_ids()[0], capacity_ids()[0]
    team.assess(
        threats=[
            threat(
                5,
                5,
                perpetrator_type="paramilitary",
                **{name: secret[f"svc-{name}"] * (50 if name == "facts" else 1) for name in FIELDS},
            )
        ],
        ratings=[RatingInput(v, 4, secret["svc-note"]), RatingInput(c, 2)],
        responses=[ResponseInput("avoid", secret["svc-measure"], team.worker.user)],
        summary=secret["svc-summary"],
        imminent=True,
    )
    page_form = form_data(
        threats=[
            {
                **{name: secret[f"page-{name}"] for name in FIELDS},
                "likelihood": "3",
                "impact": "4",
            }
        ],
        rating_values={"v0": "3", "v0-note": secret["page-note"], "c0": "3"},
        responses=[{"strategy": "share", "measure": secret["page-measure"]}],
        summary=secret["page-summary"],
    )
    client = web(team.worker)
    response = client.post(
        reverse("risk:new", kwargs={"reference": team.case.reference}), page_form
    )
    assert response.status_code == 302
    body = {
        "threats": [
            {
                **{name: secret[f"api-{name}"] for name in FIELDS},
                "likelihood": 2,
                "impact": 2,
            }
        ],
        "ratings": [{"item_id": v, "rating": 2, "note": secret["api-note"]}],
        "responses": [{"strategy": "reduce", "measure": secret["api-measure"]}],
        "summary": secret["api-summary"],
    }
    response = api(team.worker).post(
        f"/api/v1/risk/cases/{team.case.reference}/assessments",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Assessment.objects.count() == 3

    # The team reads all of it...
    for number in (1, 2):
        page = client.get(
            reverse("risk:detail", kwargs={"reference": team.case.reference, "number": number})
        ).content.decode()
        where = "svc" if number == 1 else "page"
        for name in ("title", "perpetrator_identity", "note", "measure", "summary"):
            assert secret[f"{where}-{name}"] in page, (where, name)
    assert secret["api-perpetrator_identity"] in response.content.decode()

    # ...and none of it is on disk in clear.
    assert find([value.encode() for value in secret.values()]) == []
    # The coded projection is in clear, which shows the scan does see plaintext.
    assert find([b"paramilitary", team.case.reference.encode()]) != []
