"""Who may see and act on alerts: responders reach only alerts of their compartments or
addressed to them; anyone else's alert answers like a missing one (views and API)."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from aegis.alerts import services
from aegis.alerts.models import Alert
from aegis.alerts.vocabulary import AlertKind, AlertStatus
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import api_client, comparable, sign_in

pytestmark = pytest.mark.django_db


def test_an_outsider_responder_gets_the_same_404_as_for_a_missing_alert(team):
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    outsider = sign_in(Client(), team.ola)
    url = reverse("alerts:detail", kwargs={"alert_id": alert.pk})
    missing = reverse("alerts:detail", kwargs={"alert_id": alert.pk + 1000})
    assert comparable(outsider.get(url), url) == comparable(outsider.get(missing), missing)
    assert outsider.get(url).status_code == 404
    resolve = reverse("alerts:resolve", kwargs={"alert_id": alert.pk})
    assert outsider.post(resolve, {"outcome": "x"}).status_code == 404
    assert f"#{alert.pk}" not in outsider.get(reverse("alerts:console")).content.decode()
    assert sign_in(Client(), team.thandi).get(url).status_code == 200


def test_the_api_lists_only_alerts_in_reach(team):
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    assert api_client(team.ola).get("/api/v1/alerts/open").json() == []
    [row] = api_client(team.thandi).get("/api/v1/alerts/open").json()
    assert row["id"] == alert.pk and row["level"] == 1 and row["status"] == "open"


def test_an_alert_delivered_to_a_responder_elsewhere_is_in_their_reach_once(team):
    """In reach: the alerts of one's compartments and those delivered to one, each once."""
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    delivery = alert.deliveries.filter(recipient_user=team.thandi.user).first()
    assert delivery is not None  # a member who is also addressed
    for responder in (team.thandi, team.ola):
        api = api_client(responder)
        if responder is team.ola:  # the delivery now goes to a responder of another compartment
            type(delivery).objects.filter(pk=delivery.pk).update(recipient_user=team.ola.user)
        assert [row["id"] for row in api.get("/api/v1/alerts/open").json()] == [alert.pk]
        history = api.get("/api/v1/alerts/history").json()
        assert [row["id"] for row in history["items"]] == [alert.pk] and history["count"] == 1
        detail = reverse("alerts:detail", kwargs={"alert_id": alert.pk})
        assert sign_in(Client(), responder).get(detail).status_code == 200


def test_a_defender_raises_a_panic_through_the_api(team):
    response = api_client(team.rosa).post("/api/v1/alerts/panic")
    assert response.status_code == 201 and response.json() == {"received": True}
    assert Alert.objects.get().person == team.person


def test_a_defender_with_no_linked_file_cannot_raise_a_panic(make_person):
    tomas = make_person(Role.DEFENDER)
    assert api_client(tomas).post("/api/v1/alerts/panic").status_code == 404
    page = sign_in(Client(), tomas).get(reverse("alerts:panic"))
    assert "not linked" in page.content.decode()
    assert (
        sign_in(Client(), make_person(Role.DEFENDER)).post(reverse("alerts:panic")).status_code
        == 404
    )
    assert not Alert.objects.exists()


def test_other_roles_are_refused(team, make_person):
    analyst = sign_in(Client(), make_person(Role.ANALYST))
    assert analyst.get(reverse("alerts:console")).status_code == 403
    assert sign_in(Client(), team.thandi).get(reverse("alerts:panic")).status_code == 403
    url = reverse("alerts:manual", kwargs={"person_id": team.person.pk})
    assert sign_in(Client(), team.thandi).post(url).status_code == 403
    assert api_client(team.thandi).post("/api/v1/alerts/panic").status_code == 403
    assert not Alert.objects.exists()


def test_a_caseworker_outside_the_compartment_cannot_raise_an_alert_there(team, make_person):
    pedro = make_person(Role.CASEWORKER)
    client = sign_in(Client(), pedro)
    url = reverse("alerts:manual", kwargs={"person_id": team.person.pk})
    missing = reverse("alerts:manual", kwargs={"person_id": team.person.pk + 1000})
    assert comparable(client.post(url), url) == comparable(client.post(missing), missing)
    assert not Alert.objects.exists()


def test_a_tampered_or_foreign_token_is_refused_in_plain_words(team):
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    from aegis.alerts.delivery import ack_token

    token = ack_token(alert.deliveries.first())
    client = Client()
    for bad in (token[:-2] + "xx", "nonsense", f"{token}a"):
        response = client.post(reverse("alerts:ack", kwargs={"token": bad}))
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_a_member_resolves_with_an_outcome(team):
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    client = sign_in(Client(), team.thandi)
    url = reverse("alerts:resolve", kwargs={"alert_id": alert.pk})
    empty = client.post(url, {"outcome": "  "})
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()
    response = client.post(url, {"outcome": "Released after the lawyer arrived."})
    assert response.status_code == 302
    alert = Alert.objects.get(pk=alert.pk)
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by == team.thandi.user
    with unlocked(team.thandi.keychain()):
        assert alert.outcome == "Released after the lawyer arrived."
    assert not alert.deliveries.filter(state="queued").exists()
    detail = client.get(reverse("alerts:detail", kwargs={"alert_id": alert.pk}))
    assert "Released after the lawyer arrived." in detail.content.decode()
    assert f"#{alert.pk}" not in client.get(reverse("alerts:console")).content.decode()


def test_a_second_responder_is_told_the_alert_was_resolved_first(team):
    """Two responders resolve at the same time: the second is taken to the alert's page and
    told that it is resolved and their outcome not saved (a bare 400 had said nothing), and
    nobody acknowledges a resolved alert."""
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    first, second = sign_in(Client(), team.thandi), sign_in(Client(), team.karim)
    url = reverse("alerts:resolve", kwargs={"alert_id": alert.pk})
    assert first.post(url, {"outcome": "Released."}).status_code == 302
    late = second.post(url, {"outcome": "She is safe at her sister's."})
    page = html.unescape(late.content.decode())
    assert late.status_code == 409
    assert "This alert is already resolved; the outcome you wrote is not saved." in page
    # What they wrote waits in the note form (a redirect had thrown it away).
    note_form = page[page.index('action="/alerts/') :]
    assert "She is safe at her sister's.</textarea>" in note_form
    acked = second.post(reverse("alerts:acknowledge", kwargs={"alert_id": alert.pk}), follow=True)
    assert "This alert is already resolved: there is nothing to acknowledge." in (
        acked.content.decode()
    )
    assert not alert.acknowledgements.exists()
    with unlocked(team.thandi.keychain()):
        assert Alert.objects.get(pk=alert.pk).outcome == "Released."


def test_a_responder_member_holds_the_keys_of_its_alerts_and_none_of_its_case_files(
    team, make_person
):
    from aegis.cases import services as cases
    from aegis.cases.models import Case

    alert = services.raise_alert(team.person, AlertKind.PANIC)
    case = Case.objects.get(person=team.person)
    late = make_person(Role.RESPONDER)
    with unlocked(team.karim.keychain()):
        cases.add_member(team.compartment, late.user, actor_id=team.karim.user.pk)
    for responder in (team.thandi, late):
        chain = responder.keychain()
        assert chain.holds(alert.data_key_id)
        assert not chain.holds(team.person.data_key_id)
        assert not chain.holds(case.data_key_id)
    # A caseworker of the compartment holds all of them.
    assert team.lucia.keychain().holds(case.data_key_id)
