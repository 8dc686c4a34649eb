"""Role groups with their permissions, and the starting list of failure reasons."""

from django.db import migrations

from deals.pipelines import PIPELINES
from fulfillment.roles import ROLE_PERMISSIONS, role_groups_sync

# Reference data of the company (editable in the admin afterwards), not code strings.
FAILURE_REASONS = [
    ("Дорого для клиента", ""),
    ("Клиент выбрал другой фулфилмент", ""),
    ("Не устроили сроки", ""),
    ("Клиент не выходит на связь", ""),
    ("Клиент передумал", ""),
    ("Не договорились об условиях договора", "contract"),
    ("Расхождения при пересчете не согласованы", "acceptance"),
    ("Другое", ""),
]


def with_pipeline_proxies(role_permissions):
    """Each pipeline's proxy model has its own permissions: grant them as for deals."""
    result = {}
    for role, grants in role_permissions.items():
        result[role] = dict(grants)
        if "deals.deal" in grants:
            for code in PIPELINES:
                result[role][f"deals.{code}deal"] = grants["deals.deal"]
    return result


def create_roles(apps, schema_editor):
    role_groups_sync(apps, with_pipeline_proxies(ROLE_PERMISSIONS), app_labels={"auth", "deals"})


def create_failure_reasons(apps, schema_editor):
    LossReason = apps.get_model("deals", "LossReason")
    for sort, (label, pipeline) in enumerate(FAILURE_REASONS, start=1):
        LossReason.objects.get_or_create(
            label=label, pipeline=pipeline, defaults={"sort": sort * 10}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(create_failure_reasons, migrations.RunPython.noop),
    ]
