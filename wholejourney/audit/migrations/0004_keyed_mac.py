"""The audit chain's rows are MAC'd under the audit key from here on; rows already written keep their
plain SHA-256, and the chain's head records where the MAC begins (docs/security.md, "Audit trail")."""

from django.db import migrations, models
from django.db.models import F


def record_switch(apps, schema_editor):
    apps.get_model("audit", "AuditChainHead").objects.update(mac_from=F("last_seq") + 1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_search")]

    operations = [
        migrations.AddField(
            model_name="auditchainhead", name="mac_from", field=models.BigIntegerField(default=1)
        ),
        migrations.RunPython(record_switch, migrations.RunPython.noop),
    ]
