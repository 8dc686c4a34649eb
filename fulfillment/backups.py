"""Backups that restore: a consistent dump of the database with the list of stored files, and
the restore of a dump into a fresh database, checked against the counts taken at backup time.

PostgreSQL is dumped with its own tools (``pg_dump --format=custom``, one snapshot; restored
with ``pg_restore``); the embedded SQLite database with SQLite's online backup. Beside the
dump: ``files.csv`` (every stored file and its size) and ``manifest.json`` (when, which
engine, the row count of every table).
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

NOT_INSTALLED = _("%(program)s is not installed (Debian package postgresql-client).")
FAILED = _("%(program)s failed: %(error)s")
NO_BACKUP_FOR = _("There is no backup for the %(engine)s database.")
SQLITE_RESTORE = _(
    "An SQLite backup is restored by putting database.sqlite3 in place of the database file."
)
NOT_EMPTY = _("The database %(name)s is not empty: restore into a new one.")

MANIFEST = "manifest.json"
FILES = "files.csv"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"


class BackupError(Exception):
    """A backup or restore that could not be done, said plainly."""


@dataclass
class Restored:
    """A restore's check: tables whose row count differs from the backup's, missing files."""

    tables: int
    mismatched: dict[str, tuple[int, int]]
    missing_files: list[str]


def postgres_url(name: str | None = None) -> str:
    """The URL of the configured PostgreSQL database (in tests: pytest-django's test database),
    or of the database ``name`` on the same server."""
    s = connection.settings_dict
    auth = (s["USER"] or "") + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{name or s['NAME']}"


def _table_counts(cursor: Any, tables: list[str], quote) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _stored_files() -> list[tuple[str, int]]:
    """Every file in the storage under the media root, with its size."""
    found: list[tuple[str, int]] = []

    def walk(folder: str) -> None:
        try:
            folders, files = default_storage.listdir(folder)
        except FileNotFoundError:
            return
        for name in files:
            path = f"{folder}/{name}" if folder else name
            found.append((path, default_storage.size(path)))
        for name in folders:
            walk(f"{folder}/{name}" if folder else name)

    walk("")
    return sorted(found)


def _postgres_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for the configured database (the password never on a command line)."""
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[name] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(gettext(NOT_INSTALLED) % {"program": command[0]})
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(gettext(FAILED) % {"program": command[0], "error": done.stderr.strip()})


def backup(folder: Path) -> Path:
    """Write a backup into a new folder under ``folder``; returns that folder."""
    target = folder / timezone.localtime().strftime("crm-%Y%m%d-%H%M%S")
    target.mkdir(parents=True, exist_ok=False)
    settings_dict = connection.settings_dict
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = _table_counts(cursor, tables, connection.ops.quote_name)
    if connection.vendor == "postgresql":
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={target / POSTGRES_DUMP}",
                settings_dict["NAME"],
            ],
            _postgres_env(settings_dict),
        )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target / SQLITE_COPY) as copy:
            connection.connection.backup(copy)
    else:
        raise BackupError(gettext(NO_BACKUP_FOR) % {"engine": connection.vendor})
    files = _stored_files()
    with open(target / FILES, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["path", "size"])
        writer.writerows(files)
    manifest = {
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "engine": connection.vendor,
        "tables": counts,
        "files": len(files),
        "file_bytes": sum(size for _path, size in files),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return target


def restore(folder: Path, database_url: str) -> Restored:
    """Restore the PostgreSQL backup in ``folder`` into the empty database ``database_url``
    and check it: every table's rows as counted at backup time, every listed file stored."""
    manifest = json.loads((folder / MANIFEST).read_text())
    if manifest["engine"] != "postgresql":
        raise BackupError(gettext(SQLITE_RESTORE))
    url = urlsplit(database_url)
    target = {
        "HOST": url.hostname or "",
        "PORT": url.port or "",
        "USER": url.username or "",
        "PASSWORD": url.password or "",
        "NAME": url.path.lstrip("/"),
    }
    import psycopg

    with psycopg.connect(database_url) as check, check.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'")
        if cursor.fetchone()[0]:
            raise BackupError(gettext(NOT_EMPTY) % {"name": target["NAME"]})
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={target['NAME']}",
            str(folder / POSTGRES_DUMP),
        ],
        _postgres_env(target),
    )
    with psycopg.connect(database_url) as check, check.cursor() as cursor:
        counts = _table_counts(
            cursor, list(manifest["tables"]), lambda name: '"' + name.replace('"', '""') + '"'
        )
    mismatched = {
        table: (expected, counts[table])
        for table, expected in manifest["tables"].items()
        if counts[table] != expected
    }
    with open(folder / FILES, newline="", encoding="utf-8") as listed:
        missing = [
            row["path"]
            for row in csv.DictReader(listed)
            if not default_storage.exists(row["path"])
            or default_storage.size(row["path"]) != int(row["size"])
        ]
    return Restored(len(counts), mismatched, missing)
