"""Runs of the import started from the admin: start one (files stored, the work queued after
the commit) and do it (the background task), with its progress in the cache."""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from bitrix.exports import ExportError, read_export
from bitrix.importer import Importer
from bitrix.mapping import MappingError, load_mapping, parse_mapping
from bitrix.models import ImportFile, ImportRun
from fulfillment.roles import AnyUser

PROGRESS_EVERY = 0.5  # seconds between progress writes


def progress_key(run_id: int) -> str:
    return f"bitrix24-import:{run_id}:progress"


def import_progress(run: ImportRun) -> tuple[int, int] | None:
    """(records done, records in all) of a running import, when known."""
    return cache.get(progress_key(run.pk))


def import_start(
    *,
    actor: AnyUser,
    files: Iterable[UploadedFile],
    dry_run: bool,
    mapping: UploadedFile | None = None,
    default_responsible=None,
) -> ImportRun:
    """Store the files and queue the import; it runs after the commit."""
    from bitrix.tasks import run_import

    with transaction.atomic():
        run = ImportRun.objects.create(
            created_by=actor,
            dry_run=dry_run,
            default_responsible=default_responsible,
            mapping=mapping or "",
        )
        for upload in files:
            ImportFile.objects.create(run=run, file=upload, name=upload.name)
        transaction.on_commit(lambda: run_import.delay(run.pk))
    return run


def import_run(run_id: int) -> ImportRun:
    """Do a queued import and keep its report; a file that cannot be read fails the run with
    the reason, having imported nothing."""
    run = ImportRun.objects.select_related("created_by", "default_responsible").get(pk=run_id)
    if run.status != ImportRun.Status.PENDING:
        return run  # a second delivery of the task
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done in (0, total) or now - last >= PROGRESS_EVERY:
            cache.set(progress_key(run.pk), (done, total), 24 * 3600)
            last = now

    try:
        mapping = load_mapping(None)
        if run.mapping:
            with run.mapping.open("rb") as stream:
                mapping = parse_mapping(stream.read().decode("utf-8", "replace"), run.mapping.name)
        exports = []
        for item in run.files.all():
            with item.file.open("rb") as stream:
                exports.append(read_export(stream.read(), item.name))
    except (ExportError, MappingError, OSError) as error:
        return _failed(run, str(error))
    importer = Importer(
        actor=run.created_by,
        mapping=mapping,
        default_responsible=run.default_responsible,
        progress=progress,
    )
    try:
        report = importer.run(exports, dry_run=run.dry_run)
    except Exception as error:  # a fault, not a row's: the run says so instead of hanging
        _failed(run, repr(error))
        raise
    run.status, run.finished_at = ImportRun.Status.DONE, timezone.now()
    run.report, run.rejected_csv = report.as_dict(), report.rejected_csv()
    run.save(update_fields=["status", "finished_at", "report", "rejected_csv"])
    return run


def _failed(run: ImportRun, error: str) -> ImportRun:
    run.status, run.error, run.finished_at = ImportRun.Status.FAILED, error, timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run
