# Reference numbers come from a counter row per series and year, no longer from the highest
# reference sorted as text (which stops at AEG-YYYY-100000). The counters start from the
# references already given, read as numbers.

import re

from django.db import migrations, models

SERIES = (("AEG", "cases", "Case"), ("INC", "incidents", "Incident"))


def seed_counters(apps, schema_editor):
    counter = apps.get_model("cases", "ReferenceCounter")
    for series, app_label, model_name in SERIES:
        pattern = re.compile(rf"{series}-(\d{{4}})-(\d+)")
        highest: dict[int, int] = {}
        references = apps.get_model(app_label, model_name).objects.values_list(
            "reference", flat=True
        )
        for reference in references.iterator():
            if match := pattern.fullmatch(reference):
                year, number = int(match[1]), int(match[2])
                highest[year] = max(highest.get(year, 0), number)
        for year, last in highest.items():
            counter.objects.update_or_create(
                series=series, year=year, defaults={"last": last}
            )


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0001_initial"),
        ("incidents", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReferenceCounter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("series", models.CharField(max_length=8)),
                ("year", models.PositiveSmallIntegerField()),
                ("last", models.PositiveIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("series", "year"), name="one_counter_per_series_year")
                ],
            },
        ),
        migrations.RunPython(seed_counters, migrations.RunPython.noop),
    ]
