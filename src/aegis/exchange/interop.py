"""For partners on older tools: the bundle's records as OpenEvSys XML (the HURIDOCS events
schema: event → act → involvement, person → biographic details) and as CSV, one row per act.
Both are made from the minimised records, so they never hold more than the profile allows;
`read_openevsys` takes the same XML back in as records."""

from __future__ import annotations

import csv
import io
from typing import Any
from xml.etree import ElementTree as ET

NAMESPACE = "http://www.huridocs.org/"
CSV_COLUMNS = (
    "event",
    "date_start",
    "date_end",
    "date_precision",
    "country",
    "region",
    "act",
    "violation",
    "victims",
    "perpetrators",
    "title",
)


# A file from before the precision column was added is read by day, as it was written.
CSV_REQUIRED = tuple(column for column in CSV_COLUMNS if column != "date_precision")


def _text(parent: ET.Element, tag: str, value: Any) -> None:
    if value not in (None, ""):
        ET.SubElement(parent, tag).text = str(value)


def openevsys_xml(records: dict[str, Any]) -> bytes:
    root = ET.Element("events", xmlns=NAMESPACE)
    victims = {v["id"]: v for v in records.get("victims", [])}
    for event in records.get("events", []):
        element = ET.SubElement(root, "event")
        _text(element, "event_record_number", event["id"])
        _text(element, "event_title", event.get("title"))
        _text(element, "initial_date", event["date"]["start"])
        _text(element, "final_date", event["date"]["end"])
        # Aegis's precision code (day, month, year, approximate): a month or a year is sent
        # as its first day, which is not the day it happened.
        _text(element, "date_precision", event["date"].get("precision"))
        _text(element, "geographical_term", event["place"].get("country"))
        _text(element, "local_geographical_area", event["place"].get("region"))
        _text(element, "event_description", event.get("description"))
        for act in event.get("acts", []):
            act_element = ET.SubElement(element, "act")
            _text(act_element, "act_record_number", act["id"])
            _text(act_element, "type_of_act", act["type"])
            for victim_id in act.get("victims", []):
                victim = victims.get(victim_id, {})
                _text(act_element, "victim", victim.get("person") or victim_id)
            for involvement in act.get("involvement", []):
                inv = ET.SubElement(act_element, "involvement")
                _text(inv, "perpetrator", involvement["perpetrator"])
                _text(inv, "degree_of_involvement", involvement["type"])
    for person in records.get("persons", []):
        element = ET.SubElement(root, "person")
        _text(element, "person_record_number", person["id"])
        details = ET.SubElement(element, "biographic_details")
        for name, value in person.get("biographic_details", {}).items():
            _text(details, name, value)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def records_csv(records: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in records.get("events", []):
        for act in event.get("acts", []) or [{}]:
            writer.writerow(
                [
                    event["id"],
                    event["date"]["start"],
                    event["date"]["end"] or "",
                    event["date"].get("precision") or "day",
                    event["place"].get("country", ""),
                    event["place"].get("region", ""),
                    act.get("id", ""),
                    act.get("type", ""),
                    " ".join(act.get("victims", [])),
                    " ".join(i["perpetrator"] for i in act.get("involvement", [])),
                    _safe_cell(event.get("title", "")),
                ]
            )
    return buffer.getvalue().encode()


def _safe_cell(value: str) -> str:
    """A spreadsheet runs a cell starting with = + - @ as a formula: not from a partner."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _find(element: Any, tag: str) -> str:
    found = element.find(f"{{{NAMESPACE}}}{tag}")
    return (found.text or "") if found is not None else ""


def read_openevsys(data: bytes) -> dict[str, Any]:
    """OpenEvSys XML as records (events with acts, persons with biographic details)."""
    # No DTD at all: entity expansion (billion laughs) is the one risk left in expat.
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise ValueError("an OpenEvSys file has no document type declaration")
    root = ET.fromstring(data)  # noqa: S314
    events, persons = [], []
    for event in root.iter(f"{{{NAMESPACE}}}event"):
        events.append(
            {
                "id": _find(event, "event_record_number"),
                "title": _find(event, "event_title"),
                "date": {
                    "start": _find(event, "initial_date"),
                    "end": _find(event, "final_date") or None,
                    "precision": _find(event, "date_precision") or "day",
                },
                "place": {
                    "country": _find(event, "geographical_term"),
                    "region": _find(event, "local_geographical_area"),
                },
                "acts": [
                    {"id": _find(act, "act_record_number"), "type": _find(act, "type_of_act")}
                    for act in event.iter(f"{{{NAMESPACE}}}act")
                ],
            }
        )
    for person in root.iter(f"{{{NAMESPACE}}}person"):
        details = person.find(f"{{{NAMESPACE}}}biographic_details")
        persons.append(
            {
                "id": _find(person, "person_record_number"),
                "biographic_details": {
                    child.tag.split("}")[-1]: child.text or ""
                    for child in (details if details is not None else [])
                },
            }
        )
    return {"events": events, "persons": persons}


class ShortRow(ValueError):
    """A CSV line with fewer cells than the header: `line` counted from 1, the header's."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line} has fewer cells than the header")
        self.line = line


def read_csv(data: bytes) -> dict[str, Any]:
    """The CSV `records_csv` writes, as records: one event per event id, one act per row."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    try:
        if set(CSV_REQUIRED) - set(reader.fieldnames or ()):
            raise ValueError("not the exchange CSV layout")
        rows = list(reader)
    except csv.Error as error:  # a cell past the csv module's limit, a stray NUL
        raise ValueError(f"not a readable CSV: {error}") from error
    events: dict[str, dict[str, Any]] = {}
    for line, row in enumerate(rows, start=2):
        if any(row[column] is None for column in CSV_REQUIRED):
            raise ShortRow(line)
        event = events.setdefault(
            row["event"],
            {
                "id": row["event"],
                "title": row["title"].removeprefix("'"),
                "date": {
                    "start": row["date_start"],
                    "end": row["date_end"] or None,
                    "precision": row.get("date_precision") or "day",
                },
                "place": {"country": row["country"], "region": row["region"]},
                "acts": [],
            },
        )
        if row["violation"]:
            event["acts"].append({"id": row["act"], "type": row["violation"]})
    return {"events": list(events.values()), "persons": []}
