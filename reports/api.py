"""The analytics over the API: the same functions and filter as the pages, as JSON.

``GET /api/reports/funnel/``, ``/managers/``, ``/ageing/``, ``/approvals/``, ``/warehouse/``
take ``date_from``, ``date_to`` (ISO dates; the last twelve months by default), ``pipeline``
and ``responsible`` (a manager's id; the director and administrators only).
"""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deals.pipelines import PIPELINES
from fulfillment.api.errors import BadRequestSerializer, bad_request
from fulfillment.roles import person_name
from reports import analytics
from reports.analytics import Scope
from reports.forms import can_see_analytics, report_scope

PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Начало периода"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Конец периода (включительно)"),
    OpenApiParameter("pipeline", OpenApiTypes.STR, enum=list(PIPELINES), description="Воронка"),
    OpenApiParameter("responsible", OpenApiTypes.INT, description="Ответственный менеджер"),
]


class FunnelStageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    entered = serializers.IntegerField(help_text="Deals that entered the stage in the period.")
    moved_on = serializers.IntegerField(help_text="Of those, deals that moved forward from it.")
    lost = serializers.IntegerField(help_text="Of those, deals lost at this stage.")
    conversion = serializers.FloatField(allow_null=True, help_text="moved_on / entered")
    win_conversion = serializers.FloatField(
        allow_null=True, help_text="Of those that entered, the share won by now."
    )
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)


class FunnelReasonSerializer(serializers.Serializer):
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    reason = serializers.CharField()
    deals = serializers.IntegerField()


class WinsMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    won = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)


class FunnelSerializer(serializers.Serializer):
    pipeline = serializers.CharField()
    stages = FunnelStageSerializer(many=True)
    entered = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    won_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    win_conversion = serializers.FloatField(allow_null=True)
    reasons = FunnelReasonSerializer(many=True)
    months = WinsMonthSerializer(many=True)


class ManagerSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    opened = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True)
    won_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    median_hours_to_win = serializers.FloatField(allow_null=True)
    open_deals = serializers.IntegerField()
    open_amount = serializers.DecimalField(max_digits=16, decimal_places=2)


class AgeingRowSerializer(serializers.Serializer):
    pipeline = serializers.CharField()
    stage = serializers.CharField()
    label = serializers.CharField()
    counts = serializers.ListField(child=serializers.IntegerField())
    total = serializers.IntegerField()


class OldDealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    pipeline = serializers.CharField()
    stage = serializers.CharField()
    stage_entered_at = serializers.DateTimeField()
    responsible = serializers.SerializerMethodField()

    def get_responsible(self, deal) -> str:
        return person_name(deal.responsible) if deal.responsible else ""


class AgeingSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField()
    buckets = serializers.ListField(child=serializers.CharField())
    rows = AgeingRowSerializer(many=True)
    oldest = OldDealSerializer(many=True)


class ApprovalMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    decided = serializers.IntegerField()
    returned = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)


class ApprovalsSerializer(serializers.Serializer):
    decided = serializers.IntegerField()
    returned = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)
    months = ApprovalMonthSerializer(many=True)


class WarehouseDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    done = serializers.IntegerField()


class WarehouseWorkerSerializer(serializers.Serializer):
    worker = serializers.CharField()
    done = serializers.IntegerField()
    hours = serializers.FloatField(allow_null=True)


class WarehouseKindSerializer(serializers.Serializer):
    pipeline = serializers.CharField()
    label = serializers.CharField()
    median_hours = serializers.FloatField(allow_null=True)


class WarehouseSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    per_day = WarehouseDaySerializer(many=True)
    workers = WarehouseWorkerSerializer(many=True)
    kinds = WarehouseKindSerializer(many=True)
    accepted_units = serializers.IntegerField()
    acceptance_hours = serializers.FloatField(allow_null=True)
    units_per_hour = serializers.FloatField(allow_null=True)


class ReportApi(APIView):
    """One report as JSON, for whoever may see analytics (403 for warehouse staff); a manager
    gets their own deals' figures. Invalid filters answer 400 naming the field."""

    report: Callable[[Scope], object]
    serializer_class: type[serializers.Serializer]
    many = False
    needs_pipeline = False

    def get(self, request: Request) -> Response:
        if not can_see_analytics(request.user):
            raise exceptions.PermissionDenied
        form, scope = report_scope(
            request.user, request.query_params, pipeline_required=self.needs_pipeline
        )
        if scope is None:
            return Response(bad_request(form.errors), status.HTTP_400_BAD_REQUEST)
        return Response(self.serializer_class(self.report(scope), many=self.many).data)


def _documented(name: str, serializer: serializers.Serializer, summary: str):
    return extend_schema(
        operation_id=f"reports_{name}",
        summary=summary,
        parameters=PARAMETERS,
        responses={200: serializer, 400: BadRequestSerializer},
        tags=["reports"],
    )


class FunnelApi(ReportApi):
    report = staticmethod(analytics.funnel)
    serializer_class = FunnelSerializer
    needs_pipeline = True

    @_documented("funnel", FunnelSerializer(), "Воронка по стадиям за период")
    def get(self, request: Request) -> Response:
        """Per stage: deals that entered it in the period, moved on, were lost there, the
        conversions and the time spent in it (median, 90th percentile); failure reasons and
        wins by month. ``pipeline`` defaults to the calculation requests."""
        return super().get(request)


class ManagersApi(ReportApi):
    report = staticmethod(analytics.managers)
    serializer_class = ManagerSerializer
    many = True

    @_documented("managers", ManagerSerializer(many=True), "Менеджеры за период")
    def get(self, request: Request) -> Response:
        """Per manager: deals opened, won and lost in the period, win rate, amount won, median
        time from request to win; open deals and their amount now."""
        return super().get(request)


class AgeingApi(ReportApi):
    report = staticmethod(analytics.ageing)
    serializer_class = AgeingSerializer

    @_documented("ageing", AgeingSerializer(), "Старение открытых сделок")
    def get(self, request: Request) -> Response:
        """Open deals per stage by days in the stage (now; the period does not apply) and the
        oldest of them."""
        return super().get(request)


class ApprovalsApi(ReportApi):
    report = staticmethod(analytics.approvals)
    serializer_class = ApprovalsSerializer

    @_documented("approvals", ApprovalsSerializer(), "Согласования КП генеральным директором")
    def get(self, request: Request) -> Response:
        """The director's decisions in the period: count, returns with remarks, time from the
        approval task to the decision, by month."""
        return super().get(request)


class WarehouseApi(ReportApi):
    report = staticmethod(analytics.warehouse)
    serializer_class = WarehouseSerializer

    @_documented("warehouse", WarehouseSerializer(), "Работа склада за период")
    def get(self, request: Request) -> Response:
        """Warehouse tasks done by day and by worker, median tracked time per task by
        pipeline, units accepted per hour of acceptance work."""
        return super().get(request)
