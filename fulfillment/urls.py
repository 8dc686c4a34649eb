"""Root URLs: they compose the apps' own URL modules."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

from fulfillment.files import protected_file
from fulfillment.login_limits import PasswordResetView


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for ``/favicon.ico`` on their own: the product's icon."""
    return HttpResponsePermanentRedirect(static("warehouse/icon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("files/<path:name>", protected_file, name="protected-file"),
    path("api/", include("fulfillment.api.urls")),
    # Bitrix24's inbound webhook protocol, at the host root as its clients expect it.
    path("rest/", include("bitrix.urls")),
    path("warehouse/", include("warehouse.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("fulfillment.notification_urls")),
    path("overdue/", include("deadlines.urls")),
    path("documents/", include("documents.urls")),
    path("mail/", include("correspondence.urls")),
    # The client portal: clients of the fulfillment, never staff pages.
    path("client/", include("portal.urls")),
    # The staff pages; «/» sends each user to their home (deals.views.home).
    path("", include("deals.urls")),
]
