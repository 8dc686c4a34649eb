"""The access matrix, table-driven over the site's URL patterns (a new staff page is covered
the day it is added): a client never reaches a staff page, the admin or the staff API, never
another company's request or file; a client's session cannot act as staff; staff cannot use
the client's actions."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from rest_framework.test import APIClient

from deals.models import Deal
from portal.middleware import OPEN_PREFIXES
from tests.portal.conftest import CLIENT_PASSWORD

pytestmark = pytest.mark.django_db


def _names(patterns=None, namespace: str = ""):
    """Every named URL of the site as ``namespace:name`` with its argument names."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _names(pattern.url_patterns, full)
        elif isinstance(pattern, URLPattern) and pattern.name:
            arguments = tuple(pattern.pattern.regex.groupindex)
            if "format" in arguments:  # DRF's «.json» twins of the same view
                continue
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), arguments


ALL_NAMES = sorted(set(_names()))
STAFF_NAMESPACES = ("deals", "reports", "warehouse", "admin", "api")
# Pages open to everyone, signed in or not (signing in, the language switch, the warehouse's
# web-app manifest and service worker) and the token-authenticated Bitrix24 webhook.
PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "warehouse:manifest",
    "warehouse:service-worker",
    "admin:login",
    "api:auth-token",
}


def _value(argument: str, deal: Deal) -> str:
    if argument in ("code", "pipeline"):
        return "acceptance"
    if argument == "app_label":
        return "deals"
    return str(deal.pk)


def url_of(name: str, arguments: tuple[str, ...], deal: Deal) -> str | None:
    for guess in (lambda a: _value(a, deal), lambda a: "x", lambda a: "1"):
        try:
            return reverse(name, kwargs={a: guess(a) for a in arguments})
        except NoReverseMatch:
            continue
    return None


OUTSIDE_PORTAL = [
    (name, arguments)
    for name, arguments in ALL_NAMES
    if not name.startswith("portal:") and name not in PUBLIC
]


@pytest.mark.parametrize(("name", "arguments"), OUTSIDE_PORTAL, ids=[n for n, _ in OUTSIDE_PORTAL])
def test_a_client_is_kept_inside_the_portal(client_session, own_deal, name, arguments):
    """Every page outside /client/ (staff pages, reports, warehouse, admin, the API with the
    session): a GET goes to /client/ (the API answers 403), any other method is 403."""
    url = url_of(name, arguments, own_deal)
    assert url is not None, name
    if url.startswith(OPEN_PREFIXES):
        pytest.skip("open to every browser")
    got = client_session.get(url)
    posted = client_session.post(url)
    if url.startswith("/api/"):
        assert got.status_code == 403 and posted.status_code == 403
    else:
        assert (got.status_code, got["Location"]) == (302, "/client/")
        assert posted.status_code == 403


# What every signed-in user may call by design, and so a client too without the portal's
# middleware: their own notifications, the pipelines' public spec, the API's schema, their
# own (empty) work sessions, files the download checks answer for, the warehouse's list of
# their own (no) tasks, the password change.
OPEN_TO_ANY_SIGNED_IN = {
    "api:notification-list",
    "api:notification-mark-read",
    "api:notification-unread-count",
    "api:pipeline-list",
    "api:pipeline-detail",
    "api:pipeline-fields",
    "api:pipeline-failure-reasons",
    "api:schema",
    "api:docs",
    "api:work-session-list",
    "api:file",
    "warehouse:tasks",
    "warehouse:push-subscribe",
    "warehouse:push-unsubscribe",
}
STAFF_ONLY = [
    (name, arguments)
    for name, arguments in OUTSIDE_PORTAL
    if name.split(":")[0] in STAFF_NAMESPACES and name not in OPEN_TO_ANY_SIGNED_IN
]


@pytest.mark.usefixtures("without_client_middleware")
@pytest.mark.parametrize(("name", "arguments"), STAFF_ONLY, ids=[n for n, _ in STAFF_ONLY])
def test_staff_views_refuse_a_client_on_their_own(client_session, own_deal, name, arguments):
    """Without the portal's middleware too: every staff page and endpoint refuses a user
    with no role (403/404/405, or a redirect to a sign-in page), even on the client's own
    company's deal."""
    url = url_of(name, arguments, own_deal)
    for method in (client_session.get, client_session.post):
        response = method(url, follow=True)
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        assert response.status_code in (403, 404, 405) or "login" in final, (
            method.__name__,
            url,
            response.status_code,
            final,
        )


def test_a_client_session_cannot_move_their_own_deal_as_staff(client_session, own_deal):
    staff_move = reverse("deals:move", args=[own_deal.pk, "to_to_warehouse"])
    assert client_session.post(staff_move, {"expected_stage": "new"}).status_code == 403
    api = client_session.post(
        f"/api/deals/{own_deal.pk}/transition/",
        {"transition": "to_to_warehouse"},
        content_type="application/json",
    )
    assert api.status_code == 403
    own_deal.refresh_from_db()
    assert own_deal.stage == "new"


def test_a_clients_api_token_reaches_no_staff_data(client_user, own_deal):
    api = APIClient()
    token = api.post(
        "/api/auth/token/",
        {"username": client_user.username, "password": CLIENT_PASSWORD},
        format="json",
    )
    if token.status_code != 200:  # the token endpoint refused a client outright
        assert token.status_code in (400, 403)
        return
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    for path in ("/api/deals/", f"/api/deals/{own_deal.pk}/", "/api/companies/", "/api/tasks/"):
        assert api.get(path).status_code == 403, path
    moved = api.post(
        f"/api/deals/{own_deal.pk}/transition/", {"transition": "to_to_warehouse"}, format="json"
    )
    assert moved.status_code == 403


@pytest.mark.parametrize(
    "name",
    [n for n, args in ALL_NAMES if n.startswith("portal:") and "pk" in args],
)
def test_another_companys_requests_are_404_on_every_portal_url(client_session, other_deal, name):
    arguments = next(args for n, args in ALL_NAMES if n == name)
    url = None
    for other in ("1", "act", "invoice"):  # ids of the other arguments, or a file slot
        try:
            url = reverse(
                name, kwargs={a: other_deal.pk if a == "pk" else other for a in arguments}
            )
            break
        except NoReverseMatch:
            continue
    assert url is not None
    assert client_session.get(url).status_code in (404, 405)
    assert client_session.post(url).status_code in (404, 405)


@pytest.mark.parametrize(
    "name",
    ["portal:request-new", "portal:recount-agree", "portal:recount-dispute", "portal:list-upload"],
)
def test_staff_cannot_use_the_clients_actions(client, manager, director, own_deal, name):
    for user in (manager, director):
        client.force_login(user)
        kwargs = {"pipeline": "acceptance"} if name == "portal:request-new" else {"pk": own_deal.pk}
        response = client.post(reverse(name, kwargs=kwargs), {"boxes": "1"})
        assert response.status_code == 403
    assert Deal.objects.count() == 1
    own_deal.refresh_from_db()
    assert own_deal.stage == "new"


def test_the_staff_home_sends_a_client_to_the_portal(client_session):
    response = client_session.get("/")
    assert (response.status_code, response["Location"]) == (302, "/client/")


def test_a_client_signing_in_on_the_staff_page_lands_in_the_portal(client, client_user):
    response = client.post(
        "/accounts/login/",
        {"username": client_user.username, "password": CLIENT_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/client/"
    assert response.status_code == 200


def test_staff_pass_the_middleware_untouched(client, manager, own_deal):
    client.force_login(manager)
    assert client.get(reverse("deals:detail", args=[own_deal.pk])).status_code == 200
