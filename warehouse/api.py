"""The warehouse's task actions over HTTP: «Начать», «Пауза», «Продолжить», «Завершить».

The core's task endpoint knows nothing of the warehouse (``deals`` never imports it); this
one extends it with time tracking and is what the API's router serves at ``tasks/``.
"""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from deals.api.serializers import TaskSerializer
from deals.api.views import TaskViewSet
from deals.models import Task
from warehouse import services


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
