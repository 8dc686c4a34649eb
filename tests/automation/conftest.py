import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the code under test leaves for after commit (the automation), as the
    embedded default does: ``with committed(): deal_move(...)``."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
