"""The history with known answers (tests/factories/history.py) as a fixture."""

import pytest

from tests.factories.history import build_history


@pytest.fixture
def history(db) -> dict:
    return build_history()
