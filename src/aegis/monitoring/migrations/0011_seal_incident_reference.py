# A migration holds no key: the references kept before stay in clear (legacy_reference) until
# the row is written again or `aegis monitoring key-fingerprints` seals them.

import aegis.vault.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0010_pad_names'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='proposal',
            name='monitoring_by_incident',
        ),
        migrations.RenameField(
            model_name='proposal',
            old_name='incident_reference',
            new_name='legacy_reference',
        ),
        migrations.AlterField(
            model_name='proposal',
            name='legacy_reference',
            field=models.CharField(blank=True, editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name='proposal',
            name='incident_sealed',
            field=aegis.vault.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='proposal',
            name='incident_token',
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddIndex(
            model_name='proposal',
            index=models.Index(fields=['incident_token'], name='monitoring_by_incident_token'),
        ),
    ]
