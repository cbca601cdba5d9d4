# Which of a report's files are in its case's evidence, sealed under the report's key. A
# migration holds no key: files stored before stay without it (None), and the page infers
# their state from the take-up's time (selectors.evidence_state).

import aegis.vault.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0009_message_latest'),
    ]

    operations = [
        migrations.AddField(
            model_name='submissionfile',
            name='evidence_sealed',
            field=aegis.vault.fields.EncryptedTextField(blank=True, null=True, pad=128),
        ),
    ]
