"""Serializers of companies, contacts, a deal's timeline, failure reasons and tasks.

They parse and render only: every write is a service call in the view.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deals.api.deal_serializers import deal_field_values, deal_serializer_class
from deals.api.fields import DownloadFileField
from deals.models import (
    Company,
    Contact,
    DealComment,
    FieldChange,
    LossReason,
    StageChange,
    Task,
    TaskComment,
)
from deals.services import can_work_on_task, mentions_not_sent_message
from fulfillment.api.errors import ErrorSerializer
from fulfillment.roles import person_name


def _person(user) -> str | None:
    return person_name(user) if user else None


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ("id", *Company.EDITABLE_FIELDS, *Company.CONTRACT_FIELDS, "created_at")
        # The contract status is the contract pipeline's to set, as on the pages.
        read_only_fields = Company.CONTRACT_FIELDS


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ("id", "company", *Contact.EDITABLE_FIELDS)


class ContactUpdateSerializer(ContactSerializer):
    """A contact's changes: the company is kept."""

    class Meta(ContactSerializer.Meta):
        read_only_fields = ("company",)


class DealConflictSerializer(ErrorSerializer):
    """The deal is not in the stage the request expected: someone moved it meanwhile."""

    stage = serializers.CharField(help_text="The stage the deal is in now.")
    stage_label = serializers.CharField(help_text="Its name, in the user's language.")


class DealCommentSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    file = DownloadFileField(required=False, allow_null=True)
    warnings = serializers.SerializerMethodField(
        help_text=_(
            "Told to the author of a comment just added, e.g. mentioned colleagues who "
            "may not open the deal and were not notified; empty otherwise."
        )
    )

    class Meta:
        model = DealComment
        fields = ("id", "author", "author_name", "text", "file", "created_at", "warnings")
        read_only_fields = ("author", "created_at")
        extra_kwargs = {"text": {"required": False, "allow_blank": True}}

    def get_author_name(self, comment: DealComment) -> str | None:
        return _person(comment.author)

    def get_warnings(self, comment: DealComment) -> list[str]:
        warning = mentions_not_sent_message(comment)
        return [warning] if warning else []


class StageChangeSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = StageChange
        fields = (
            "id",
            "transition",
            "from_stage",
            "to_stage",
            "actor",
            "actor_name",
            "comment",
            "reason",
            "created_at",
        )

    def get_actor_name(self, change: StageChange) -> str | None:
        return _person(change.actor)


class FieldChangeSerializer(serializers.ModelSerializer):
    """One field changed: its code on the deal, company or contact (``subject``), the value
    before and after as data and as shown, who and when (``actor`` null: the automation)."""

    field_label = serializers.CharField(read_only=True)
    old_value = serializers.JSONField(read_only=True)
    new_value = serializers.JSONField(read_only=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = FieldChange
        fields = (
            "id",
            "subject",
            "contact",
            "field",
            "field_label",
            "old_value",
            "new_value",
            "old_text",
            "new_text",
            "actor",
            "actor_name",
            "created_at",
        )

    def get_actor_name(self, change: FieldChange) -> str | None:
        return _person(change.actor)


class FailureReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = LossReason
        fields = ("id", "label", "pipeline")


class TaskCommentSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    file = DownloadFileField(required=False, allow_null=True)
    is_result = serializers.BooleanField(
        required=False,
        default=False,
        help_text="«Result of work»: the comment becomes the task's result (with a file).",
    )

    class Meta:
        model = TaskComment
        fields = ("id", "task", "author", "author_name", "text", "file", "is_result", "created_at")
        read_only_fields = ("task", "author", "created_at")
        extra_kwargs = {"text": {"required": False, "allow_blank": True}}

    def get_author_name(self, comment: TaskComment) -> str | None:
        return _person(comment.author)


class TaskSerializer(serializers.ModelSerializer):
    assignee_name = serializers.SerializerMethodField()
    deal_title = serializers.CharField(source="deal.title", read_only=True)
    pipeline = serializers.CharField(source="deal.pipeline", read_only=True)
    result = TaskCommentSerializer(source="result_comment", read_only=True, allow_null=True)
    deal_fields = serializers.SerializerMethodField()
    can_work = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = (
            "id",
            "kind",
            "status",
            "title",
            "description",
            "stage",
            "queue",
            "assignee",
            "assignee_name",
            "deal",
            "deal_title",
            "pipeline",
            "deal_fields",
            "result",
            "decision_comment",
            "created_at",
            "completed_at",
            "completed_by",
            "can_work",
        )
        read_only_fields = fields

    def get_assignee_name(self, task: Task) -> str | None:
        return _person(task.assignee)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_deal_fields(self, task: Task) -> dict[str, Any]:
        """The deal's fields under their spec codes (no money for warehouse staff)."""
        deal = task.deal
        by_pipeline = self.__dict__.setdefault("_deal_serializers", {})
        if deal.pipeline not in by_pipeline:
            serializer_class = deal_serializer_class(deal.pipeline_spec)
            by_pipeline[deal.pipeline] = serializer_class(context=self.context)
        return deal_field_values(deal, by_pipeline[deal.pipeline])

    def get_can_work(self, task: Task) -> bool:
        """Whether the user may work on the task now (approve, start, attach the result)."""
        return task.is_open and can_work_on_task(task, self.context["request"].user)


class TaskReturnSerializer(serializers.Serializer):
    remarks = serializers.CharField(
        allow_blank=True, help_text="What has to change in the proposal (required)."
    )
