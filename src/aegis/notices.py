"""Lines other apps add to a record's page. Alerts build on incidents and risk, so the
incident and assessment pages cannot ask the alerts app what a change of theirs set off;
they send this signal instead and show whatever the receivers answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

# Sent by a record's page with the record's model as sender: kwargs record and user (the
# reader). Each receiver answers with a list of Notice, only ones this reader may see.
record_shown = Signal()


@dataclass(frozen=True)
class Notice:
    text: str
    url: str = ""


def notices_for(record: Any, user: Any) -> list[Notice]:
    found: list[Notice] = []
    for _receiver, answer in record_shown.send(type(record), record=record, user=user):
        found.extend(n for n in answer or [] if isinstance(n, Notice))
    return found


@dataclass(frozen=True)
class WorkItem:
    """One line of the work queue (aegis.work_queue): what needs doing, where, how urgent.
    Each area's `queue.items(user)` answers with these, only what this user may see."""

    text: str
    url: str
    urgent: bool = False
    more: bool = False  # the count in the text stopped at a cap: there are more
