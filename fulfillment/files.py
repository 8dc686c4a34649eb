"""Uploaded files are never served publicly: ``/files/<name>`` streams a file only to a user
that an owning app says may see it. Apps register a check for the files they own; one file may
be reached in several ways (a deal's instructions by the manager of the deal, and by the
worker of its warehouse task), so any check that allows it is enough."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest

# A check answers True when the user may see the file through what the app owns.
FileAccessCheck = Callable[[object, str], bool]
_CHECKS: list[FileAccessCheck] = []


def register_file_access(check: FileAccessCheck) -> FileAccessCheck:
    if check not in _CHECKS:
        _CHECKS.append(check)
    return check


def user_may_download(user, name: str) -> bool:
    return any(check(user, name) for check in _CHECKS)


def file_download(user, name: str) -> FileResponse:
    """The uploaded file as an attachment, after asking its owners; 404 for anyone else (no
    hint that it exists). A name no stored file can have (a NUL character, which PostgreSQL
    refuses in a query) is not asked about at all."""
    if "\x00" in name or not user_may_download(user, name) or not default_storage.exists(name):
        raise Http404
    return FileResponse(default_storage.open(name, "rb"), as_attachment=True)


@login_required
def protected_file(request: HttpRequest, name: str) -> FileResponse:
    return file_download(request.user, name)
