from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fulfillment.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (one consistent dump) with the list of stored files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default="backups", help="folder for the backups")

    def handle(self, *args, **options) -> None:
        try:
            folder = backup(Path(options["output"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Backup written to %(folder)s") % {"folder": folder})
