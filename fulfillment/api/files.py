"""Uploaded files through the API: ``GET /api/files/<name>`` streams a file to a caller the
owning app allows (the same check as the pages' ``/files/``), signed in by token or session.
The file fields of the API's representations link here."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from fulfillment.files import file_download


class FileDownloadApi(APIView):
    @extend_schema(
        operation_id="files_retrieve",
        parameters=[
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The file's name as the representations' file URLs give it.",
            )
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        tags=["files"],
    )
    def get(self, request: Request, name: str) -> HttpResponse:
        """Download a file of a deal, a comment or a task; 404 when it is not yours to see."""
        return file_download(request.user, name)
