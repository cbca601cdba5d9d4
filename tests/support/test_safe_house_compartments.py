"""A safe house's own compartment holds its address and nothing else: no chooser of where to
file a case, an incident, a person, a provider or a moved case offers it, and the API treats
it as no compartment of the caller's; the compartments page still lists it, so that a
coordinator can let someone in. Those made before compartments had a kind are marked by the
upgrade."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from aegis.cases.models import Compartment
from aegis.cases.vocabulary import CompartmentKind

from .conftest import api_client, client

pytestmark = pytest.mark.django_db


@pytest.fixture
def house(team):
    provider = team.provider(kinds=["safe_house"], safe_house_address="Casa azul", by=team.karim)
    return provider.safe_house_compartment


def _option(compartment) -> str:
    return f'<option value="{compartment.pk}"'


def test_no_chooser_offers_a_safe_house_compartment(team, house):
    assert house.kind == CompartmentKind.SAFE_HOUSE
    assert Compartment.objects.get(pk=team.compartment.pk).kind == CompartmentKind.WORK
    karim = client(team.karim)  # a member of both
    for url in (
        reverse("cases:new"),
        reverse("cases:case-move", kwargs={"reference": team.case.reference}),
        reverse("incidents:new"),
        reverse("support:provider-new"),
    ):
        html = karim.get(url).content.decode()
        assert _option(house) not in html, url
        assert house.name not in html, url
    for url in (reverse("cases:new"), reverse("incidents:new"), reverse("support:provider-new")):
        assert _option(team.compartment) in karim.get(url).content.decode(), url
    # The compartments page still lists it: its members are managed there.
    assert house.name in karim.get(reverse("cases:compartments")).content.decode()


def test_the_compartment_pages_say_which_holds_a_safe_house(team, house):
    karim = client(team.karim)
    listing = karim.get(reverse("cases:compartments")).content.decode()
    rows = {
        compartment.name: row
        for compartment in (house, team.compartment)
        for row in listing.split("<tr>")
        if f">{compartment.name}</span>" in row
    }
    assert "One safe house&#x27;s address" in rows[house.name]
    assert "Case work" in rows[team.compartment.name]
    assert "safe house" not in rows[team.compartment.name]
    warning = "holds one safe house's address. Let in only the people who must know"
    page = karim.get(reverse("cases:compartment", kwargs={"compartment_id": house.pk}))
    assert warning in page.content.decode()
    work = karim.get(reverse("cases:compartment", kwargs={"compartment_id": team.compartment.pk}))
    assert warning not in work.content.decode()


def test_the_api_files_nothing_in_a_safe_house_compartment(team, house):
    api = api_client(team.karim)
    incident = {"compartment_id": house.pk, "title": "Raid", "date_start": "2026-11-02"}
    refused = api.post("/api/v1/incidents/", incident, content_type="application/json")
    assert refused.status_code == 404
    case = {
        "compartment_id": house.pk,
        "subject_kind": "group",
        "subject_name": "Colectivo",
        "summary": "Threats",
    }
    assert api.post("/api/v1/cases/", case, content_type="application/json").status_code == 404
    taken = api.post(
        "/api/v1/incidents/",
        {**incident, "compartment_id": team.compartment.pk},
        content_type="application/json",
    )
    assert taken.status_code == 201, taken.content


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_marks_the_safe_houses_made_before(team, house):
    from django.db.migrations.executor import MigrationExecutor

    MigrationExecutor(connection).migrate([("support", "0001_initial")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("cases", "0009_compartment_kind")])
    Compartment.objects.update(kind=CompartmentKind.WORK)  # as the new column is filled
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    kinds = dict(Compartment.objects.values_list("pk", "kind"))
    assert kinds[house.pk] == CompartmentKind.SAFE_HOUSE
    assert kinds[team.compartment.pk] == CompartmentKind.WORK
