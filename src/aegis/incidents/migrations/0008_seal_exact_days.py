# The exact days of an incident move into ciphertext; the analytic projection keeps the month.
# A migration holds no key, so rows made before it keep their exact days in the month columns
# until their next correction seals them (Incident._days reads either).

import aegis.vault.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_pad_names_and_contacts"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="incident", name="incidents_i_compart_cbdb8b_idx"),
        migrations.RemoveIndex(model_name="incident", name="incidents_list_order"),
        migrations.RemoveConstraint(model_name="incident", name="incidents_end_not_before_start"),
        migrations.RenameField(model_name="incident", old_name="date_start", new_name="month_start"),
        migrations.RenameField(model_name="incident", old_name="date_end", new_name="month_end"),
        migrations.AddField(
            model_name="incident",
            name="days",
            field=aegis.vault.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.AlterModelOptions(
            name="incident",
            options={"ordering": ["-month_start", "-pk"]},
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["compartment", "-month_start"], name="incidents_compartment_month"
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["-month_start", "-id"], include=("compartment",), name="incidents_list_order"
            ),
        ),
        migrations.AddConstraint(
            model_name="incident",
            constraint=models.CheckConstraint(
                condition=models.Q(("month_end__isnull", True), ("month_end__gte", models.F("month_start")), _connector="OR"),
                name="incidents_end_not_before_start",
            ),
        ),
    ]
