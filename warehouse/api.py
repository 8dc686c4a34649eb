"""The warehouse over HTTP: the task actions «Начать», «Пауза», «Продолжить», «Завершить»,
the work sessions (a forgotten one closed), and the task time report.

The core's task endpoint knows nothing of the warehouse (``deals`` never imports it); this
one extends it with time tracking and is what the API's router serves at ``tasks/``.
"""

from __future__ import annotations

from collections.abc import Callable

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deals.api.filters import IdFilter, UserFilter
from deals.api.serializers import TaskSerializer
from deals.api.views import TaskViewSet
from deals.models import Task
from fulfillment.api.errors import BadRequestSerializer, bad_request
from fulfillment.roles import person_name
from warehouse import recount, reports, selectors, services
from warehouse.models import WorkSession


class WarehouseTaskSerializer(TaskSerializer):
    seconds_spent = serializers.SerializerMethodField()
    is_running = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = (*TaskSerializer.Meta.fields, "seconds_spent", "is_running")
        read_only_fields = fields

    def get_seconds_spent(self, task: Task) -> int:
        """Time spent on the task so far, a running session counted up to now."""
        return services.task_seconds(task)

    def get_is_running(self, task: Task) -> bool:
        """Whether someone's clock is running on the task now."""
        return any(session.is_running for session in task.work_sessions.all())


# --- the recount ------------------------------------------------------------------------------

_ROW_FIELDS = (
    "id",
    "article",
    "barcode",
    "name",
    "expected",
    "counted",
    "defective",
    "unexpected",
    "dispute_comment",
    "photos",
)


def _row_dict(row: list) -> dict:
    data = dict(zip(_ROW_FIELDS, row, strict=True))
    data["unexpected"] = bool(data["unexpected"])
    return data


def _line_dict(line) -> dict:
    return _row_dict(recount.line_row(line))


class RecountLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    article = serializers.CharField()
    barcode = serializers.CharField()
    name = serializers.CharField()
    expected = serializers.IntegerField()
    counted = serializers.IntegerField()
    defective = serializers.IntegerField()
    unexpected = serializers.BooleanField(help_text="Not in the client's shipment list.")
    dispute_comment = serializers.CharField(help_text="The client's comment when disputed.")
    photos = serializers.IntegerField(help_text="How many photos of damage the line has.")


class RecountStateSerializer(serializers.Serializer):
    lines = RecountLineSerializer(many=True)
    version = serializers.IntegerField(help_text="Pass it as `since` to get later changes.")


class RecountSyncRequestSerializer(serializers.Serializer):
    ops = serializers.ListField(
        child=serializers.DictField(), max_length=recount.MAX_OPS_PER_SYNC, allow_empty=True
    )
    since = serializers.IntegerField(min_value=0, required=False, default=0)


class RecountRejectedSerializer(serializers.Serializer):
    op = serializers.CharField()
    error = serializers.CharField()


class RecountSyncSerializer(serializers.Serializer):
    applied = serializers.ListField(child=serializers.UUIDField())
    rejected = RecountRejectedSerializer(many=True)
    refs = serializers.DictField(
        child=serializers.IntegerField(), help_text="New SKUs: op id → line id."
    )
    lines = RecountLineSerializer(many=True)
    version = serializers.IntegerField()


TASK_ACTION = extend_schema(request=None, responses=WarehouseTaskSerializer)


