"""The client's mail over HTTP: ``/api/deals/{id}/emails/`` lists the deal's messages to the
client and sends one («Отправить клиенту»: the purpose's template and file, subject and text
as given or as the template fills them); ``/api/deals/{id}/emails/replies/`` lists the
client's replies on the deal."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from correspondence import selectors, services
from correspondence.models import IncomingAttachment, IncomingEmail, OutgoingEmail, Purpose
from deals.api.fields import DownloadFileField
from deals.models import Contact, Deal
from deals.selectors import deal_visible_to
from fulfillment.api.pagination import paginated
from fulfillment.roles import is_sales, person_name


class OutgoingEmailSerializer(serializers.ModelSerializer):
    attachment = DownloadFileField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    created_by_name = serializers.SerializerMethodField()

    class Meta:
        model = OutgoingEmail
        fields = (
            "id",
            "purpose",
            "contact",
            "to",
            "subject",
            "body",
            "attachment",
            "message_id",
            "reply_to",
            "status",
            "status_label",
            "last_error",
            "attempts",
            "created_by",
            "created_by_name",
            "created_at",
            "sent_at",
        )
        read_only_fields = fields

    def get_created_by_name(self, email: OutgoingEmail) -> str | None:
        return person_name(email.created_by) if email.created_by else None


class EmailSendSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    contact = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="A contact person of the client with an e-mail; by default "
        "the deal's contact person.",
    )
    subject = serializers.CharField(
        required=False,
        max_length=services.SUBJECT_MAX_LENGTH,
        help_text="The template's if not given.",
    )
    body = serializers.CharField(
        required=False,
        max_length=services.BODY_MAX_LENGTH,
        help_text="The template's if not given.",
    )


class IncomingAttachmentSerializer(serializers.ModelSerializer):
    file = DownloadFileField(read_only=True)

    class Meta:
        model = IncomingAttachment
        fields = ("id", "name", "content_type", "size", "file")
        read_only_fields = fields


class IncomingEmailSerializer(serializers.ModelSerializer):
    attachments = IncomingAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = IncomingEmail
        fields = (
            "id",
            "key",
            "from_name",
            "from_address",
            "to",
            "subject",
            "body",
            "sent_at",
            "received_at",
            "matched_by",
            "in_reply_to",
            "attachments",
        )
        read_only_fields = fields


class _DealMailApi(GenericAPIView):
    permission_classes = (IsAuthenticated,)
    filter_backends = ()

    def deal(self) -> Deal:
        """The deal if the caller may see it (404 otherwise); warehouse staff: 403."""
        if not is_sales(self.request.user):
            raise PermissionDenied
        return get_object_or_404(deal_visible_to(self.request.user), pk=self.kwargs["pk"])


class DealEmailsApi(_DealMailApi):
    serializer_class = OutgoingEmailSerializer
    queryset = OutgoingEmail.objects.none()

    @extend_schema(responses=OutgoingEmailSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        """The deal's messages to the client, newest first, each with its status
        (`queued`, `sent`, `failed` with `last_error`)."""
        return paginated(self, selectors.deal_outgoing(deal=self.deal()), OutgoingEmailSerializer)

    @extend_schema(request=EmailSendSerializer, responses={201: OutgoingEmailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Send the client a message of a `purpose` (`proposal`, `recount`, `invoice`, `act`)
        with its file attached. It is queued now and sent over SMTP right after; its `status`
        tells whether it left."""
        deal = self.deal()
        serializer = EmailSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        contact = None
        if "contact" in values:
            contact = Contact.objects.filter(pk=values["contact"]).first()
            if contact is None:
                raise serializers.ValidationError(
                    {
                        "contact": [
                            gettext("Choose a contact person of the client who has an e-mail.")
                        ]
                    }
                )
        email = services.email_send(
            deal=deal,
            actor=request.user,
            purpose=values["purpose"],
            contact=contact,
            subject=values.get("subject"),
            body=values.get("body"),
        )
        context = self.get_serializer_context()
        return Response(
            OutgoingEmailSerializer(email, context=context).data, status.HTTP_201_CREATED
        )


class DealRepliesApi(_DealMailApi):
    serializer_class = IncomingEmailSerializer
    queryset = IncomingEmail.objects.none()

    @extend_schema(responses=IncomingEmailSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        """The client's messages on the deal, newest first, with their attachments."""
        return paginated(self, selectors.deal_incoming(deal=self.deal()), IncomingEmailSerializer)
