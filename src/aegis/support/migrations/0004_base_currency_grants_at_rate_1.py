"""A grant in the base currency counts at rate 1 (grants.confirmed_rate). One asked before that
rule at another rate ("EUR at 0.01") kept a base amount that counted a hundredth of it
against the person's cap and in the programme's totals: it is counted again at 1. Amounts,
the ledger and the audit log are untouched."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations
from django.db.models import F, Q


def forwards(apps, schema_editor):
    Grant = apps.get_model("support", "Grant")
    base = str(getattr(settings, "SUPPORT_BASE_CURRENCY", "EUR"))
    wrong = Grant.objects.filter(currency=base).exclude(rate_to_base=Decimal(1))
    wrong.filter(approved_amount__isnull=False).update(
        rate_to_base=Decimal(1), base_amount=F("approved_amount")
    )
    wrong.filter(Q(approved_amount__isnull=True)).update(
        rate_to_base=Decimal(1), base_amount=F("amount")
    )


class Migration(migrations.Migration):
    dependencies = [("support", "0003_pad_names_and_contacts")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
