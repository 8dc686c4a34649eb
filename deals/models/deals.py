"""Deals: one table for the five pipelines, and a django-fsm proxy per pipeline whose
transitions are generated from its declarative spec in ``deals.pipelines``.

One ``Deal`` table holds every pipeline (a shared board, cheap handoffs, one id space);
loading a ``Deal`` returns the proxy of its pipeline.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from deals import choices, validators
from deals.fields import MultipleChoiceField
from deals.guards import RequiredFields, can_move_deal, can_reopen_deal
from deals.models.companies import Company, Contact, LossReason
from deals.pipelines import PIPELINES, Pipeline, get_pipeline, pipeline_choices
from deals.pipelines.base import Transition


def deal_upload_to(instance: Deal, filename: str) -> str:
    """Files live under a random folder so that names never collide or leak other deals."""
    return f"deals/{instance.pipeline}/{uuid.uuid4().hex}/{PurePath(filename).name}"


def _stage_in_pipeline() -> models.Q:
    condition = models.Q()
    for pipeline in PIPELINES.values():
        condition |= models.Q(pipeline=pipeline.code, stage__in=[s.code for s in pipeline.stages])
    return condition


_positive = [MinValueValidator(1)]
_money = {
    "max_digits": 14,
    "decimal_places": 2,
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(0)],
}


class Deal(ConcurrentTransitionMixin, models.Model):
    """A client request in one of the five pipelines.

    Fields of every pipeline live here, nullable; the pipeline spec says which belong to which
    pipeline and what each stage requires. ``stage`` changes only through the generated
    transitions (``deals.services.deal_move``).
    """

    pipeline = models.CharField(_("pipeline"), max_length=20, choices=pipeline_choices())
    stage = FSMField(_("stage"), max_length=32, default="new", protected=True)
    title = models.CharField(_("title"), max_length=255)
    company = models.ForeignKey(
        Company,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("company"),
        db_index=False,  # ``deal_company`` below starts with it
    )
    contact = models.ForeignKey(
        Contact,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("contact person"),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="responsible_deals",
        verbose_name=_("responsible"),
    )
    amount = models.DecimalField(_("amount, RUB"), **_money)
    # The КП's amount as the client agreed it, carried to the acceptance request beside its
    # own invoice amount (``amount``).
    proposal_amount = models.DecimalField(_("agreed proposal amount, RUB"), **_money)
    comment = models.TextField(
        _("comment"), blank=True, **validators.text_cap(validators.COMMENT_MAX_LENGTH)
    )
    awaiting_contract = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="awaiting_deals",
        verbose_name=_("waits for contract deal"),
        editable=False,
    )
    source_deal = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_deals",
        verbose_name=_("came from deal"),
        db_index=False,  # ``deal_followups`` below starts with it
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The deal's ID in the Bitrix24 portal it was imported from: a re-import finds it by this.
    bitrix24_id = models.PositiveBigIntegerField(
        _("Bitrix24 ID"), null=True, blank=True, unique=True, editable=False
    )
    stage_entered_at = models.DateTimeField(
        _("in stage since"), default=timezone.now, editable=False
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    failure_reason = models.ForeignKey(
        LossReason,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("failure reason"),
        editable=False,
    )
    failure_comment = models.TextField(
        _("failure comment"),
        blank=True,
        editable=False,
        **validators.text_cap(validators.COMMENT_MAX_LENGTH),
    )

    # 1. Calculation request («просчет»)
    services = MultipleChoiceField(_("services wanted"), item_choices=choices.Service.choices)
    marketplaces = MultipleChoiceField(_("marketplaces"), item_choices=choices.Marketplace.choices)
    goods_description = models.TextField(
        _("goods description"),
        blank=True,
        **validators.text_cap(validators.DESCRIPTION_MAX_LENGTH),
    )
    sku_count = models.PositiveIntegerField(
        _("SKU count"), null=True, blank=True, validators=_positive
    )
    units_per_month = models.PositiveIntegerField(
        _("expected units per month"), null=True, blank=True, validators=_positive
    )
    proposal_file = models.FileField(
        _("commercial proposal file"), upload_to=deal_upload_to, blank=True
    )
    director_approved_at = models.DateTimeField(_("approved by director"), null=True, blank=True)

    # 2–4. Acceptance, processing, shipment
    arrival_date = models.DateField(_("expected arrival date"), null=True, blank=True)
    boxes = models.PositiveIntegerField(
        _("boxes (places)"), null=True, blank=True, validators=_positive
    )
    units = models.PositiveIntegerField(_("units"), null=True, blank=True, validators=_positive)
    delivery_method = models.CharField(
        _("delivery method"), max_length=30, choices=choices.DeliveryMethod.choices, blank=True
    )
    acceptance_type = models.CharField(
        _("acceptance type"), max_length=30, choices=choices.AcceptanceType.choices, blank=True
    )
    recount_file = models.FileField(_("recount file"), upload_to=deal_upload_to, blank=True)
    recount_agreed = models.BooleanField(_("recount agreed with client"), default=False)
    accepted_units = models.PositiveIntegerField(_("accepted units"), null=True, blank=True)
    operations = MultipleChoiceField(_("operations"), item_choices=choices.Operation.choices)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    instructions = models.TextField(
        _("instructions"), blank=True, **validators.text_cap(validators.DESCRIPTION_MAX_LENGTH)
    )
    instructions_file = models.FileField(
        _("instructions file"), upload_to=deal_upload_to, blank=True
    )
    processing_report_file = models.FileField(
        _("processing report file"), upload_to=deal_upload_to, blank=True
    )
    result_agreed = models.BooleanField(_("result agreed with client"), default=False)
    destination_type = models.CharField(
        _("destination type"), max_length=20, choices=choices.DestinationType.choices, blank=True
    )
    destination = models.CharField(_("destination"), max_length=500, blank=True)
    marketplace_supply_number = models.CharField(
        _("marketplace supply number"), max_length=100, blank=True
    )
    shipment_date = models.DateField(_("planned shipment date"), null=True, blank=True)
    packing_list_file = models.FileField(_("packing list"), upload_to=deal_upload_to, blank=True)
    documents_agreed = models.BooleanField(_("documents agreed with client"), default=False)
    tracking_number = models.CharField(_("waybill / tracking number"), max_length=100, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=100, blank=True)
    invoice_file = models.FileField(_("invoice file"), upload_to=deal_upload_to, blank=True)
    payment_date = models.DateField(_("payment date"), null=True, blank=True)
    paid_amount = models.DecimalField(_("amount paid, RUB"), **_money)

    # 5. Contract («договор»)
    contract_draft_file = models.FileField(
        _("contract draft"), upload_to=deal_upload_to, blank=True
    )
    contract_number = models.CharField(_("contract number"), max_length=100, blank=True)
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    signed_contract_file = models.FileField(
        _("signed contract"), upload_to=deal_upload_to, blank=True
    )

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=_stage_in_pipeline(), name="deal_stage_in_pipeline"),
        ]
        # ``amount`` ends both board indexes so that a column's count and sum are read from
        # the index alone (the director's board, a manager's own deals).
        indexes = [
            models.Index(
                fields=["pipeline", "stage", "-stage_entered_at", "amount"], name="deal_board"
            ),
            models.Index(
                fields=["responsible", "pipeline", "stage", "amount"], name="deal_responsible"
            ),
            # The deal list and the API list, newest first: read in order off an index instead
            # of sorting every visible deal (the director's, a manager's own).
            models.Index(fields=["pipeline", "-created_at", "-id"], name="deal_list"),
            models.Index(
                fields=["responsible", "pipeline", "-created_at", "-id"],
                name="deal_list_responsible",
            ),
            models.Index(fields=["-created_at", "-id"], name="deal_recent"),
            # The company card: its deals by pipeline, newest first, however many deals its
            # manager has.
            models.Index(fields=["company", "pipeline", "-created_at"], name="deal_company"),
            # The deal card's follow-up deals in the order they were opened: with an index
            # that gives the order, SQLite's planner no longer walks the manager's deals.
            models.Index(fields=["source_deal", "created_at"], name="deal_followups"),
            models.Index(
                fields=["responsible", "-created_at", "-id"], name="deal_recent_responsible"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}" if self.pk else self.title

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Querysets of the base model return the proxy of each row's pipeline, so transitions
        # are always at hand. A query that defers ``pipeline`` gets plain deals.
        if cls is Deal and "pipeline" in instance.__dict__:
            instance.__class__ = PIPELINE_MODELS[instance.pipeline]
        return instance

    @property
    def pipeline_spec(self) -> Pipeline:
        return get_pipeline(self.pipeline)

    @property
    def stage_spec(self):
        return self.pipeline_spec.stage(self.stage)

    @property
    def stage_label(self) -> str:
        return str(self.stage_spec.label)

    @property
    def is_open(self) -> bool:
        return self.stage_spec.is_open

    @property
    def operations_display(self) -> str:
        return self._meta.get_field("operations").display(self.operations)

    def as_pipeline(self) -> Deal:
        """This deal as the proxy model of its pipeline."""
        if type(self) is not PIPELINE_MODELS[self.pipeline]:
            self.__class__ = PIPELINE_MODELS[self.pipeline]
        return self


class PipelineDealManager(models.Manager):
    """Pins a proxy's queries and creations to its pipeline."""

    def __init__(self, pipeline: str) -> None:
        super().__init__()
        self.pipeline = pipeline

    def deconstruct(self):
        return (False, "django.db.models.Manager", None, (), {})

    def get_queryset(self):
        return super().get_queryset().filter(pipeline=self.pipeline)

    def create(self, **kwargs):
        if kwargs.setdefault("pipeline", self.pipeline) != self.pipeline:
            raise ValueError(f"{self.model.__name__} deals belong to {self.pipeline!r}")
        return super().create(**kwargs)


