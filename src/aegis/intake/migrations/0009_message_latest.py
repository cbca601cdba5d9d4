# Each report's latest message read from an index: the intake team's dashboard counts the
# reporters who wrote last (selectors.awaiting_answer).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0008_seal_links'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='submissionmessage',
            index=models.Index(fields=['submission', '-created_at', '-id'], name='intake_message_latest'),
        ),
    ]
