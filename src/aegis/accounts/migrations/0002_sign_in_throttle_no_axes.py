# The sign-in throttle replaces django-axes, whose tables kept the user agent of every
# sign-in. Installations that had it lose those tables (and their records) here.

from django.db import migrations, models

AXES_TABLES = [  # dependants first, for PostgreSQL's foreign keys
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
    "axes_accessattempt",
]


def drop_axes_tables(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    for table in AXES_TABLES:
        if table in existing:
            schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(table)}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'axes'")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignInFailures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("bucket", models.CharField(max_length=32, unique=True)),
                ("failures", models.PositiveIntegerField(default=0)),
                ("last_failure_at", models.DateTimeField(db_index=True)),
            ],
        ),
        migrations.RunPython(drop_axes_tables, migrations.RunPython.noop),
    ]
