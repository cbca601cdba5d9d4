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
