"""The mechanisms shipped with Aegis (advocacy/seed.py), written once as data."""

from django.db import migrations

from aegis.advocacy import seed


def write(apps, schema_editor):
    seed.ensure(apps.get_model("advocacy", "Mechanism"), apps.get_model("advocacy", "Mandate"))


class Migration(migrations.Migration):
    dependencies = [("advocacy", "0001_initial")]
    operations = [migrations.RunPython(write, migrations.RunPython.noop)]
