# Findings kept before the incidents' days were sealed (incidents 0008) hold their first and
# last incidents' exact days beside a person's or a group's id, and were counted over a window
# of days rather than whole months: they are a cache, so they are dropped, and the next reader
# computes them again by month.

from django.db import migrations


def forget(apps, schema_editor):
    apps.get_model("risk", "FindingsSnapshot").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0007_pad_names"),
        ("incidents", "0008_seal_exact_days"),
    ]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
