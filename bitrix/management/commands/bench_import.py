"""Benchmark of the import from Bitrix24 (not a test: it prints the figures).

Writes a Bitrix24 CSV export of ``--deals`` deals (one in ten with two product lines) with
their companies (with requisites) and contacts, imports it into a throwaway test database,
then imports it again (every record matched, nothing written) and prints the rate of each
run in records per second, with the time the whole export of a mid-size portal (50,000
deals) would take at that rate (bar: under 5 minutes).
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from bitrix.exports import read_export
from bitrix.importer import Importer
from bitrix.mapping import load_mapping
from fulfillment.roles import Role

STAGES = [
    ("Заявка на просчет заказа", "Новая заявка на просчет заказа"),
    ("Заявка на просчет заказа", "Сформировать КП"),
    ("Заявка на просчет заказа", "Сделка успешна"),
    ("Заявка на просчет заказа", "Сделка провалена"),
    ("Заявка на приемку товара", "Направить заявку на склад"),
    ("Заявка на отгрузку", "Ожидаем оплату по счету"),
]


def _line(cells: list[str]) -> str:
    return ";".join('"' + str(c).replace('"', '""') + '"' for c in cells) + ";\n"


def _inn(number: int) -> str:
    """A valid 10-digit INN built from ``number``."""
    digits = f"77{number:07d}"
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10
    return digits + str(check)


def write_exports(folder: Path, deals: int, managers: list[str]) -> list[Path]:
    rng = random.Random(1)
    companies = max(deals // 10, 1)
    company_rows = [["ID", "Название компании", "Телефон рабочий", "Реквизит: ИНН"]]
    contact_rows = [["ID", "Имя", "Фамилия", "Компания", "Телефон мобильный", "E-mail рабочий"]]
    for n in range(1, companies + 1):
        company_rows.append([n, f"ООО «Клиент {n}»", f"+7 495 {n:07d}", _inn(n)])
        contact_rows.append(
            [n, "Иван", f"Петров-{n}", f"ООО «Клиент {n}»", f"8 (916) {n:07d}", f"c{n}@example.ru"]
        )
    deal_rows = [
        [
            "ID",
            "Название сделки",
            "Направление",
            "Стадия сделки",
            "Сумма",
            "Компания",
            "Контакт",
            "Ответственный",
            "Дата создания",
            "Товар",
            "Цена",
            "Количество",
        ]
    ]
    for n in range(1, deals + 1):
        company = rng.randint(1, companies)
        pipeline, stage = rng.choice(STAGES)
        base = [
            n,
            f"Клиент {company}: заявка {n}",
            pipeline,
            stage,
            f"{rng.randint(10, 900) * 1000},00",
            f"ООО «Клиент {company}»",
            f"Иван Петров-{company}",
            rng.choice(managers),
            f"{rng.randint(1, 28):02d}.{rng.randint(1, 11):02d}.2026 10:00:00",
        ]
        if n % 10 == 0:
            deal_rows.append([*base, "Приемка за единицу", "12,50", "1000"])
            deal_rows.append([*base, "Хранение", "500,00", "10"])
        else:
            deal_rows.append([*base, "", "", ""])
    files = []
    for name, rows in (
        ("companies.csv", company_rows),
        ("contacts.csv", contact_rows),
        ("deals.csv", deal_rows),
    ):
        path = folder / name
        path.write_bytes(b"\xef\xbb\xbf" + "".join(_line(r) for r in rows).encode("utf-8"))
        files.append(path)
    return files


class Command(BaseCommand):
    help = "Measure the import from Bitrix24: records per second for --deals deals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deals", type=int, default=10_000)

    def handle(self, *args, **options) -> None:
        settings.DEBUG = False
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            self._run(options["deals"])
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def _run(self, deals: int) -> None:
        from fulfillment.demo import seed_demo

        seed_demo()
        from django.contrib.auth import get_user_model

        managers = [
            f"{u.first_name} {u.last_name}"
            for u in get_user_model().objects.filter(groups__name=str(Role.MANAGER))
        ] or [f"{u.first_name} {u.last_name}" for u in get_user_model().objects.all()[:2]]
        self.stdout.write(f"Database: {connection.vendor}; deals: {deals:,}")
        with tempfile.TemporaryDirectory() as folder:
            files = write_exports(Path(folder), deals, managers)
            for label in ("first run", "re-run"):
                started = time.perf_counter()
                exports = [read_export(path.read_bytes(), path.name) for path in files]
                report = Importer(actor=None, mapping=load_mapping(None)).run(exports)
                seconds = time.perf_counter() - started
                records = sum(sum(c.values()) for c in report.counts.values())
                rate = records / seconds
                self.stdout.write(
                    f"{label}: {records:,} records in {seconds:.1f} s = {rate:,.0f} records/s; "
                    f"50,000 deals (+ their companies and contacts) ≈ "
                    f"{50_000 * 1.2 / rate / 60:.1f} min"
                )
                for line in report.summary():
                    self.stdout.write(f"  {line}")
