# A migration holds no key: the links kept before stay in clear (legacy_case,
# legacy_incident_reference) until a member opens the report (triage.seal_links).

import aegis.vault.fields
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0001_initial'),
        ('intake', '0007_seal_content_type'),
    ]

    operations = [
        migrations.RenameField(
            model_name='submission',
            old_name='case',
            new_name='legacy_case',
        ),
        migrations.AlterField(
            model_name='submission',
            name='legacy_case',
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name='+',
                to='cases.case',
            ),
        ),
        migrations.RenameField(
            model_name='submission',
            old_name='incident_reference',
            new_name='legacy_incident_reference',
        ),
        migrations.AlterField(
            model_name='submission',
            name='legacy_incident_reference',
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name='submission',
            name='case_sealed',
            field=aegis.vault.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='submission',
            name='incident_sealed',
            field=aegis.vault.fields.EncryptedTextField(blank=True, null=True),
        ),
    ]
