"""Fixtures of the whole suite: isolated media, users of every role, service checks."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from fulfillment.roles import Role
from tests.factories import UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached state (login throttle counts, responsible choices)."""
    cache.clear()


@pytest.fixture
def manager(db):
    return UserFactory(role=Role.MANAGER)


@pytest.fixture
def other_manager(db):
    return UserFactory(role=Role.MANAGER)


@pytest.fixture
def director(db):
    return UserFactory(role=Role.DIRECTOR)


@pytest.fixture
def administrator(db):
    return UserFactory(role=Role.ADMINISTRATOR)


@pytest.fixture
def worker(db):
    return UserFactory(role=Role.WAREHOUSE)


def require_service(available: bool, what: str) -> None:
    """Skip a test whose service is missing, or fail it when CI says services are required."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} is not configured")


@pytest.fixture
def redis_url() -> str:
    """``REDIS_URL`` of a Redis server that answers."""
    import redis
    from django.conf import settings

    try:
        available = bool(
            settings.REDIS_URL and redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        )
    except redis.RedisError:
        available = False
    require_service(available, "Redis (REDIS_URL)")
    return settings.REDIS_URL


@pytest.fixture
def postgres(db):
    from django.db import connection

    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    return connection


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
