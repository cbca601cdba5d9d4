# The SimHash fingerprint gives way to a keyed MinHash signature (monitoring/fingerprints.py).
# Older articles keep no signature (their texts are ciphertext here): they are matched by
# address only, and `aegis monitoring key-fingerprints` gives them one.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0002_campaign_reach_big'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='article',
            name='simhash',
        ),
        migrations.AddField(
            model_name='article',
            name='signature',
            field=models.BinaryField(blank=True, default=b''),
        ),
    ]
