"""Files on S3-compatible object storage, against a real S3 API server (moto in server mode):
uploads through the pages and the API land in the bucket, downloads are checked and then
redirected to a short-lived signed URL, the bucket stays private, and the local files move
over once."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from moto.server import ThreadedMotoServer

from deals.models import DealComment
from tests.api.conftest import client_for
from tests.factories import make_deal

pytestmark = pytest.mark.django_db

BUCKET = "crm-files"
PDF = b"%PDF-1.4 pallets"


@pytest.fixture
def s3(settings):
    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)  # the server keeps its state
    keys = {"aws_access_key_id": "crm", "aws_secret_access_key": "secret"}
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": "crm",
                "secret_key": "secret",
                "region_name": "us-east-1",
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 120,
                "file_overwrite": False,
                "signature_version": "s3v4",
            },
        },
    }
    yield client, endpoint
    server.stop()


def _keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def _commented_deal(client, manager):
    """A deal of ``manager`` with a comment and its file posted through the page (signed in)."""
    deal = make_deal("calculation", "new", responsible=manager, complete=False)
    client.force_login(manager)
    client.post(
        reverse("deals:comment", args=[deal.pk]),
        {"text": "Схема", "file": SimpleUploadedFile("pallets.pdf", PDF)},
    )
    return deal


def test_uploads_from_the_page_and_the_api_land_in_the_bucket(s3, client, manager, settings):
    bucket, _endpoint = s3

    deal = _commented_deal(client, manager)
    api = client_for(manager).post(
        f"/api/deals/{deal.pk}/comments/",
        {"text": "Через API", "file": SimpleUploadedFile("api.pdf", PDF)},
        format="multipart",
    )

    assert api.status_code == 201, api.content
    names = sorted(c.file.name for c in DealComment.objects.filter(deal=deal))
    assert sorted(_keys(bucket)) == names and len(names) == 2
    assert not (settings.MEDIA_ROOT).exists()  # nothing written locally


def test_a_download_is_checked_then_signed_for_minutes_and_the_bucket_stays_private(
    s3, client, manager, other_manager
):
    _bucket, endpoint = s3
    deal = _commented_deal(client, manager)
    name = DealComment.objects.get(deal=deal).file.name

    allowed = client.get(f"/files/{name}")
    client.force_login(other_manager)
    refused = client.get(f"/files/{name}")

    assert allowed.status_code == 302
    assert allowed["Cache-Control"] == "private, no-store" or "no-store" in allowed["Cache-Control"]
    signed = allowed["Location"]
    query = parse_qs(urlsplit(signed).query)
    assert signed.startswith(f"{endpoint}/{BUCKET}/")
    assert query["X-Amz-Expires"] == ["120"]
    assert "attachment" in query["response-content-disposition"][0]
    got = requests.get(signed, timeout=10)
    assert (got.status_code, got.content) == (200, PDF)
    assert "attachment" in got.headers["Content-Disposition"]
    assert refused.status_code == 404
    # The object itself is not public: without the signature the server refuses it.
    assert requests.get(signed.split("?")[0], timeout=10).status_code == 403


def test_local_files_move_to_the_bucket_once_with_their_sizes(s3, settings, tmp_path, capsys):
    bucket, _endpoint = s3
    local = tmp_path / "old-media"
    (local / "comments" / "a").mkdir(parents=True)
    (local / "comments" / "a" / "scan.pdf").write_bytes(PDF)
    (local / "deals" / "b").mkdir(parents=True)
    (local / "deals" / "b" / "kp.pdf").write_bytes(PDF * 3)

    call_command("media_to_storage", source=str(local))
    first = capsys.readouterr().out
    call_command("media_to_storage", source=str(local))
    again = capsys.readouterr().out

    assert sorted(_keys(bucket)) == ["comments/a/scan.pdf", "deals/b/kp.pdf"]
    assert default_storage.size("deals/b/kp.pdf") == len(PDF * 3)
    assert "2/2" in first and ("copied 2" in first or "скопировано 2" in first)
    assert "copied 0" in again or "скопировано 0" in again


def test_readiness_asks_the_bucket(s3):
    response = Client().get("/readyz", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200
    assert response.json()["checks"]["storage"] == "ok"
