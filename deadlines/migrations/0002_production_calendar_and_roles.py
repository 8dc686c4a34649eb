"""The production calendar of 2026 and 2027 as the government set it (the official holidays,
the days off moved by the Labour Code when a holiday falls on a weekend, and the government's
decrees moving days off), and the administrators' rights on the rules and the calendar.

Only days that differ from the week are listed: weekends are days off and Monday to Friday
working unless a row says otherwise. Later years are added by administrators in the admin.
"""

import datetime

from django.db import migrations

from fulfillment.roles import ROLE_PERMISSIONS, role_groups_sync

NEW_YEAR = "Новогодние каникулы"
DAYS_OFF = {
    2026: [
        *[(datetime.date(2026, 1, d), NEW_YEAR) for d in range(1, 7)],
        (datetime.date(2026, 1, 7), "Рождество Христово"),
        (datetime.date(2026, 1, 8), NEW_YEAR),
        (datetime.date(2026, 1, 9), "Выходной (перенесен с 3 января)"),
        (datetime.date(2026, 2, 23), "День защитника Отечества"),
        (datetime.date(2026, 3, 8), "Международный женский день"),
        (datetime.date(2026, 3, 9), "Выходной (перенесен с 8 марта)"),
        (datetime.date(2026, 5, 1), "Праздник Весны и Труда"),
        (datetime.date(2026, 5, 9), "День Победы"),
        (datetime.date(2026, 5, 11), "Выходной (перенесен с 9 мая)"),
        (datetime.date(2026, 6, 12), "День России"),
        (datetime.date(2026, 11, 4), "День народного единства"),
        (datetime.date(2026, 12, 31), "Выходной (перенесен с 4 января)"),
    ],
    2027: [
        *[(datetime.date(2027, 1, d), NEW_YEAR) for d in range(1, 7)],
        (datetime.date(2027, 1, 7), "Рождество Христово"),
        (datetime.date(2027, 1, 8), NEW_YEAR),
        (datetime.date(2027, 2, 22), "Выходной (перенесен с 20 февраля)"),
        (datetime.date(2027, 2, 23), "День защитника Отечества"),
        (datetime.date(2027, 3, 8), "Международный женский день"),
        (datetime.date(2027, 5, 1), "Праздник Весны и Труда"),
        (datetime.date(2027, 5, 3), "Выходной (перенесен с 1 мая)"),
        (datetime.date(2027, 5, 9), "День Победы"),
        (datetime.date(2027, 5, 10), "Выходной (перенесен с 9 мая)"),
        (datetime.date(2027, 6, 12), "День России"),
        (datetime.date(2027, 6, 14), "Выходной (перенесен с 12 июня)"),
        (datetime.date(2027, 11, 4), "День народного единства"),
        (datetime.date(2027, 11, 5), "Выходной (перенесен со 2 января)"),
        (datetime.date(2027, 12, 31), "Выходной (перенесен с 3 января)"),
    ],
}
WORKING_WEEKEND_DAYS = [
    (datetime.date(2027, 2, 20), "Рабочая суббота (выходной перенесен на 22 февраля)"),
]


def fill(apps, schema_editor):
    day_model = apps.get_model("deadlines", "CalendarDay")
    for days in DAYS_OFF.values():
        for day, note in days:
            day_model.objects.update_or_create(day=day, defaults={"working": False, "note": note})
    for day, note in WORKING_WEEKEND_DAYS:
        day_model.objects.update_or_create(day=day, defaults={"working": True, "note": note})


def grant(apps, schema_editor):
    role_groups_sync(apps, ROLE_PERMISSIONS, app_labels={"deadlines"})


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0001_initial"),
        ("deals", "0002_roles_and_failure_reasons"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
