"""The price list's services (their prices are set in the admin) and the roles' grants."""

from django.db import migrations

from fulfillment.roles import ROLE_PERMISSIONS, role_groups_sync

# code, name, unit — reference data of the company, edited in the admin afterwards. The codes
# are what ``documents.pricing`` bills; names and units are free to change.
SERVICES = [
    ("acceptance_unit", "Приемка товара (за единицу)", "шт"),
    ("acceptance_box", "Приемка товара (за короб)", "короб"),
    ("recount", "Пересчет товара", "шт"),
    ("quality_check", "Проверка качества", "шт"),
    ("storage_pallet_day", "Хранение (паллето-место в сутки)", "пал.-сут."),
    ("labeling", "Маркировка (стикеровка)", "шт"),
    ("honest_sign", "Маркировка «Честный знак»", "шт"),
    ("packing", "Упаковка", "шт"),
    ("kitting", "Комплектация", "шт"),
    ("photo", "Фотосъемка", "шт"),
    ("supply_assembly", "Сборка поставки", "короб"),
    ("marketplace_delivery", "Доставка на склад маркетплейса", "поставка"),
    ("address_delivery", "Доставка по адресу", "рейс"),
    ("returns", "Обработка возвратов", "шт"),
]


def create_services(apps, schema_editor):
    Service = apps.get_model("documents", "Service")
    for sort, (code, name, unit) in enumerate(SERVICES, start=1):
        Service.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "sort": sort * 10}
        )


def grant(apps, schema_editor):
    role_groups_sync(apps, ROLE_PERMISSIONS, app_labels={"documents"})


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_price_list_requisites_templates"),
        ("deals", "0002_roles_and_failure_reasons"),
    ]

    operations = [
        migrations.RunPython(create_services, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
