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
from warehouse import reports, selectors, services
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
