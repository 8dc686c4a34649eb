"""``manage.py import_bitrix24 FILE [FILE …]``: load companies, contacts and deals from
Bitrix24's exports (CSV or "Excel"), with a dry run, a mapping file and a report."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bitrix.exports import ExportError, read_export
from bitrix.importer import KIND_LABELS, Importer
from bitrix.mapping import MappingError, load_mapping
from bitrix.portal import PortalError, pull


class Command(BaseCommand):
    help = "Import companies, contacts and deals from Bitrix24's exports (CSV or Excel)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="*", help="Bitrix24 export files (.csv, .xls)")
        parser.add_argument(
            "--webhook",
            help="pull the records live from a portal: https://PORTAL/rest/UID/TOKEN/",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would happen, write nothing"
        )
        parser.add_argument("--mapping", help="JSON file naming the portal's pipelines/stages")
        parser.add_argument(
            "--default-responsible",
            help="login of the user who takes the records of people who are not users",
        )
        parser.add_argument("--actor", help="login the changes are recorded as made by")
        parser.add_argument(
            "--rejected",
            help="where to write the CSV of rejected rows (default: beside the first file)",
        )

    def handle(self, *args, **options) -> None:
        users = get_user_model().objects
        if not options["files"] and not options["webhook"]:
            raise CommandError(_("Name the export files, or a portal's webhook with --webhook."))
        try:
            mapping = load_mapping(options["mapping"])
            exports = [
                read_export(Path(name).read_bytes(), Path(name).name) for name in options["files"]
            ]
            if options["webhook"]:
                exports += pull(options["webhook"])
        except (OSError, ExportError, MappingError, PortalError) as error:
            raise CommandError(str(error)) from error
        default = actor = None
        for option in ("default_responsible", "actor"):
            login = options[option]
            if login and not users.filter(username=login).exists():
                raise CommandError(_("No user with the login «%(login)s».") % {"login": login})
        if options["default_responsible"]:
            default = users.get(username=options["default_responsible"])
        if options["actor"]:
            actor = users.get(username=options["actor"])
        for export in exports:
            self.stdout.write(
                _("%(file)s: %(kind)s, %(rows)s lines, %(encoding)s")
                % {
                    "file": export.name,
                    "kind": KIND_LABELS[export.kind],
                    "rows": len(export.rows),
                    "encoding": export.encoding,
                }
            )
        importer = Importer(actor=actor, mapping=mapping, default_responsible=default)
        report = importer.run(exports, dry_run=options["dry_run"])
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        for line in report.summary():
            self.stdout.write(line)
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(warning))
        for rejected in report.rejected:
            self.stdout.write(
                self.style.ERROR(
                    _("%(file)s, line %(line)s: %(reason)s")
                    % {"file": rejected.file, "line": rejected.line, "reason": rejected.reason}
                )
            )
        if report.rejected:
            first = Path(options["files"][0]) if options["files"] else Path("bitrix24.csv")
            target = Path(options["rejected"] or first.with_suffix(".rejected.csv"))
            target.write_text(report.rejected_csv(), encoding="utf-8")
            self.stdout.write(_("Rejected rows with their reasons: %(path)s") % {"path": target})
