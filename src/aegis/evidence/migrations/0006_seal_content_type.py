import aegis.vault.fields
from django.db import migrations, models

# Files stored from now on keep their content type encrypted (sealed_type). Rows from before
# keep theirs in clear (the column renamed clear_type) and read as before.


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0005_pad_file_sizes"),
    ]

    operations = [
        migrations.RenameField(
            model_name="evidenceitem",
            old_name="content_type",
            new_name="clear_type",
        ),
        migrations.AlterField(
            model_name="evidenceitem",
            name="clear_type",
            field=models.CharField(blank=True, default="", max_length=127),
        ),
        migrations.AddField(
            model_name="evidenceitem",
            name="sealed_type",
            field=aegis.vault.fields.EncryptedTextField(blank=True, null=True, pad=128),
        ),
    ]
