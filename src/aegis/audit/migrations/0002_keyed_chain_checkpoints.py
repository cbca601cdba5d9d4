"""Re-key the audit log: the plain SHA-256 chain becomes a MAC chain under AEGIS_AUDIT_KEY.

The old chain is verified first, so that re-keying cannot launder an earlier rewrite: if it
does not verify, the migration stops and says where, unless AEGIS_AUDIT_REKEY_BROKEN=1 is set,
and then the break is written into the log itself. Either way the log ends with an
`audit.rekey` entry naming how many entries were re-keyed."""

import hashlib
import os

from django.db import migrations, models
from django.utils import timezone

GENESIS = "0" * 64


def _legacy_hash(entry):
    parts = [
        str(entry.seq),
        entry.at.isoformat(),
        "" if entry.actor_id is None else str(entry.actor_id),
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.prev_hash,
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _legacy_break(entries, head):
    expected, prev = 1, GENESIS
    for entry in entries:
        if entry.seq != expected or entry.prev_hash != prev or _legacy_hash(entry) != entry.entry_hash:
            return expected if entry.seq != expected else entry.seq
        prev, expected = entry.entry_hash, expected + 1
    if head is not None and (head.seq, head.entry_hash) != (expected - 1, prev):
        return expected
    return None


def _fields(entry):
    return (entry.at.isoformat(), entry.actor_id, entry.action, entry.object_type, entry.object_id)


def rekey(apps, schema_editor):
    from aegis.audit.chain import KeyedChain

    Entry = apps.get_model("audit", "AuditEntry")
    Head = apps.get_model("audit", "AuditHead")
    entries = Entry.objects.order_by("seq")
    if not entries.exists():
        return
    head = Head.objects.filter(pk=1).first()
    broken = _legacy_break(entries.iterator(chunk_size=2000), head)
    if broken is not None and os.environ.get("AEGIS_AUDIT_REKEY_BROKEN") != "1":
        raise RuntimeError(
            f"The audit log does not verify at entry {broken} (it was altered before this "
            "upgrade), so it was not re-keyed. Keep a copy of the database as evidence; to "
            "re-key anyway and record the break in the log, run the migration again with "
            "AEGIS_AUDIT_REKEY_BROKEN=1."
        )
    chain = KeyedChain("audit")
    prev, count = GENESIS, 0
    for entry in entries.iterator(chunk_size=2000):
        mac = chain.mac(entry.seq, _fields(entry), prev)
        Entry.objects.filter(pk=entry.pk).update(prev_hash=prev, entry_hash=mac)
        prev, count, last = mac, count + 1, entry.seq
    note = f"re-keyed {count}" + ("" if broken is None else f", old chain broken at {broken}")
    entry = Entry(
        seq=last + 1,
        at=timezone.now(),
        actor_id=None,
        action="audit.rekey",
        object_type="audit",
        object_id=note[:64],
        prev_hash=prev,
    )
    entry.entry_hash = chain.mac(entry.seq, _fields(entry), prev)
    entry.save()
    Head.objects.update_or_create(pk=1, defaults={"seq": entry.seq, "entry_hash": entry.entry_hash})


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('chain', models.CharField(default='audit', max_length=32)),
                ('seq', models.PositiveBigIntegerField()),
                ('mac', models.CharField(max_length=64)),
                ('at', models.DateTimeField()),
                ('statement', models.TextField()),
                ('signature', models.TextField()),
            ],
            options={
                'ordering': ['-at', '-seq'],
                'indexes': [models.Index(fields=['chain', '-at'], name='audit_audit_chain_85db6d_idx')],
            },
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop, elidable=False),
    ]
