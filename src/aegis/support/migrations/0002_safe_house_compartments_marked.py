"""Safe houses' own compartments made before compartments had a kind are marked as such, so
that no chooser of where to file work offers them."""

from django.db import migrations


def mark_safe_houses(apps, schema_editor):
    Provider = apps.get_model("support", "Provider")
    Compartment = apps.get_model("cases", "Compartment")
    houses = Provider.objects.filter(safe_house_compartment__isnull=False)
    Compartment.objects.filter(pk__in=houses.values("safe_house_compartment")).update(
        kind="safe_house"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_compartment_kind"),
        ("support", "0001_initial"),
    ]

    operations = [migrations.RunPython(mark_safe_houses, migrations.RunPython.noop)]