class WarehouseTaskViewSet(TaskViewSet):
    serializer_class = WarehouseTaskSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("work_sessions")

    def _act(self, service: Callable, request: Request) -> Response:
        task = self.get_object()
        service(task=task, worker=request.user)
        return self._render(task)

    @TASK_ACTION
    @action(detail=True, methods=["post"], filter_backends=())
    def start(self, request: Request, pk: str) -> Response:
        """«Начать»: start the clock; an unassigned task from the queue becomes yours."""
        return self._act(services.work_start, request)

    @TASK_ACTION
    @action(detail=True, methods=["post"], filter_backends=())
    def pause(self, request: Request, pk: str) -> Response:
        """«Пауза»: stop your clock on this task."""
        return self._act(services.work_pause, request)

    @TASK_ACTION
    @action(detail=True, methods=["post"], filter_backends=())
    def resume(self, request: Request, pk: str) -> Response:
        """«Продолжить»: start the clock again."""
        return self._act(services.work_resume, request)

    @TASK_ACTION
    @action(detail=True, methods=["post"], filter_backends=())
    def complete(self, request: Request, pk: str) -> Response:
        """«Завершить»: needs the result comment with its file, which goes to the deal."""
        return self._act(services.warehouse_task_complete, request)

    # --- «Пересчет» of an acceptance ------------------------------------------------------

    def _recount_task(self) -> Task:
        task = self.get_object()
        recount.recount_task_check(task, self.request.user)
        return task

    @extend_schema(request=None, responses=RecountStateSerializer)
    @action(detail=True, methods=["get"], url_path="recount", filter_backends=())
    def recount_lines(self, request: Request, pk: str) -> Response:
        """The recount's lines as the phone keeps them (disputed lines first), for whoever
        works on the acceptance's warehouse task."""
        task = self._recount_task()
        lines = recount.recount_lines(deal=task.deal)
        return Response(
            {
                "lines": [_line_dict(line) for line in lines],
                "version": recount.recount_version(task.deal),
            }
        )

    @extend_schema(request=RecountSyncRequestSerializer, responses=RecountSyncSerializer)
    @action(detail=True, methods=["post"], url_path="recount/sync", filter_backends=())
    def recount_sync(self, request: Request, pk: str) -> Response:
        """Apply queued changes, each once by its `op` id (a resent op is acknowledged again
        and changes nothing). Ops are deltas: `{"op": uuid, "kind": "add", "line": id,
        "field": "counted"|"defective", "delta": n}`, or `{"op": uuid, "kind": "new_line",
        "barcode": …, "article": …, "name": …}` for an SKU not in the list (later ops may
        name it by `"ref": <its op id>`). Answers the lines the ops touched and those changed
        since `since` (another phone's work), as compact rows."""
        task = self._recount_task()
        body = RecountSyncRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = recount.recount_sync(
            task=task,
            worker=request.user,
            ops=body.validated_data["ops"],
            since=body.validated_data.get("since", 0),
        )
        return Response(
            {
                "applied": result.applied,
                "rejected": result.rejected,
                "refs": result.refs,
                "lines": [_row_dict(row) for row in result.lines],
                "version": result.version,
            }
        )

    @TASK_ACTION
    @action(detail=True, methods=["post"], url_path="recount/finish", filter_backends=())
    def recount_finish(self, request: Request, pk: str) -> Response:
        """«Завершить пересчет»: the recount file (XLSX) becomes the task's result, the
        discrepancy act (PDF) is made where goods differ, and the task is completed."""
        task = recount.recount_finish(task=self._recount_task(), worker=request.user)
        return self._render(task)


# --- work sessions ---------------------------------------------------------------------------


class WorkSessionSerializer(serializers.ModelSerializer):
    task_title = serializers.CharField(source="task.title", read_only=True)
    worker_name = serializers.SerializerMethodField()
    seconds = serializers.SerializerMethodField()
    is_running = serializers.BooleanField(read_only=True)
    can_close = serializers.SerializerMethodField()

    class Meta:
        model = WorkSession
        fields = (
            "id",
            "task",
            "task_title",
            "worker",
            "worker_name",
            "started_at",
            "stopped_at",
            "stopped_by",
            "seconds",
            "is_running",
            "can_close",
        )
        read_only_fields = fields

    def get_worker_name(self, session: WorkSession) -> str:
        return person_name(session.worker)

    def get_seconds(self, session: WorkSession) -> int:
        """The session's length; a running one counted up to now."""
        return session.seconds()

    def get_can_close(self, session: WorkSession) -> bool:
        """Whether the user may close this running session now."""
        return session.is_running and services.can_close_session(
            session, self.context["request"].user
        )


