"""OpenEvSys XML and CSV: made from the minimised records, read back as records."""

from __future__ import annotations

import pytest

from aegis.exchange import interop

from .bundles import RECORDS


@pytest.mark.engine_independent
def test_openevsys_xml_reads_back_as_the_same_events_and_people():
    xml = interop.openevsys_xml(RECORDS)
    assert xml.startswith(b"<?xml") and b'<events xmlns="http://www.huridocs.org/">' in xml
    back = interop.read_openevsys(xml)
    (event,) = back["events"]
    assert event["id"] == "E1" and event["date"]["start"] == "2026-03-04"
    assert event["acts"] == [{"id": "A1", "type": "death_threat"}]
    assert back["persons"][0]["biographic_details"]["pseudonym"] == "Guardian Rio"


@pytest.mark.engine_independent
def test_a_document_type_declaration_is_refused():
    with pytest.raises(ValueError):
        interop.read_openevsys(b'<!DOCTYPE x [<!ENTITY a "b">]><events/>')


@pytest.mark.engine_independent
def test_csv_has_one_row_per_act_and_no_formula():
    records = {**RECORDS, "events": [{**RECORDS["events"][0], "title": "=HYPERLINK(1)"}]}
    text = interop.records_csv(records).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("event,date_start") and len(lines) == 2
    assert "'=HYPERLINK" in lines[1]


@pytest.mark.parametrize("file_format", ["openevsys", "csv"])
def test_files_from_older_tools_land_in_quarantine_once(desk, partner, file_format):
    from aegis.exchange import services
    from aegis.exchange.models import QuarantineItem
    from aegis.rules import RuleError

    make = interop.openevsys_xml if file_format == "openevsys" else interop.records_csv
    data = make(RECORDS)
    received = services.import_legacy(
        data, file_format, partner=partner, compartment=desk.compartment, actor_id=None
    )
    kinds = sorted(received.items.values_list("kind", flat=True))
    assert kinds == (["event", "person"] if file_format == "openevsys" else ["event"])
    with pytest.raises(RuleError, match="already received"):
        services.import_legacy(
            data, file_format, partner=partner, compartment=desk.compartment, actor_id=None
        )
    with pytest.raises(RuleError, match="not OpenEvSys XML"):
        services.import_legacy(
            b"<<<", file_format, partner=partner, compartment=desk.compartment, actor_id=None
        )
    assert QuarantineItem.objects.count() == len(kinds)


def test_an_imported_openevsys_event_is_created_after_review(desk, partner):
    from aegis.exchange import review, services
    from aegis.exchange.models import QuarantineItem
    from aegis.incidents.models import Incident
    from aegis.vault.keychain import unlocked

    services.import_legacy(
        interop.openevsys_xml(RECORDS),
        "openevsys",
        partner=partner,
        compartment=desk.compartment,
        actor_id=None,
    )
    with unlocked(desk.lucia.keychain()):
        item = QuarantineItem.objects.get(kind="event")
        review.decide(item, "created", actor=desk.lucia.user)
        created = Incident.objects.get(reference=QuarantineItem.objects.get(pk=item.pk).target)
        assert created.title == "Raid on the office"


@pytest.mark.engine_independent
@pytest.mark.parametrize("file_format", ["openevsys", "csv"])
def test_a_month_is_read_back_as_a_month_not_as_its_first_day(file_format):
    """An incident known to its month (or one whose days the sender could not open) is sent
    as the month's first day: the file says so, and reading it back keeps the month."""
    date = {"start": "2026-03-01", "end": None, "precision": "month"}
    records = {**RECORDS, "events": [{**RECORDS["events"][0], "date": date}]}
    if file_format == "openevsys":
        back = interop.read_openevsys(interop.openevsys_xml(records))
    else:
        back = interop.read_csv(interop.records_csv(records))
    assert back["events"][0]["date"] == date


@pytest.mark.engine_independent
def test_a_csv_from_before_the_precision_column_is_read_by_day():
    text = interop.records_csv(RECORDS).decode().splitlines()
    header = text[0].split(",")
    at = header.index("date_precision")
    older = "\n".join(
        ",".join(cell for i, cell in enumerate(line.split(",")) if i != at) for line in text
    )
    (event,) = interop.read_csv(older.encode())["events"]
    assert event["date"] == {"start": "2026-03-04", "end": None, "precision": "day"}


@pytest.mark.parametrize(
    ("data", "file_format", "said"),
    [
        # A row shorter than the header had been a 500 (None where a cell was read).
        (b"event,date_start\nE1,2026-12-04\n", "csv", "not OpenEvSys XML or the exchange CSV"),
        (None, "csv", "Line 3 of the CSV file has fewer cells than its header."),
        # A cell past the csv module's limit had been a 500 too.
        (None, "csv-big", "not OpenEvSys XML or the exchange CSV"),
        # Files that parse and hold nothing had been taken as bundles that held no records.
        (b"<foo/>", "openevsys", "holds no events and no people"),
        (None, "csv-header", "holds no events and no people"),
    ],
)
def test_a_broken_or_empty_file_from_an_older_tool_is_refused_in_words(
    desk, partner, data, file_format, said
):
    from aegis.exchange import services
    from aegis.exchange.models import QuarantineItem, Received
    from aegis.rules import RuleError

    lines = interop.records_csv(RECORDS).decode().splitlines()
    if file_format == "csv" and data is None:
        data = "\n".join([*lines, "E2,2026-12-04"]).encode()
    if file_format == "csv-big":
        data = "\n".join([*lines, "E2," + "x" * 200_000]).encode()
    if file_format == "csv-header":
        data = (lines[0] + "\n").encode()
    with pytest.raises(RuleError) as refused:
        services.import_legacy(
            data,
            "openevsys" if file_format == "openevsys" else "csv",
            partner=partner,
            compartment=desk.compartment,
            actor_id=None,
        )
    assert said in str(refused.value.message)
    assert not Received.objects.exists() and not QuarantineItem.objects.exists()
