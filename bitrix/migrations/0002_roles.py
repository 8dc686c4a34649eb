"""Grant the administrators the import from Bitrix24."""

from django.db import migrations

from fulfillment.roles import ROLE_PERMISSIONS, role_groups_sync


def grant(apps, schema_editor):
    role_groups_sync(apps, ROLE_PERMISSIONS, app_labels={"bitrix"})


class Migration(migrations.Migration):
    dependencies = [
        ("bitrix", "0001_initial"),
        ("deals", "0002_roles_and_failure_reasons"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