def _cleared_value(code: str):
    return Deal._meta.get_field(code).get_default()


def _transition_method(pipeline: Pipeline, move: Transition, class_name: str):
    """One generated transition method. Bodies only change the instance in memory."""
    if move.kind == "forward":

        def method(self, **kwargs) -> None:
            pass

        options = {
            "target": move.target,
            "conditions": [RequiredFields(pipeline, move.sources[0])],
            "permission": can_move_deal,
        }
    elif move.kind == "return":
        clears = pipeline.stage(move.target).clears_on_return

        def method(self, **kwargs) -> None:
            for code in clears:
                setattr(self, code, _cleared_value(code))

        options = {"target": move.target, "permission": can_move_deal}
    elif move.kind == "fail":

        def method(self, *, reason: LossReason, comment: str, **kwargs) -> None:
            self.failure_reason = reason
            self.failure_comment = comment

        options = {"target": move.target, "permission": can_move_deal}
    else:  # reopen

        def method(self, *, target: str, **kwargs) -> str:
            self.failure_reason = None
            self.failure_comment = ""
            self.closed_at = None
            return target

        options = {
            "target": RETURN_VALUE(*(s.code for s in pipeline.open_stages)),
            "permission": can_reopen_deal,
        }
    method.__name__ = move.name
    method.__qualname__ = f"{class_name}.{move.name}"
    method.__doc__ = f"{move.kind}: {', '.join(move.sources)} → {move.target or '…'}"
    return transition(field="stage", source=list(move.sources), custom={"spec": move}, **options)(
        method
    )


