"""A campaign says whether its target's index is in a domain of its own yet
(mentions.target_token); the worker's housekeeping turns the others
(mentions.tokenise_targets)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0008_mention_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="target_tokenised",
            field=models.BooleanField(default=False, editable=False),
        ),
    ]
