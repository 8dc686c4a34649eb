from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fulfillment.backups import BackupError, postgres_url, restore


class Command(BaseCommand):
    help = "Restore a PostgreSQL backup into a new, empty database and check it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="a folder written by manage.py backup")
        parser.add_argument(
            "--database-url", help="the empty database (default: the configured DATABASE_URL)"
        )

    def handle(self, *args, **options) -> None:
        try:
            result = restore(Path(options["folder"]), options["database_url"] or postgres_url())
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Tables restored: %(n)s") % {"n": result.tables})
        for table, (expected, found) in result.mismatched.items():
            self.stdout.write(
                _("%(table)s: %(found)s rows, the backup counted %(expected)s")
                % {"table": table, "found": found, "expected": expected}
            )
        for path in result.missing_files:
            self.stdout.write(_("File missing from the storage: %(path)s") % {"path": path})
        if result.mismatched or result.missing_files:
            raise CommandError(_("The restore does not match the backup."))
        self.stdout.write(_("Every table and every file matches the backup."))