def _pipeline_model(pipeline: Pipeline, class_name: str) -> type[Deal]:
    meta = type(
        "Meta",
        (),
        {
            "proxy": True,
            "verbose_name": pipeline.label,
            "verbose_name_plural": pipeline.plural_label or pipeline.label,
        },
    )
    attrs = {
        "__module__": "deals.models",
        "Meta": meta,
        "objects": PipelineDealManager(pipeline.code),
        "pipeline_code": pipeline.code,
        "__doc__": f"Deals of the «{pipeline.code}» pipeline (generated from its spec).",
    }
    for move in pipeline.transitions:
        attrs[move.name] = _transition_method(pipeline, move, class_name)

    def save(self, *args, **kwargs) -> None:
        if not self.pipeline:
            self.pipeline = pipeline.code
        if self.pipeline != pipeline.code:
            raise ValueError(f"{class_name} deals belong to {pipeline.code!r}")
        Deal.save(self, *args, **kwargs)

    attrs["save"] = save
    return type(class_name, (Deal,), attrs)


CalculationDeal = _pipeline_model(PIPELINES["calculation"], "CalculationDeal")
AcceptanceDeal = _pipeline_model(PIPELINES["acceptance"], "AcceptanceDeal")
ProcessingDeal = _pipeline_model(PIPELINES["processing"], "ProcessingDeal")
ShipmentDeal = _pipeline_model(PIPELINES["shipment"], "ShipmentDeal")
ContractDeal = _pipeline_model(PIPELINES["contract"], "ContractDeal")

PIPELINE_MODELS: dict[str, type[Deal]] = {
    "calculation": CalculationDeal,
    "acceptance": AcceptanceDeal,
    "processing": ProcessingDeal,
    "shipment": ShipmentDeal,
    "contract": ContractDeal,
}
