"""Root URLs: they compose the apps' own URL modules."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from fulfillment.files import protected_file

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("files/<path:name>", protected_file, name="protected-file"),
    path("api/", include("fulfillment.api.urls")),
    path("warehouse/", include("warehouse.urls")),
    path("notifications/", include("fulfillment.notification_urls")),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
