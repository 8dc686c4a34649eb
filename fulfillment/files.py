"""Uploaded files are never served publicly: ``/files/<name>`` streams a file only to a user
that an owning app says may see it. Apps register a check for the files they own; one file may
be reached in several ways (a deal's instructions by the manager of the deal, and by the
worker of its warehouse task), so any check that allows it is enough.

On S3-compatible object storage (``S3_BUCKET`` set) the answer is a redirect to a URL signed
for a few minutes (``S3_URL_SECONDS``); the bucket itself stays private.
Behind the production stack's nginx (``FILES_X_ACCEL_REDIRECT_PREFIX`` set) Django only decides:
it answers an empty body with ``X-Accel-Redirect: <prefix><name>`` and nginx sends the bytes from
an ``internal`` location over the media volume. Unset (the embedded default), Django streams the
file itself. Either way the answer is ``Cache-Control: private, no-store``: a shared cache never
keeps a file meant for one user."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

# A check answers True when the user may see the file through what the app owns.
FileAccessCheck = Callable[[object, str], bool]
_CHECKS: list[FileAccessCheck] = []


def register_file_access(check: FileAccessCheck) -> FileAccessCheck:
    if check not in _CHECKS:
        _CHECKS.append(check)
    return check


def user_may_download(user, name: str) -> bool:
    return any(check(user, name) for check in _CHECKS)


def file_download(user, name: str) -> HttpResponse:
    """The uploaded file as an attachment, after asking its owners; 404 for anyone else (no
    hint that it exists). A name no stored file can have (a NUL character, which PostgreSQL
    refuses in a query) is not asked about at all."""
    if "\x00" in name or not user_may_download(user, name) or not default_storage.exists(name):
        raise Http404
    prefix = settings.FILES_X_ACCEL_REDIRECT_PREFIX
    if not isinstance(default_storage, FileSystemStorage):
        # Object storage: to a URL signed for a few minutes, as an attachment.
        disposition = content_disposition_header(True, PurePosixPath(name).name)
        response = HttpResponseRedirect(
            default_storage.url(name, parameters={"ResponseContentDisposition": disposition})
        )
    elif prefix:
        response = HttpResponse(content_type="")
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
        response["Content-Disposition"] = content_disposition_header(True, PurePosixPath(name).name)
        # nginx sets the type from the file's extension.
        del response["Content-Type"]
    else:
        response = FileResponse(default_storage.open(name, "rb"), as_attachment=True)
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def protected_file(request: HttpRequest, name: str) -> HttpResponse:
    return file_download(request.user, name)
