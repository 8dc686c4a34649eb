"""The production stack's edge: nginx is the only way in (it sets X-Forwarded-* itself), serves
the static files and sends the protected downloads the app allows through X-Accel-Redirect."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deals import services
from tests.api.conftest import client_for
from tests.conftest import require_service
from tests.factories import make_deal

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def _comment_file(manager):
    deal = make_deal("calculation", "new", responsible=manager)
    comment = services.deal_comment_add(
        deal=deal,
        author=manager,
        text="Схема паллет",
        file=SimpleUploadedFile("pallets.pdf", b"%PDF-1.4 pallets"),
    )
    return comment.file.name


@pytest.mark.django_db
def test_with_the_proxy_a_permitted_download_is_handed_to_nginx(
    settings, client, manager, other_manager
):
    settings.FILES_X_ACCEL_REDIRECT_PREFIX = "/protected/"
    name = _comment_file(manager)
    client.force_login(manager)

    for response in (
        client.get(reverse("protected-file", args=[name])),
        client_for(manager).get(reverse("api:file", args=[name])),
    ):
        assert response.status_code == 200
        assert response["X-Accel-Redirect"] == f"/protected/{name}"
        assert response.content == b""
        assert "attachment" in response["Content-Disposition"]
        assert "pallets" in response["Content-Disposition"]
        assert "private" in response["Cache-Control"]

    client.force_login(other_manager)
    refused = client.get(reverse("protected-file", args=[name]))
    assert refused.status_code == 404
    assert not refused.has_header("X-Accel-Redirect")
    assert client_for(other_manager).get(reverse("api:file", args=[name])).status_code == 404
    client.logout()
    anonymous = client.get(reverse("protected-file", args=[name]))
    assert anonymous.status_code == 302
    assert not anonymous.has_header("X-Accel-Redirect")


@pytest.mark.django_db
def test_without_the_proxy_django_streams_the_file_privately(settings, client, manager):
    settings.FILES_X_ACCEL_REDIRECT_PREFIX = ""
    name = _comment_file(manager)
    client.force_login(manager)

    response = client.get(reverse("protected-file", args=[name]))

    assert not response.has_header("X-Accel-Redirect")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 pallets"
    assert "private" in response["Cache-Control"]


def test_by_default_no_forwarded_header_is_trusted():
    """The embedded default believes no proxy: a client's X-Forwarded-* count for nothing."""
    assert django_settings.NUM_PROXIES == 0
    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    assert not getattr(django_settings, "SECURE_PROXY_SSL_HEADER", None)
    assert django_settings.FILES_X_ACCEL_REDIRECT_PREFIX == ""


def test_compose_publishes_only_nginx_in_front_of_gunicorn():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services_ = compose["services"]

    published = {name for name, service in services_.items() if service.get("ports")}
    assert published == {"nginx"}
    assert {"80:80", "443:443"} <= set(services_["nginx"]["ports"])
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in services_["nginx"]["volumes"]
    # nginx reads the same static and media volumes the app writes.
    assert "static:/app/staticfiles" in services_["web"]["volumes"]
    assert "static:/srv/static:ro" in services_["nginx"]["volumes"]
    assert "media:/data/media" in services_["web"]["volumes"]
    assert "media:/data/media:ro" in services_["nginx"]["volumes"]
    assert {"static", "media"} <= set(compose["volumes"])
    environment = services_["web"]["environment"]
    assert environment["DJANGO_NUM_PROXIES"] == "1"
    assert environment["FILES_X_ACCEL_REDIRECT_PREFIX"] == "/protected/"


def test_nginx_overwrites_the_clients_forwarded_headers():
    conf = NGINX_CONF.read_text()

    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "$proxy_add_x_forwarded_for" not in conf
    protected = conf.split("location /protected/", 1)[1].split("}", 1)[0]
    assert "internal;" in protected
    assert "alias /data/media/;" in protected


def test_the_nginx_config_passes_nginx_t(tmp_path):
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    require_service(bool(nginx), "nginx")
    (tmp_path / "static").mkdir()
    (tmp_path / "media").mkdir()
    conf = (
        NGINX_CONF.read_text()
        # The compose network's name of gunicorn is not resolvable here.
        .replace("server web:8000;", "server 127.0.0.1:8000;")
        .replace("/srv/static/", f"{tmp_path}/static/")
        .replace("/data/media/", f"{tmp_path}/media/")
        .replace("/tmp/nginx.pid", f"{tmp_path}/nginx.pid")
    )
    (tmp_path / "nginx.conf").write_text(conf)

    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", "nginx.conf"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
