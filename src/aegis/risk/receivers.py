"""The risk app's answers to changes elsewhere: a case moving to another compartment takes
its assessments along (already encrypted under the case's key, which moved with it); a case
written moves between the level counts' cells (level_counts); an
incident recorded, changed or linked makes the current assessments of the cases and people
it concerns due for review; and any of these, or a person written, puts the kept findings out
of date (findings_snapshots): a case only when what they read of it changes."""

from __future__ import annotations

from typing import Any

from . import findings_snapshots
from .models import Assessment


def on_case_moved(sender: Any, *, case: Any, to_compartment: Any, **_: Any) -> None:
    Assessment.objects.filter(case=case).update(compartment=to_compartment)
    findings_snapshots.changed()


def on_findings_part_written(sender: Any, raw: bool = False, **_: Any) -> None:
    """A person written, or a person or an incident deleted: what findings are made of."""
    if not raw:
        findings_snapshots.changed()


# What the findings (patterns) read of a case, besides its links to incidents (written and
# noticed apart, on_incident_cases_changed): a save that changes none of these, such as a
# change of status or summary, leaves the kept findings as they were.
FINDINGS_PARTS = ("person_id", "subject_kind", "country", "region", "sector")


def on_case_saving(sender: Any, instance: Any, raw: bool = False, **_: Any) -> None:
    """Where the case counted before this save (see level_counts), and what the findings
    read of it, in one query."""
    from . import level_counts

    if not raw:
        instance._risk_stored = level_counts.stored_cell_and(instance.pk, FINDINGS_PARTS)


def on_case_saved(sender: Any, instance: Any, raw: bool = False, **_: Any) -> None:
    from . import level_counts

    if raw:
        return
    counted, parts = getattr(instance, "_risk_stored", (None, None))
    now_counted, now_parts = level_counts.stored_cell_and(instance.pk, FINDINGS_PARTS)
    level_counts.move(counted, now_counted)
    # A case just created is linked to no incident yet, so no finding reads it.
    if parts is not None and parts != now_parts:
        findings_snapshots.changed()


def on_case_deleted(sender: Any, instance: Any, **_: Any) -> None:
    from . import level_counts

    # A case with an assessment cannot be deleted (they protect it): it counted unassessed.
    level_counts.move(
        level_counts.cell(
            instance.compartment_id,
            instance.country,
            instance.region,
            instance.sector,
            instance.status,
            "",
        ),
        None,
    )
    findings_snapshots.changed()


def on_incident_part_saved(sender: Any, instance: Any, **_: Any) -> None:
    """An incident or one of its parts was written (the incident services touch the incident
    for every part, so every one of these counts as changing it)."""
    from aegis.incidents.models import Act, Incident

    from . import services

    if isinstance(instance, Incident):
        incident_ids = [instance.pk]
    elif getattr(instance, "incident_id", None) is not None:
        incident_ids = [instance.incident_id]
    else:  # a victim or a perpetrator's part in an act
        incident_ids = list(
            Act.objects.filter(pk=instance.act_id).values_list("incident_id", flat=True)
        )
    services.note_incidents_changed(incident_ids)
    findings_snapshots.changed()


def on_incident_cases_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **_: Any
) -> None:
    from . import services

    if action not in ("post_add", "post_remove", "post_clear"):
        return
    incident_ids = list(pk_set or ()) if reverse else [instance.pk]
    services.note_incidents_changed(incident_ids)
    findings_snapshots.changed()


def connect() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

    from aegis.cases.models import Case, Person
    from aegis.cases.signals import case_moved
    from aegis.incidents.models import Act, ActPerpetrator, Incident, Source, Victim

    case_moved.connect(on_case_moved, dispatch_uid="aegis.risk.case_moved")
    # A case opened, closed, reopened, moved or given another place or sector changes the
    # level counts (a case's writes go through save()).
    pre_save.connect(on_case_saving, sender=Case, dispatch_uid="aegis.risk.case_saving")
    post_save.connect(on_case_saved, sender=Case, dispatch_uid="aegis.risk.case_saved")
    post_delete.connect(on_case_deleted, sender=Case, dispatch_uid="aegis.risk.case_deleted")
    for model in (Incident, Act, Victim, ActPerpetrator, Source):
        uid = f"aegis.risk.incident_changed.{model.__name__}"
        post_save.connect(on_incident_part_saved, sender=model, dispatch_uid=uid)
        if model is not Incident:
            post_delete.connect(on_incident_part_saved, sender=model, dispatch_uid=f"{uid}.gone")
    for gone in (Person, Incident):
        uid = f"aegis.risk.findings_part.{gone.__name__}.gone"
        post_delete.connect(on_findings_part_written, sender=gone, dispatch_uid=uid)
    post_save.connect(on_findings_part_written, sender=Person, dispatch_uid="aegis.risk.person")
    m2m_changed.connect(
        on_incident_cases_changed,
        sender=Incident.cases.through,
        dispatch_uid="aegis.risk.incident_cases",
    )
