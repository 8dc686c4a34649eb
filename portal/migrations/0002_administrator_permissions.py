"""Administrators see client accounts and actions in the admin (invite again, disable); the
grants are fulfillment.roles.ROLE_PERMISSIONS."""

from django.db import migrations

from fulfillment.roles import ROLE_PERMISSIONS, role_groups_sync


def grant(apps, schema_editor):
    role_groups_sync(apps, ROLE_PERMISSIONS, app_labels={"portal"})


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("deals", "0002_roles_and_failure_reasons"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
