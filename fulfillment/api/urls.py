"""The REST API: one router composing the apps' endpoints, the token, the schema and its UI."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from deals.api.pipelines import PipelineViewSet
from deals.api.views import CompanyViewSet, ContactViewSet, DealViewSet
from fulfillment.api.auth import AuthTokenApi
from fulfillment.api.errors import api_not_found
from fulfillment.api.files import FileDownloadApi
from fulfillment.api.notifications import NotificationViewSet
from reports.api import AgeingApi, ApprovalsApi, FunnelApi, ManagersApi, WarehouseApi
from warehouse.api import WarehouseTaskViewSet, WorkReportApi, WorkSessionViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("companies", CompanyViewSet, basename="company")
router.register("contacts", ContactViewSet, basename="contact")
router.register("deals", DealViewSet, basename="deal")
router.register("pipelines", PipelineViewSet, basename="pipeline")
router.register("tasks", WarehouseTaskViewSet, basename="task")
router.register("work-sessions", WorkSessionViewSet, basename="work-session")
router.register("notifications", NotificationViewSet, basename="notification")

app_name = "api"
urlpatterns = [
    path("auth/token/", AuthTokenApi.as_view(), name="auth-token"),
    path("files/<path:name>", FileDownloadApi.as_view(), name="file"),
    path("reports/task-time/", WorkReportApi.as_view(), name="report-task-time"),
    path("reports/funnel/", FunnelApi.as_view(), name="report-funnel"),
    path("reports/managers/", ManagersApi.as_view(), name="report-managers"),
    path("reports/ageing/", AgeingApi.as_view(), name="report-ageing"),
    path("reports/approvals/", ApprovalsApi.as_view(), name="report-approvals"),
    path("reports/warehouse/", WarehouseApi.as_view(), name="report-warehouse"),
    # Signed-in users only (SERVE_PERMISSIONS); Swagger UI's start script is a file of its own
    # (the split view), so the Content Security Policy needs no inline script.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("", include("documents.api_urls")),
    path("", include("correspondence.api_urls")),
    path("", include(router.urls)),
    # Anything else under /api/ answers in the API's error shape, not the site's HTML page.
    re_path(r"", api_not_found),
]
