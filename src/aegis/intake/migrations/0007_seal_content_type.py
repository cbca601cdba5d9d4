import aegis.vault.fields
from django.db import migrations, models

# Files stored from now on keep their content type encrypted (sealed_type). Rows from before
# keep theirs in clear (the column renamed clear_type) and read as before.


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0006_pad_file_sizes"),
    ]

    operations = [
        migrations.RenameField(
            model_name="submissionfile",
            old_name="content_type",
            new_name="clear_type",
        ),
        migrations.AlterField(
            model_name="submissionfile",
            name="clear_type",
            field=models.CharField(blank=True, default="", max_length=127),
        ),
        migrations.AddField(
            model_name="submissionfile",
            name="sealed_type",
            field=aegis.vault.fields.EncryptedTextField(blank=True, null=True, pad=128),
        ),
    ]
