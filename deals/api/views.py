"""Companies, contacts, deals and tasks over HTTP. Each view parses, lets the selector decide
what the user reaches (out of reach: 404), calls one service and renders."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils import html

from deals import selectors, services
from deals.api.deal_serializers import (
    DEAL_SCHEMA,
    DealCreateSerializer,
    DealFieldsSerializer,
    DealSerializer,
    DealTransitionSerializer,
    service_data,
)
from deals.api.filters import ContactFilter, DealFilter, TaskFilter
from deals.api.serializers import (
    CompanySerializer,
    ContactSerializer,
    ContactUpdateSerializer,
    DealCommentSerializer,
    DealConflictSerializer,
    FieldChangeSerializer,
    StageChangeSerializer,
    TaskCommentSerializer,
    TaskReturnSerializer,
    TaskSerializer,
)
from deals.models import Company, Contact, Deal, Task
from fulfillment.api.pagination import paginated
from fulfillment.api.parsers import JSONParser
from fulfillment.api.permissions import RolePermissions, ViewPermission

FILE_PARSERS = (JSONParser, MultiPartParser)
CONFLICT = {409: DealConflictSerializer}


class CompanyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Client companies with their legal details; created and changed through the services,
    which check the INN, KPP, OGRN and bank details."""

    queryset = Company.objects.order_by("name", "pk")
    serializer_class = CompanySerializer
    permission_classes = (IsAuthenticated, RolePermissions)
    filter_backends = (filters.SearchFilter,)
    search_fields = ("name", "legal_name", "inn")
    http_method_names = ("get", "post", "patch", "head", "options")

    def perform_create(self, serializer: CompanySerializer) -> None:
        serializer.instance = services.company_create(**serializer.validated_data)

    def perform_update(self, serializer: CompanySerializer) -> None:
        services.company_update(
            company=serializer.instance, data=serializer.validated_data, actor=self.request.user
        )

    @extend_schema(responses=FieldChangeSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="field-changes", filter_backends=())
    def field_changes(self, request: Request, pk: str) -> Response:
        """The audit trail of the company: every change of its details and of its contacts'
        (old → new, who, when), oldest first."""
        changes = selectors.company_field_changes(user=request.user, company=self.get_object())
        return paginated(self, changes, FieldChangeSerializer)


