"""Chain each item's custody events under the audit key (evidence/custody.py).

Existing events are numbered in the order the custody log showed them (time, then id) and
chained as the database holds them at the upgrade, as the audit log's re-keying did: a change
made before it cannot be told from the record. Each is linked to its audit entry, matching an
item's events and its `custody.*` entries from the newest back; an event older than the
entries the audit log still keeps (retention) is left unlinked."""

import hashlib
from collections import defaultdict

from django.db import migrations, models

GENESIS = "0" * 64


# The columns the MAC covers, read as stored: the reason as its ciphertext (reading it from
# a model instance would decrypt it, and a migration holds no case key).
COLUMNS = ("pk", "item_id", "data_key_id", "action", "actor_id", "at", "reason")


def _fields(row, audit_seq):
    _pk, item_id, data_key_id, action, actor_id, at, reason = row
    return (
        str(item_id),
        str(data_key_id),
        action,
        actor_id,
        at.isoformat(),
        None if reason is None else hashlib.blake2b(bytes(reason)).hexdigest(),
        audit_seq,
    )


def chain(apps, schema_editor):
    from aegis.audit.chain import KeyedChain

    Event = apps.get_model("evidence", "CustodyEvent")
    Entry = apps.get_model("audit", "AuditEntry")
    if not Event.objects.exists():
        return
    recorded = defaultdict(list)
    entries = Entry.objects.filter(
        action__startswith="custody.", object_type__in=["evidence", "evidence.integrity-failure"]
    )
    for object_id, seq in entries.order_by("seq").values_list("object_id", "seq").iterator(
        chunk_size=2000
    ):
        recorded[object_id].append(seq)
    custody = KeyedChain("custody")
    item_ids = Event.objects.order_by().values_list("item_id", flat=True).distinct()
    for item_id in list(item_ids):
        events = list(
            Event.objects.filter(item_id=item_id).order_by("at", "id").values_list(*COLUMNS)
        )
        seqs = recorded.get(str(item_id), [])
        linked = [None] * max(len(events) - len(seqs), 0) + seqs[-len(events) :]
        prev = GENESIS
        for number, (event, audit_seq) in enumerate(zip(events, linked, strict=True), 1):
            mac = custody.mac(number, _fields(event, audit_seq), prev)
            Event.objects.filter(pk=event[0]).update(
                seq=number, audit_seq=audit_seq, prev_mac=prev, mac=mac
            )
            prev = mac


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("evidence", "0003_pad_names_and_contacts"),
    ]

    operations = [
        migrations.AddField(
            model_name="custodyevent",
            name="seq",
            field=models.PositiveIntegerField(
                default=0, help_text="The event's number in its item's custody log."
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="custodyevent",
            name="audit_seq",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="custodyevent",
            name="prev_mac",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="custodyevent",
            name="mac",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="custodyevent",
            constraint=models.UniqueConstraint(
                fields=("item", "seq"), name="evidence_custody_one_per_seq"
            ),
        ),
    ]
