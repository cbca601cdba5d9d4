"""OpenEvSys XML and CSV: made from the minimised records, read back as records."""

from __future__ import annotations

import pytest

from aegis.exchange import interop

from .bundles import RECORDS


def test_openevsys_xml_reads_back_as_the_same_events_and_people():
    xml = interop.openevsys_xml(RECORDS)
    assert xml.startswith(b"<?xml") and b'<events xmlns="http://www.huridocs.org/">' in xml
    back = interop.read_openevsys(xml)
    (event,) = back["events"]
    assert event["id"] == "E1" and event["date"]["start"] == "2026-03-04"
    assert event["acts"] == [{"id": "A1", "type": "death_threat"}]
    assert back["persons"][0]["biographic_details"]["pseudonym"] == "Guardian Rio"


def test_a_document_type_declaration_is_refused():
    with pytest.raises(ValueError):
        interop.read_openevsys(b'<!DOCTYPE x [<!ENTITY a "b">]><events/>')


def test_csv_has_one_row_per_act_and_no_formula():
    records = {**RECORDS, "events": [{**RECORDS["events"][0], "title": "=HYPERLINK(1)"}]}
    text = interop.records_csv(records).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("event,date_start") and len(lines) == 2
    assert "'=HYPERLINK" in lines[1]
