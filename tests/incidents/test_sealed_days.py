"""An incident's exact days are ciphertext at rest; the analytic projection keeps the month
(DESIGN.md, "Data protection model"). Whoever opens the record reads the days; whoever
cannot (an analyst, another compartment, a disk) sees the month."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from aegis.incidents import selectors, services
from aegis.incidents.models import Incident
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked
from aegis.vault.selectors import open_records
from tests.conftest import sign_in
from tests.seizure import find

START = datetime.date(1987, 11, 23)
END = datetime.date(1987, 12, 2)


@pytest.mark.django_db(transaction=True)
def test_the_days_never_reach_the_disk_in_clear_and_the_month_does(team):
    incident = team.record(date_start=START, date_end=END, country="CO", region="CO-ANT")
    with unlocked(team.worker.keychain()):
        services.update_incident(
            incident,
            actor_id=team.worker.user.pk,
            reason="The report gave the wrong day",
            date_start=START + datetime.timedelta(days=1),
        )
    row = Incident.objects.values("month_start", "month_end").get(pk=incident.pk)
    assert row == {
        "month_start": datetime.date(1987, 11, 1),
        "month_end": datetime.date(1987, 12, 1),
    }
    # Not the days, as ISO text (SQLite) nor in any other form a row holds them.
    days = [START, START + datetime.timedelta(days=1), END]
    assert find([d.isoformat().encode() for d in days]) == []
    assert find([b"1987-11-01"]) != []  # the month is there, so the scan sees dates


@pytest.mark.django_db
def test_the_team_reads_the_days_and_corrects_them(team):
    incident = team.record(date_start=START, date_end=END, date_precision="approximate")
    with unlocked(team.worker.keychain()):
        found = Incident.objects.get(pk=incident.pk)
        assert (found.date_start, found.date_end) == (START, END)
        assert found.days_open and found.shown_precision == "approximate"
        services.update_incident(
            found, actor_id=team.worker.user.pk, reason="Ended later", date_end=None
        )
        again = Incident.objects.get(pk=incident.pk)
        assert (again.date_start, again.date_end, again.month_end) == (START, None, None)
    page = sign_in(Client(), team.worker).get(
        reverse("incidents:detail", kwargs={"incident_ref": incident.reference})
    )
    assert "around 23 November 1987" in page.content.decode()


@pytest.mark.django_db
def test_a_reader_who_cannot_open_the_record_sees_the_month(team, outsider):
    incident = team.record(date_start=START, date_end=END, country="CO")
    with unlocked(outsider.keychain()):
        found = Incident.objects.get(pk=incident.pk)
        assert (found.date_start, found.date_end) == (
            datetime.date(1987, 11, 1),
            datetime.date(1987, 12, 1),
        )
        assert not found.days_open and found.shown_precision == "month"
    # A page's keychain opens nothing by itself: a record it did not open shows its month.
    explicit = Keychain(private_keys=dict(team.worker.keychain().private_keys), explicit=True)
    with unlocked(explicit):
        found = Incident.objects.get(pk=incident.pk)
        assert not found.days_open and found.date_start == datetime.date(1987, 11, 1)
        open_records([found])
        assert found.days_open and found.date_start == START


@pytest.mark.django_db
def test_a_row_from_before_the_days_were_sealed_keeps_them_until_corrected(team):
    incident = team.record(date_start=START)
    # As rows made before the days were sealed stand: the day in the column, nothing sealed.
    Incident.objects.filter(pk=incident.pk).update(month_start=START, days=None)
    with unlocked(team.worker.keychain()):
        old = Incident.objects.get(pk=incident.pk)
        assert old.date_start == START and old.days_open
        services.update_incident(old, actor_id=team.worker.user.pk, reason="Title", title="New")
    assert Incident.objects.values_list("month_start", flat=True).get(pk=incident.pk) == (
        datetime.date(1987, 11, 1)
    )
    with unlocked(team.worker.keychain()):
        assert Incident.objects.get(pk=incident.pk).date_start == START


@pytest.mark.django_db(transaction=True)  # the wipe compacts the database
def test_the_wipe_keeps_only_the_months_of_the_rows_from_before(team):
    """No key seals the days of a row from before after the wipe: only its months stay."""
    incident = team.record(date_start=START)
    Incident.objects.filter(pk=incident.pk).update(month_start=START, month_end=END, days=None)
    assert find([START.isoformat().encode(), END.isoformat().encode()]) != []
    counts = vault.wipe()
    assert counts["incident_days"] == 1
    row = Incident.objects.values("month_start", "month_end", "date_precision").get(pk=incident.pk)
    assert row == {
        "month_start": datetime.date(1987, 11, 1),
        "month_end": datetime.date(1987, 12, 1),
        "date_precision": "month",  # its first is no day of it
    }
    assert find([START.isoformat().encode(), END.isoformat().encode()]) == []


@pytest.mark.django_db
def test_the_list_sorts_by_month_then_newest_record_and_shows_the_days_to_the_team(team):
    earlier = team.record(date_start=datetime.date(2024, 2, 27), title="Earlier")
    late_in_march = team.record(date_start=datetime.date(2024, 3, 28), title="Late")
    early_in_march = team.record(date_start=datetime.date(2024, 3, 2), title="Early")
    with unlocked(team.worker.keychain()):
        page = selectors.incidents_page(team.worker.user)
        shown = [i.pk for i in page.object_list]
    # Within a month the order is the records' (the days are sealed, and not sorted on).
    assert shown == [early_in_march.pk, late_in_march.pk, earlier.pk]
    listed = sign_in(Client(), team.worker).get(reverse("incidents:list")).content.decode()
    assert "28 March 2024" in listed and "2 March 2024" in listed


@pytest.mark.django_db
def test_a_row_from_before_is_sealed_when_a_member_opens_its_page(team, outsider):
    incident = team.record(date_start=START, date_end=END)
    Incident.objects.filter(pk=incident.pk).update(month_start=START, month_end=END, days=None)
    stamp = Incident.objects.values_list("updated_at", flat=True).get(pk=incident.pk)
    url = reverse("incidents:detail", kwargs={"incident_ref": incident.reference})
    assert sign_in(Client(), outsider).get(url).status_code == 404  # no key: nothing changes
    assert Incident.objects.filter(pk=incident.pk, days=None).exists()
    page = sign_in(Client(), team.worker).get(url).content.decode()
    assert "23 November 1987" in page and "2 December 1987" in page
    row = Incident.objects.values("month_start", "month_end", "updated_at").get(pk=incident.pk)
    assert row == {
        "month_start": datetime.date(1987, 11, 1),
        "month_end": datetime.date(1987, 12, 1),
        "updated_at": stamp,
    }
    with unlocked(team.worker.keychain()):
        assert Incident.objects.get(pk=incident.pk).date_end == END


@pytest.mark.django_db
def test_the_case_page_shows_its_incidents_days_newest_first(team):
    """The case page opens its incidents, so it shows their days and sorts by them: within a
    month, the later day first, whichever was recorded first."""
    from django.utils import formats

    late = team.record(date_start=datetime.date(2024, 3, 28), title="Late", cases=[team.case])
    early = team.record(date_start=datetime.date(2024, 3, 2), title="Early", cases=[team.case])
    page = sign_in(Client(), team.worker).get(
        reverse("cases:detail", kwargs={"reference": team.case.reference})
    )
    shown = page.content.decode()
    for day in (datetime.date(2024, 3, 28), datetime.date(2024, 3, 2)):
        assert formats.date_format(day, "SHORT_DATE_FORMAT") in shown
    assert shown.index(late.reference) < shown.index(early.reference)


@pytest.mark.django_db(transaction=True)
def test_a_member_seals_the_days_of_the_rows_from_before(
    team, outsider, make_compartment, tmp_path
):
    """Rows made before the days were sealed keep them in the month columns; a member's keys
    seal those of their compartments, and the others wait for a member of theirs."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    ours = team.record(date_start=START, date_end=END)
    with unlocked(outsider.keychain()):
        theirs = services.create_incident(
            make_compartment(outsider), actor_id=None, title="Elsewhere", date_start=START
        )
    # As rows made before the days were sealed stand: the days in the columns, nothing sealed.
    Incident.objects.filter(pk=ours.pk).update(month_start=START, month_end=END, days=None)
    Incident.objects.filter(pk=theirs.pk).update(month_start=START, days=None)
    password = tmp_path / "password"
    password.write_text(team.worker.password)

    def seal() -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command(
            "incidents",
            "seal-days",
            "--username",
            team.worker.user.username,
            "--password-file",
            str(password),
            stdout=out,
            stderr=err,
        )
        return out.getvalue(), err.getvalue()

    out, err = seal()
    assert "Sealed the days of 1 incident." in out
    assert "1 incident was left as it was" in err
    with unlocked(team.worker.keychain()):
        sealed = Incident.objects.get(pk=ours.pk)
        assert (sealed.date_start, sealed.date_end, sealed.month_start, sealed.month_end) == (
            START,
            END,
            datetime.date(1987, 11, 1),
            datetime.date(1987, 12, 1),
        )
    assert Incident.objects.values_list("month_start", flat=True).get(pk=theirs.pk) == START
    assert find([END.isoformat().encode()]) == []  # only the row left holds a day
    password.write_text("not the password")
    with pytest.raises(CommandError, match="Refused"):
        seal()
