"""Backups that restore: seed, back up, restore into a fresh database, and compare the row
counts and a deal's history; the embedded SQLite database is copied online."""

from __future__ import annotations

import csv
import json
import sqlite3
import uuid

import psycopg
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from deals import services
from deals.models import Deal, StageChange
from fulfillment.backups import backup, postgres_url
from tests.conftest import require_service
from tests.factories import make_deal


def _seed(manager) -> Deal:
    deal = make_deal("calculation", "new", responsible=manager)
    services.deal_move(deal=deal, transition="to_proposal", actor=manager)
    services.deal_comment_add(
        deal=deal,
        author=manager,
        text="Прайс",
        file=SimpleUploadedFile("price.pdf", b"%PDF-1.4 price"),
    )
    return deal


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_into_a_fresh_database(manager, tmp_path, capsys):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    deal = _seed(manager)
    history = list(
        StageChange.objects.filter(deal=deal)
        .order_by("pk")
        .values_list("from_stage", "to_stage", "actor_id")
    )

    call_command("backup", output=str(tmp_path / "backups"))
    folder = next((tmp_path / "backups").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = list(csv.DictReader((folder / "files.csv").open(encoding="utf-8")))
    fresh = f"restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        call_command("restore", str(folder), database_url=postgres_url(fresh))
        with psycopg.connect(postgres_url(fresh)) as restored:
            restored_history = restored.execute(
                "SELECT from_stage, to_stage, actor_id FROM deals_stagechange "
                "WHERE deal_id = %s ORDER BY id",
                [deal.pk],
            ).fetchall()
            deals = restored.execute("SELECT COUNT(*) FROM deals_deal").fetchone()[0]
        # A database that is not empty is refused: restore never writes over data.
        with pytest.raises(CommandError, match=r"not empty|не пуста"):
            call_command("restore", str(folder), database_url=postgres_url(fresh))
        # A stored file lost since the backup is named, and the restore is not called good.
        default_storage.delete(deal.comments.get().file.name)
        with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{fresh}_2"')
        with pytest.raises(CommandError):
            call_command("restore", str(folder), database_url=postgres_url(f"{fresh}_2"))
    finally:
        with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
            for name in (fresh, f"{fresh}_2"):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    out = capsys.readouterr().out
    assert manifest["engine"] == "postgresql"
    assert manifest["tables"]["deals_deal"] == deals == Deal.objects.count()
    assert [tuple(row) for row in restored_history] == history and len(history) == 1
    stored = {deal.comments.get().file.name, Deal.objects.get(pk=deal.pk).proposal_file.name}
    assert {row["path"] for row in listed} == stored
    sizes = {row["path"]: int(row["size"]) for row in listed}
    assert sizes[deal.comments.get().file.name] == len(b"%PDF-1.4 price")
    assert manifest["files"] == 2
    assert out.count(deal.comments.get().file.name) == 1  # named once: by the second restore


@pytest.mark.django_db(transaction=True)
def test_the_embedded_database_is_copied_online(manager, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the embedded default only")
    _seed(manager)

    folder = backup(tmp_path / "backups")

    with sqlite3.connect(folder / "database.sqlite3") as copy:
        deals = copy.execute("SELECT COUNT(*) FROM deals_deal").fetchone()[0]
        moves = copy.execute("SELECT COUNT(*) FROM deals_stagechange").fetchone()[0]
    assert deals == Deal.objects.count() == 1
    assert moves == StageChange.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("restore", str(folder), database_url="postgres://x@127.0.0.1/none")
