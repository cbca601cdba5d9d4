"""A news alert's trigger key named the article and the person by id
("rule:<rule>:news:<article>:person:<person>"), which a copy of the disk joins to the
person's file; it now names the story by a token under the search key. The keys written
before are cleared: they kept the same alert from being raised twice for a second check of
the same article, which an article kept before the upgrade no longer gets."""

from django.db import migrations


def clear_news_keys(apps, schema_editor):
    alerts = apps.get_model("alerts", "Alert").objects
    for pattern in (
        r"^rule:[0-9]+:news:[0-9]+:person:[0-9]+$",
        r"^monitoring:article:[0-9]+:person:[0-9]+$",  # before the news rules
    ):
        alerts.filter(trigger_key__regex=pattern).update(trigger_key=None)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0007_news_mention_rule"),
    ]

    operations = [migrations.RunPython(clear_news_keys, migrations.RunPython.noop)]
