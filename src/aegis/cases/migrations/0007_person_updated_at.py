import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_open_tasks_by_due_date"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["updated_at"], name="cases_person_updated_at"),
        ),
    ]
