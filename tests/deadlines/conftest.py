"""The production calendar as its data migration fills it, whatever test ran before; the
browser fixtures of tests/browser for the screenshots."""

from __future__ import annotations

import datetime
import importlib
from zoneinfo import ZoneInfo

import pytest

from deadlines.models import CalendarDay
from tests.browser.conftest import (  # noqa: F401  (the browser fixtures, for test_browser)
    browser_context_args,
    browser_type_launch_args,
    login,
    screenshot,
)

_calendar_migration = importlib.import_module(
    "deadlines.migrations.0002_production_calendar_and_roles"
)
MSK = ZoneInfo("Europe/Moscow")


def msk(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=MSK)


@pytest.fixture(autouse=True)
def production_calendar(db) -> None:
    if not CalendarDay.objects.exists():  # a transactional test before emptied the table
        from django.apps import apps

        _calendar_migration.fill(apps, None)
