"""The user's own notifications: list them, count the unread, mark them read."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from fulfillment.models import Notification
from fulfillment.notifications import notifications_mark_read, unread_count


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ("id", "event", "text", "url", "created_at", "read_at")


class NotificationMarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        help_text="Notifications to mark read; all of the user's when omitted.",
    )


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields = ("unread", "event")


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Notifications of the signed-in user, newest first."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()  # for the schema; the real one is the user's

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user)

    @extend_schema(
        request=NotificationMarkReadSerializer,
        responses=inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read", filter_backends=())
    def mark_read(self, request: Request) -> Response:
        serializer = NotificationMarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = notifications_mark_read(
            user=request.user, ids=serializer.validated_data.get("ids")
        )
        return Response({"marked": marked})

    @extend_schema(
        responses=inline_serializer("NotificationsUnread", {"count": serializers.IntegerField()})
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="unread-count",
        filter_backends=(),
        pagination_class=None,
    )
    def unread_count(self, request: Request) -> Response:
        return Response({"count": unread_count(request.user)})
