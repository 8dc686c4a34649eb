"""Grant the roles their permissions on the client's mail (fulfillment.roles): administrators
read the messages in the admin and attach unmatched replies; the director reads them."""

from django.db import migrations

from fulfillment.roles import ROLE_PERMISSIONS, role_groups_sync


def grant(apps, schema_editor):
    role_groups_sync(apps, ROLE_PERMISSIONS, app_labels={"correspondence"})


class Migration(migrations.Migration):
    dependencies = [
        ("correspondence", "0001_initial"),
        ("deals", "0002_roles_and_failure_reasons"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
