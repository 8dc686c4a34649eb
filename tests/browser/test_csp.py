"""Under the Content Security Policy the pages, the admin and Swagger UI run without a single
violation: no inline script, style or handler anywhere the browser looks."""

from __future__ import annotations

import pytest

from deals.models import Task
from deals.services import deal_move
from tests.factories import make_deal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url} {message.location}: {message.text[:60]}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def test_pages_admin_and_swagger_run_without_csp_violations(
    page, live_server, login, manager, worker, administrator
):
    deal = make_deal("acceptance", "new", responsible=manager, complete=True)
    deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    task = Task.objects.get(deal=deal, kind=Task.Kind.WAREHOUSE)
    task.assignee = worker
    task.save(update_fields=["assignee"])
    violations = _watch_csp(page)

    login(manager)
    response = page.goto(f"{live_server.url}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    page.context.clear_cookies()

    login(worker)
    page.goto(f"{live_server.url}/warehouse/")
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()

    login(administrator)
    page.goto(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/deals/deal/")
    page.wait_for_load_state("networkidle")

    assert violations == [], "\n".join(violations)
