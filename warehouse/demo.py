"""Demo data of the warehouse's recount: an acceptance with the client's shipment list of 20
SKUs, sent to the warehouse, so the worker's phone has a recount to do.

``fulfillment.demo.seed_demo`` calls ``seed_recount_demo`` at its end; a second run changes
nothing."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from deals.models import Company, Deal
from deals.services import deal_create
from warehouse.recount import shipment_list_load

DEMO_TITLE = "Приемка по списку отгрузки (пересчет на телефоне)"
GOODS = [
    ("Футболка хлопковая белая", "TS-WHT"),
    ("Футболка хлопковая черная", "TS-BLK"),
    ("Худи с капюшоном серое", "HD-GRY"),
    ("Носки спортивные, 3 пары", "SK-3P"),
    ("Кружка керамическая 350 мл", "MG-350"),
    ("Термос стальной 0,5 л", "TH-05"),
    ("Рюкзак городской", "BP-CTY"),
    ("Шапка вязаная", "HT-KNT"),
    ("Перчатки сенсорные", "GL-TCH"),
    ("Шарф шерстяной", "SC-WL"),
    ("Зонт складной", "UM-FLD"),
    ("Бутылка для воды 0,7 л", "BT-07"),
    ("Полотенце махровое", "TW-TRY"),
    ("Плед флисовый", "BL-FLC"),
    ("Свеча ароматическая", "CN-ARM"),
    ("Блокнот А5", "NB-A5"),
    ("Ручка гелевая, 10 шт.", "PN-10"),
    ("Чехол для телефона", "PH-CS"),
    ("Кабель USB-C 1 м", "CB-USBC"),
    ("Наушники проводные", "HP-WRD"),
]


def _shipment_list_csv() -> ContentFile:
    """The list as a marketplace exports it: «;»-separated, in windows-1251."""
    rows = ["Баркод;Артикул продавца;Наименование;Количество"]
    for number, (name, article) in enumerate(GOODS, start=1):
        rows.append(f"46070000{number:05d};{article};{name};{(number % 5 + 1) * 12}")
    return ContentFile("\r\n".join(rows).encode("cp1251"), name="список-отгрузки.csv")


def seed_recount_demo(users: dict, companies: list[Company]) -> None:
    """An acceptance «Направить заявку на склад» with a 20-line shipment list and its
    warehouse task (made by the automation on commit)."""
    if Deal.objects.filter(title=DEMO_TITLE).exists():
        return
    manager = users.get("manager")
    company = companies[0] if companies else None
    if manager is None or company is None:
        return
    deal = deal_create(
        pipeline="acceptance",
        actor=manager,
        title=DEMO_TITLE,
        stage="to_warehouse",
        data={
            "company": company,
            "arrival_date": timezone.localdate() + datetime.timedelta(days=1),
            "boxes": 8,
            "units": sum((n % 5 + 1) * 12 for n in range(1, len(GOODS) + 1)),
            "delivery_method": "transport_company",
            "acceptance_type": "by_units",
            "goods_description": "Одежда, аксессуары, посуда",
        },
    )
    shipment_list_load(deal=deal, upload=_shipment_list_csv(), actor=manager)
