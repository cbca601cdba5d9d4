from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vault", "0005_wipe_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="keypair",
            name="wipe_key_id",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
    ]