class WorkSessionFilter(django_filters.FilterSet):
    task = IdFilter(field_name="task_id")
    worker = UserFilter(field_name="worker_id")
    running = django_filters.BooleanFilter(field_name="stopped_at", lookup_expr="isnull")

    class Meta:
        model = WorkSession
        fields = ()


class WorkSessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Work sessions on the warehouse tasks the user sees, newest first. A session left
    running (a forgotten «Пауза») is closed by its worker, the director or an administrator."""

    queryset = WorkSession.objects.none()
    serializer_class = WorkSessionSerializer
    # Who sees a session follows from its task; who closes one, from the service.
    permission_classes = (IsAuthenticated,)
    filterset_class = WorkSessionFilter

    def get_queryset(self) -> QuerySet[WorkSession]:
        return (
            selectors.work_sessions_visible_to(self.request.user)
            .select_related("task", "worker")
            .order_by("-started_at", "-pk")
        )

    @extend_schema(request=None, responses=WorkSessionSerializer)
    @action(detail=True, methods=["post"], filter_backends=())
    def close(self, request: Request, pk: str) -> Response:
        """Stop the clock of a session left running; a closed one stays as it is."""
        session = services.session_close(session=self.get_object(), actor=request.user)
        session = self.get_queryset().get(pk=session.pk)
        return Response(self.get_serializer(session).data)


# --- the task time report --------------------------------------------------------------------


class WorkReportRowSerializer(serializers.Serializer):
    values = serializers.ListField(
        child=serializers.JSONField(), help_text="The row's values in the order of `columns`."
    )
    seconds = serializers.IntegerField(help_text="Time spent, in seconds.")


class WorkReportSerializer(serializers.Serializer):
    group = serializers.ChoiceField(choices=list(reports.GROUPS.items()))
    columns = serializers.ListField(child=serializers.CharField())
    rows = WorkReportRowSerializer(many=True)
    total_seconds = serializers.IntegerField()
    truncated = serializers.BooleanField(
        help_text=f"More than {reports.ROW_LIMIT} rows: narrow the filter to see the rest."
    )


def _report_parameters() -> list[OpenApiParameter]:
    """The query parameters, read from the report's filter."""
    types = {
        django_filters.DateFilter: OpenApiTypes.DATE,
        django_filters.ModelChoiceFilter: OpenApiTypes.INT,
    }
    parameters = []
    for name, filter_ in reports.WorkReportFilter.base_filters.items():
        choices = filter_.extra.get("choices")
        parameters.append(
            OpenApiParameter(
                name,
                types.get(type(filter_), OpenApiTypes.STR),
                enum=[code for code, _label in choices] if choices else None,
                description=str(filter_.label),
            )
        )
    return parameters


class WorkReportApi(APIView):
    @extend_schema(
        operation_id="reports_task_time",
        parameters=_report_parameters(),
        responses={200: WorkReportSerializer, 400: BadRequestSerializer},
        tags=["reports"],
    )
    def get(self, request: Request) -> Response:
        """The task time report, as on its page: sessions overlapping the period (the last 30
        days by default), grouped by task, worker, pipeline, day, week or month. For the
        director, administrators and managers (the time on their own deals' tasks)."""
        if not reports.can_see_report(request.user):
            raise exceptions.PermissionDenied
        filterset, report = reports.work_report(user=request.user, data=request.query_params)
        if report is None:
            return Response(bad_request(filterset.errors), status.HTTP_400_BAD_REQUEST)
        rows = [{"values": values, "seconds": seconds} for *values, seconds in report.rows]
        return Response(
            {
                "group": report.group,
                "columns": report.columns,
                "rows": rows,
                "total_seconds": report.total_seconds,
                "truncated": report.truncated,
            }
        )
