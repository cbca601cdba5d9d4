"""The Rule 39 subject line names the planned removal, not the day the fax is written
(export.subject). A convention the administrator has edited is left as it is."""

from django.db import migrations

OLD = "RULE 39 – URGENT – <country> – removal on <date>"
NEW = "RULE 39 – URGENT – <country> – removal on <removal>"


def forwards(apps, schema_editor):
    Mechanism = apps.get_model("advocacy", "Mechanism")
    Mechanism.objects.filter(code="echr-rule-39", subject_convention=OLD).update(
        subject_convention=NEW
    )


def backwards(apps, schema_editor):
    Mechanism = apps.get_model("advocacy", "Mechanism")
    Mechanism.objects.filter(code="echr-rule-39", subject_convention=NEW).update(
        subject_convention=OLD
    )


class Migration(migrations.Migration):
    dependencies = [("advocacy", "0002_mechanisms")]
    operations = [migrations.RunPython(forwards, backwards)]
