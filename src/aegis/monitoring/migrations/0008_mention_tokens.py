"""A mention keeps which person and which alert only as tokens under the search key, and the
day it was found. The rows made before named the person and the alert by id, which a copy of
the disk joins to the person's file: they are deleted (their tokens cannot be made without
the key, and nothing reads them but the check of a new article, which is done by then)."""

from django.db import migrations, models


def forget_linked_mentions(apps, schema_editor):
    apps.get_model("monitoring", "Mention").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0007_key_holders_and_merged_order"),
    ]

    operations = [
        migrations.RunPython(forget_linked_mentions, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="mention", name="monitoring_mention_once"),
        migrations.RemoveField(model_name="mention", name="person"),
        migrations.RemoveField(model_name="mention", name="alert_id"),
        migrations.RemoveField(model_name="mention", name="found_at"),
        migrations.AddField(
            model_name="mention",
            name="story_token",
            field=models.CharField(max_length=32, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="mention",
            name="alert_token",
            field=models.CharField(blank=True, db_index=True, max_length=32),
        ),
        migrations.AddField(
            model_name="mention",
            name="found_on",
            field=models.DateField(default="2000-01-01"),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="mention",
            constraint=models.UniqueConstraint(
                fields=("article", "story_token"), name="monitoring_mention_once_each"
            ),
        ),
        migrations.AddIndex(
            model_name="mention",
            index=models.Index(fields=["story_token"], name="monitoring_mention_story"),
        ),
        # Run first when going back: the rows made since hold no person to restore.
        migrations.RunPython(migrations.RunPython.noop, forget_linked_mentions),
    ]
