"""Documents over the API.

``POST /api/deals/{id}/documents/{kind}/`` (``proposal``, ``invoice``, ``act``) makes the
document through ``documents.services.document_generate`` and answers 201 with the file's
URL and the deal fields it filled; ``GET /api/price-list/`` lists the services with their list
price today or on ``?date=``.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deals.selectors import deal_visible_to
from documents.models import Document, VatMode
from documents.pricing import current_price_list
from documents.services import document_generate, filled_fields
from fulfillment.api.errors import BadRequestSerializer, ErrorSerializer, bad_request
from fulfillment.roles import is_sales


class GenerateSerializer(serializers.Serializer):
    expected_stage = serializers.CharField(
        required=False, help_text="The stage the client saw; another one answers 409."
    )
    pallet_days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=10**6,
        help_text="Storage billed on an invoice, in pallet-place days.",
    )


class DocumentSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()
    filled = serializers.SerializerMethodField(
        help_text="The deal fields the document filled (code → value)."
    )
    lines = serializers.JSONField(
        help_text="The lines as generated: code, name, unit, "
        "quantity, price, amount (strings), vat_exempt."
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "deal",
            "kind",
            "number",
            "issued_on",
            "amount",
            "vat_rate",
            "vat_amount",
            "lines",
            "file_url",
            "filled",
            "created_at",
        ]

    def get_file_url(self, document: Document) -> str:
        url = reverse("api:file", args=[document.file.name])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_filled(self, document: Document) -> dict:
        return {key: str(value) for key, value in filled_fields(document).items()}


class DocumentGenerateApi(APIView):
    @extend_schema(
        operation_id="deals_documents_create",
        summary="Make the deal's КП, invoice or act",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
            OpenApiParameter(
                "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=Document.Kind.values
            ),
        ],
        request=GenerateSerializer,
        responses={
            201: DocumentSerializer,
            400: BadRequestSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
        tags=["documents"],
    )
    def post(self, request: Request, id: int, kind: str) -> Response:
        if not is_sales(request.user):
            raise exceptions.PermissionDenied
        deal = deal_visible_to(request.user).select_related("company").filter(pk=id).first()
        if deal is None:
            raise exceptions.NotFound
        if kind not in Document.Kind.values:
            raise exceptions.NotFound
        body = GenerateSerializer(data=request.data)
        if not body.is_valid():
            return Response(bad_request(body.errors), status=status.HTTP_400_BAD_REQUEST)
        document = document_generate(
            deal=deal,
            kind=kind,
            actor=request.user,
            pallet_days=body.validated_data.get("pallet_days"),
            expected_stage=body.validated_data.get("expected_stage"),
        )
        data = DocumentSerializer(document, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class PriceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    price = serializers.DecimalField(
        max_digits=12, decimal_places=3, allow_null=True, help_text="None: no price set yet."
    )
    vat_mode = serializers.ChoiceField(choices=VatMode.choices, allow_null=True)


class PriceListQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


class PriceListApi(APIView):
    @extend_schema(
        operation_id="price_list",
        summary="The price list on a date",
        parameters=[
            OpenApiParameter(
                "date", OpenApiTypes.DATE, description="Prices in effect on this date (today)."
            )
        ],
        responses={
            200: PriceSerializer(many=True),
            400: BadRequestSerializer,
            403: ErrorSerializer,
        },
        tags=["documents"],
    )
    def get(self, request: Request) -> Response:
        if not is_sales(request.user):  # prices are money: never warehouse staff
            raise exceptions.PermissionDenied
        query = PriceListQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return Response(bad_request(query.errors), status=status.HTTP_400_BAD_REQUEST)
        on = query.validated_data.get("date") or timezone.localdate()
        return Response(PriceSerializer(current_price_list(on), many=True).data)
