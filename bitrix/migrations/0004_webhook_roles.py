"""Grant the administrators the inbound webhooks."""

from django.db import migrations

from fulfillment.roles import ROLE_PERMISSIONS, role_groups_sync


def grant(apps, schema_editor):
    role_groups_sync(apps, ROLE_PERMISSIONS, app_labels={"bitrix"})


class Migration(migrations.Migration):
    dependencies = [("bitrix", "0003_webhook")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
