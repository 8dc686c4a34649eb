"""Copy the files of the local media folder to the configured storage (S3-compatible object
storage once ``S3_BUCKET`` is set): every file once, sizes checked, safe to run again."""

from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Copy the local media folder's files to the configured storage (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", default=str(settings.MEDIA_ROOT), help="the local media folder"
        )

    def handle(self, *args, **options) -> None:
        if isinstance(default_storage, FileSystemStorage):
            raise CommandError(_("The storage is the local folder: set S3_BUCKET first."))
        source = Path(options["source"])
        files = sorted(p for p in source.rglob("*") if p.is_file())
        copied = present = 0
        for number, path in enumerate(files, start=1):
            name = path.relative_to(source).as_posix()
            size = path.stat().st_size
            if default_storage.exists(name) and default_storage.size(name) == size:
                present += 1
            else:
                with path.open("rb") as content:
                    stored = default_storage.save(name, File(content, name=name))
                if stored != name or default_storage.size(name) != size:
                    raise CommandError(
                        _("«%(name)s» was not stored whole: check the storage.") % {"name": name}
                    )
                copied += 1
            self.stdout.write(f"\r{number}/{len(files)}", ending="")
        self.stdout.write(
            "\n"
            + _("Files: %(total)s; copied %(copied)s, already there %(present)s.")
            % {"total": len(files), "copied": copied, "present": present}
        )
