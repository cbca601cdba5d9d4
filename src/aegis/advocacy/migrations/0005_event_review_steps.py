# The History also records the internal review and its reset by an edit (Step): the choices
# only, no column changes.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('advocacy', '0004_seal_references'),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('review', 'In internal review'), ('sent', 'Sent'), ('acknowledged', 'Acknowledged'), ('transmitted', 'Transmitted to the State'), ('replied', 'Reply received'), ('no_reply', 'No reply by the deadline'), ('published', 'Published'), ('follow_up', 'Follow-up sent'), ('reviewed', 'Approved by a second person (internal review)'), ('review_reset', 'Changed after the review: a new review is needed')], max_length=16),
        ),
    ]
