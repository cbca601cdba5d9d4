# An article's page that could not be read, where its feed's summary was kept; a web page
# source known from another source, never fetched. Articles kept before say nothing ("").

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0011_seal_incident_reference"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="page_detail",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="article",
            name="page_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("new", "Not read yet"),
                    ("ok", "Read"),
                    ("malformed", "Malformed feed"),
                    ("not_found", "Not found (404)"),
                    ("http_error", "The server answered with an error"),
                    ("timeout", "Timed out"),
                    ("unreachable", "Could not connect"),
                    ("robots", "Refused by robots.txt"),
                    ("unknown_language", "Unknown language"),
                    ("no_text", "No article text found"),
                    ("proxy", "The proxy is misconfigured"),
                    ("known", "Already known from another source"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="status",
            field=models.CharField(
                choices=[
                    ("new", "Not read yet"),
                    ("ok", "Read"),
                    ("malformed", "Malformed feed"),
                    ("not_found", "Not found (404)"),
                    ("http_error", "The server answered with an error"),
                    ("timeout", "Timed out"),
                    ("unreachable", "Could not connect"),
                    ("robots", "Refused by robots.txt"),
                    ("unknown_language", "Unknown language"),
                    ("no_text", "No article text found"),
                    ("proxy", "The proxy is misconfigured"),
                    ("known", "Already known from another source"),
                ],
                default="new",
                max_length=20,
            ),
        ),
    ]
