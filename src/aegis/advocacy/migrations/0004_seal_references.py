# A migration holds no key: the references kept before stay in clear (legacy_reference,
# legacy_publication, legacy_number) until a member opens the communication
# (services.seal_references).

import aegis.vault.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('advocacy', '0003_rule_39_subject'),
    ]

    operations = [
        migrations.RenameField(
            model_name='communication',
            old_name='reference',
            new_name='legacy_reference',
        ),
        migrations.AlterField(
            model_name='communication',
            name='legacy_reference',
            field=models.CharField(blank=True, editable=False, max_length=60),
        ),
        migrations.RenameField(
            model_name='communication',
            old_name='publication',
            new_name='legacy_publication',
        ),
        migrations.AlterField(
            model_name='communication',
            name='legacy_publication',
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name='communication',
            name='reference_sealed',
            field=aegis.vault.fields.EncryptedTextField(blank=True, null=True, pad=128),
        ),
        migrations.AddField(
            model_name='communication',
            name='publication_sealed',
            field=aegis.vault.fields.EncryptedTextField(blank=True, null=True, pad=1024),
        ),
        migrations.RenameField(
            model_name='precautionaryresolution',
            old_name='number',
            new_name='legacy_number',
        ),
        migrations.AlterField(
            model_name='precautionaryresolution',
            name='legacy_number',
            field=models.CharField(blank=True, editable=False, max_length=60),
        ),
        migrations.AddField(
            model_name='precautionaryresolution',
            name='number_sealed',
            field=aegis.vault.fields.EncryptedTextField(blank=True, null=True, pad=128),
        ),
    ]