@extend_schema_view(partial_update=extend_schema(request=ContactUpdateSerializer))
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Contact persons of the client companies (a phone or an e-mail each). A contact stays
    with its company: its deals belong to that company."""

    queryset = Contact.objects.order_by("name", "pk")
    serializer_class = ContactSerializer
    permission_classes = (IsAuthenticated, RolePermissions)
    filterset_class = ContactFilter
    filter_backends = (*viewsets.GenericViewSet.filter_backends, filters.SearchFilter)
    search_fields = ("name", "phone", "email")
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_serializer_class(self) -> type[ContactSerializer]:
        return ContactUpdateSerializer if self.action == "partial_update" else ContactSerializer

    def perform_create(self, serializer: ContactSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.contact_create(company=data.pop("company"), **data)

    def perform_update(self, serializer: ContactUpdateSerializer) -> None:
        services.contact_update(
            contact=serializer.instance, data=serializer.validated_data, actor=self.request.user
        )

    @extend_schema(responses=FieldChangeSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="field-changes", filter_backends=())
    def field_changes(self, request: Request, pk: str) -> Response:
        """The audit trail of the contact person: every change (old → new, who, when)."""
        changes = selectors.contact_field_changes(user=request.user, contact=self.get_object())
        return paginated(self, changes, FieldChangeSerializer)


def _raw_fields(request: Request) -> Any:
    """The ``fields`` of a move as sent (JSON object, or ``fields.<code>`` form keys)."""
    if html.is_html_input(request.data):
        return html.parse_html_dict(request.data, prefix="fields")
    return request.data.get("fields")


@extend_schema_view(
    list=extend_schema(responses=DEAL_SCHEMA),
    retrieve=extend_schema(responses=DEAL_SCHEMA),
    create=extend_schema(request=DealCreateSerializer, responses={201: DEAL_SCHEMA}),
    partial_update=extend_schema(
        request=DealFieldsSerializer, responses={200: DEAL_SCHEMA, **CONFLICT}
    ),
)
class DealViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Deals of the five pipelines. A manager reaches only the deals they are responsible for,
    the director and administrators every deal, warehouse staff none (their tasks carry what
    they need). Fields are read and written under their codes from the pipeline spec
    (`/api/pipelines/{code}/fields/`); files are sent as multipart."""

    queryset = Deal.objects.none()
    serializer_class = DealSerializer
    permission_classes = (IsAuthenticated, RolePermissions)
    parser_classes = FILE_PARSERS
    filterset_class = DealFilter
    filter_backends = (
        *viewsets.GenericViewSet.filter_backends,
        filters.SearchFilter,
        filters.OrderingFilter,
    )
    search_fields = ("title",)
    ordering_fields = ("created_at", "updated_at", "stage_entered_at", "title")
    ordering = ("-created_at", "-pk")
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_queryset(self) -> QuerySet[Deal]:
        return selectors.deal_list(user=self.request.user)

    def _render(self, deal: Deal, code: int = status.HTTP_200_OK) -> Response:
        return Response(DealSerializer(deal, context=self.get_serializer_context()).data, code)

    def create(self, request: Request) -> Response:
        """Create a deal («Создать»), in the pipeline's first stage or a later open one (then
        with every field the stages before it require)."""
        serializer = DealCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        deal = services.deal_create(
            pipeline=values.pop("pipeline"),
            stage=values.pop("stage", None),
            title=values.pop("title"),
            actor=request.user,
            data=service_data(values, request.data),
        )
        return self._render(deal, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        """Change fields of the deal without moving it."""
        deal = self.get_object()
        serializer = DealFieldsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = service_data(serializer.validated_data, request.data)
        services.deal_update(deal=deal, actor=request.user, data=data)
        return self._render(deal)

    @extend_schema(
        request=DealTransitionSerializer,
        responses={200: DEAL_SCHEMA, **CONFLICT},
        description="Move the deal by one of its `available_transitions`, setting `fields` "
        "first. Refused: 400 with the codes of the `missing_fields`; `fail` needs a `reason` "
        "and a `comment`; a return or a reopening needs a `comment`. Send `expected_stage` (the "
        "`stage` you saw): a deal moved by someone else meanwhile answers 409 with its current "
        "`stage` and moves nothing, so of two moves sent at once exactly one applies.",
    )
    @action(detail=True, methods=["post"], filter_backends=())
    def transition(self, request: Request, pk: str) -> Response:
        deal = self.get_object()
        serializer = DealTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        services.deal_move(
            deal=deal,
            transition=values["transition"],
            actor=request.user,
            comment=values["comment"],
            reason=values["reason"],
            data=service_data(values.get("fields", {}), _raw_fields(request)),
            expected_stage=values["expected_stage"],
        )
        return self._render(deal)

    @extend_schema(methods=["GET"], responses=DealCommentSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=DealCommentSerializer, responses={201: DealCommentSerializer}
    )
    @action(detail=True, methods=["get", "post"], filter_backends=())
    def comments(self, request: Request, pk: str) -> Response:
        """The deal's timeline comments; a new one (with a file) notifies those @mentioned who
        may open the deal, and its ``warnings`` name those who may not (they are not notified)."""
        deal = self.get_object()
        if request.method == "GET":
            return paginated(self, selectors.deal_comments(deal=deal), DealCommentSerializer)
        serializer = DealCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.deal_comment_add(
            deal=deal,
            author=request.user,
            text=serializer.validated_data.get("text", ""),
            file=serializer.validated_data.get("file"),
        )
        context = self.get_serializer_context()
        return Response(DealCommentSerializer(comment, context=context).data, 201)

    @extend_schema(responses=StageChangeSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=())
    def history(self, request: Request, pk: str) -> Response:
        """Every move of the deal: who, when, from, to, with what comment."""
        return paginated(
            self, selectors.deal_history(deal=self.get_object()), StageChangeSerializer
        )

    @extend_schema(responses=FieldChangeSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="field-changes", filter_backends=())
    def field_changes(self, request: Request, pk: str) -> Response:
        """The audit trail of the deal: every change of its fields, and of its company's
        details made from the deal (old → new, who, when), oldest first. Amounts and
        invoices are left out for those who do not see money."""
        changes = selectors.deal_field_changes(user=request.user, deal=self.get_object())
        return paginated(self, changes, FieldChangeSerializer)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tasks: the director's approvals of a КП and the warehouse tasks. Each user reaches the
    tasks they may see (a worker: theirs and the warehouse queue's); the services decide who
    may act on them."""

    queryset = Task.objects.none()
    serializer_class = TaskSerializer
    permission_classes = (IsAuthenticated, ViewPermission)
    parser_classes = (JSONParser,)
    filterset_class = TaskFilter

    def get_queryset(self) -> QuerySet[Task]:
        return selectors.task_list(user=self.request.user).order_by("-created_at", "-pk")

    def _render(self, task: Task) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"], filter_backends=())
    def approve(self, request: Request, pk: str) -> Response:
        """The director approves the КП: the deal may leave «Согласовать КП с ГД»."""
        task = services.approval_approve(task=self.get_object(), actor=request.user)
        return self._render(task)

    @extend_schema(request=TaskReturnSerializer, responses={200: TaskSerializer, **CONFLICT})
    @action(detail=True, methods=["post"], url_path="return", filter_backends=())
    def return_(self, request: Request, pk: str) -> Response:
        """The director returns the КП with remarks: the deal goes back to «Сформировать КП»."""
        task = self.get_object()
        serializer = TaskReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.approval_return(
            task=task, actor=request.user, remarks=serializer.validated_data["remarks"]
        )
        return self._render(task)

    @extend_schema(methods=["GET"], responses=TaskCommentSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=TaskCommentSerializer, responses={201: TaskCommentSerializer}
    )
    @action(detail=True, methods=["get", "post"], filter_backends=(), parser_classes=FILE_PARSERS)
    def comments(self, request: Request, pk: str) -> Response:
        """Comments of the task; one ticked `is_result` (with a file) is the task's result."""
        task = self.get_object()
        if request.method == "GET":
            return paginated(self, selectors.task_comments(task=task), TaskCommentSerializer)
        serializer = TaskCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.task_comment_add(
            task=task,
            author=request.user,
            text=serializer.validated_data.get("text", ""),
            file=serializer.validated_data.get("file"),
            is_result=serializer.validated_data.get("is_result", False),
        )
        context = self.get_serializer_context()
        return Response(TaskCommentSerializer(comment, context=context).data, 201)
