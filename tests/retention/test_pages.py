"""The retention pages: the admin saves periods (bad input refused, nothing written); a
coordinator sees what expires soon on the work queue and the page, places a hold on a case
they may see (not on one they may not) and lifts it, each with a reason."""

from __future__ import annotations

import pytest
from django.test import Client

from aegis import clock
from aegis.audit.models import AuditEntry
from aegis.intake.models import Submission
from aegis.retention import selectors
from aegis.retention.models import LegalHold
from aegis.roles import Role
from aegis.work_queue import items_for
from tests.conftest import sign_in
from tests.retention.conftest import later

pytestmark = pytest.mark.django_db


def test_the_admin_sets_periods_and_keep_forever(make_person):
    admin = make_person(Role.ADMIN)
    client = sign_in(Client(), admin)
    page = client.get("/retention/settings/")
    assert page.status_code == 200
    assert "Scheduled backups are off" in page.content.decode()
    for class_label in ("Evidence of closed cases", "Audit log entries", "Ended sign-in sessions"):
        assert class_label in page.content.decode()
    chosen = {"reports": "90", "closed_cases": "", "evidence": "", "alerts": "30"}
    done = client.post("/retention/settings/", {**chosen, "audit": "2000", "sessions": "2"})
    assert done.status_code == 302
    saved = {"reports": 90, "closed_cases": None, "evidence": None, "alerts": 30}
    assert selectors.periods() == {**saved, "audit": 2000, "sessions": 2}
    for bad in (
        {"reports": "0", "closed_cases": "abc"},
        {"audit": "30", "sessions": "1"},  # below the audit log's floor
        {"sessions": ""},  # not kept forever
        {"closed_cases": "400", "evidence": "300", "sessions": "1"},  # evidence outlasts cases
    ):
        refused = client.post("/retention/settings/", bad)
        assert refused.status_code == 200
        assert 'aria-invalid="true"' in refused.content.decode()
    assert selectors.periods() == {**saved, "audit": 2000, "sessions": 2}


def test_reminders_on_the_work_queue_and_the_page(team, closed_case, report, make_person):
    lucia, karim, _compartment = team
    case = closed_case()
    report()
    outsider = make_person(Role.COORDINATOR)
    with clock.frozen(later(5 * 365 - 10)):
        [item] = [i for i in items_for(karim.user) if "expire" in i.text]
        assert item.url == "/retention/"
        assert "2 records" in item.text  # the case and the (long expired) report
        assert not [i for i in items_for(outsider.user) if "expire" in i.text]
        assert not [i for i in items_for(lucia.user) if "expire" in i.text]  # caseworker
        assert "legal hold" not in item.text  # a hold is for cases only
        page = sign_in(Client(), karim).get("/retention/").content.decode()
    assert case.reference in page and "Place a hold" in page
    # The report links to its page, where it can be taken up (a hold cannot keep it).
    submission = Submission.objects.get()
    assert f'href="/triage/{submission.pk}/"' in page and "To keep it, take it up" in page


def test_the_reminder_count_is_counted_in_sql_and_stops_at_the_cap(
    team, closed_case, report, monkeypatch
):
    _lucia, karim, _compartment = team
    for _ in range(3):
        closed_case()
    report()
    with clock.frozen(later(5 * 365 - 10)):
        assert selectors.expiring_count(karim.user) == (4, False)
        assert len(selectors.expiring_for(karim.user)) == 4
        monkeypatch.setattr(selectors, "COUNT_CAP", 2)
        monkeypatch.setattr("aegis.paging.COUNT_CAP", 2)
        assert selectors.expiring_count(karim.user) == (2, True)
        [item] = [i for i in items_for(karim.user) if "expire" in i.text]
        assert item.more


def test_place_and_lift_a_hold_through_the_pages(team, closed_case, make_person):
    _lucia, karim, _compartment = team
    case = closed_case()
    client = sign_in(Client(), karim)
    form = client.get(f"/retention/holds/new/?case={case.reference}")
    assert case.reference in form.content.decode()
    missing = client.post("/retention/holds/new/", {"case": case.reference, "reason": ""})
    assert missing.status_code == 200 and not LegalHold.objects.exists()
    # A reference typed in lower case names the same case (it had been "No case…").
    done = client.post(
        "/retention/holds/new/", {"case": case.reference.lower(), "reason": "Court order 7/2026"}
    )
    assert done.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.placed_by_id == karim.user.pk
    # The case page says the hold stands (it had said nothing of it).
    shown = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Under a legal hold since" in shown and "Court order 7/2026" not in shown
    listing = client.get("/retention/holds/").content.decode()
    assert "Court order 7/2026" in listing and "Lift the hold" in listing
    lifted = client.post(f"/retention/holds/{hold.pk}/lift/", {"lift_reason": "Order ended"})
    assert lifted.status_code == 302
    lifted_at, lifted_by = LegalHold.objects.values_list("lifted_at", "lifted_by").get()
    assert lifted_at is not None and lifted_by == karim.user.pk
    assert "Under a legal hold" not in client.get(f"/cases/{case.reference}/").content.decode()
    again = client.post(f"/retention/holds/{hold.pk}/lift/", {"lift_reason": "again"})
    assert again.status_code == 200 and "lifted already" in again.content.decode()
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("legal_hold.place") == 1 and actions.count("legal_hold.lift") == 1


def test_a_coordinator_cannot_hold_or_see_a_case_outside_their_compartments(
    team, closed_case, make_person
):
    case = closed_case()
    outsider = make_person(Role.COORDINATOR)
    client = sign_in(Client(), outsider)
    refused = client.post("/retention/holds/new/", {"case": case.reference, "reason": "x"})
    assert refused.status_code == 200
    assert "No case with this reference" in refused.content.decode()
    assert not LegalHold.objects.exists()


def test_empty_states(team):
    _lucia, karim, _compartment = team
    client = sign_in(Client(), karim)
    assert "Nothing you may see expires soon" in client.get("/retention/").content.decode()
    assert "No case is under a legal hold" in client.get("/retention/holds/").content.decode()
    assert client.get("/retention/holds/999/lift/").status_code == 404
