"""The embedded SQLite database keeps its statistics: a closing connection runs
``PRAGMA optimize``, so plans stay good as the data grows."""

from __future__ import annotations

import sqlite3

import pytest
from django.conf import settings
from django.db import connections

from fulfillment.sqlite.base import DatabaseWrapper


def test_a_closing_connection_gathers_the_statistics_the_planner_needs(tmp_path, django_db_blocker):
    path = tmp_path / "crm.sqlite3"
    database = DatabaseWrapper(
        {**connections["default"].settings_dict, "NAME": str(path), "TEST": {}},
        alias="optimized",
    )
    with django_db_blocker.unblock(), database.cursor() as cursor:
        cursor.execute("CREATE TABLE deal (id INTEGER PRIMARY KEY, company INT, manager INT)")
        cursor.execute("CREATE INDEX deal_company ON deal (company)")
        cursor.execute("CREATE INDEX deal_manager ON deal (manager)")
        cursor.executemany(
            "INSERT INTO deal (company, manager) VALUES (%s, %s)",
            [(n % 500, n % 3) for n in range(5000)],
        )
        cursor.execute("SELECT id FROM deal WHERE company = %s AND manager = %s", [7, 1])
    with django_db_blocker.unblock():
        database.close()

    with sqlite3.connect(path) as check:
        indexes = {row[0] for row in check.execute("SELECT idx FROM sqlite_stat1")}
    assert {"deal_company", "deal_manager"} <= indexes


@pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"], reason="the embedded default only"
)
def test_the_embedded_default_runs_on_it():
    assert settings.DATABASES["default"]["ENGINE"] == "fulfillment.sqlite"
    assert isinstance(connections["default"], DatabaseWrapper)


def test_a_reader_is_not_blocked_by_a_write_in_progress(tmp_path, django_db_blocker):
    """WAL: a page reads while another request's move is written, instead of waiting."""
    settings_dict = {**connections["default"].settings_dict, "NAME": str(tmp_path / "crm.sqlite3")}
    writer = DatabaseWrapper({**settings_dict, "TEST": {}}, alias="writer")
    with django_db_blocker.unblock():
        with writer.cursor() as cursor:
            cursor.execute("CREATE TABLE deal (id INTEGER PRIMARY KEY, stage TEXT)")
            cursor.execute("INSERT INTO deal (stage) VALUES ('new')")
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        writer.connection.execute("BEGIN IMMEDIATE")
        writer.connection.execute("UPDATE deal SET stage = 'proposal'")

        reader = sqlite3.connect(tmp_path / "crm.sqlite3", timeout=0)
        assert reader.execute("SELECT stage FROM deal").fetchone() == ("new",)
        reader.close()
        writer.connection.execute("COMMIT")
        writer.close()
