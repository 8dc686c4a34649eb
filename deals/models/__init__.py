"""The core's models, one module per concern; import them from here."""

from deals.models.comments import DealComment
from deals.models.companies import Company, Contact, LossReason
from deals.models.deals import (
    PIPELINE_MODELS,
    AcceptanceDeal,
    CalculationDeal,
    ContractDeal,
    Deal,
    PipelineDealManager,
    ProcessingDeal,
    ShipmentDeal,
    deal_upload_to,
)
from deals.models.history import AutomationJob, FieldChange, Handoff, StageChange
from deals.models.tasks import Task, TaskComment

__all__ = [
    "PIPELINE_MODELS",
    "AcceptanceDeal",
    "AutomationJob",
    "CalculationDeal",
    "Company",
    "Contact",
    "ContractDeal",
    "Deal",
    "DealComment",
    "FieldChange",
    "Handoff",
    "LossReason",
    "PipelineDealManager",
    "ProcessingDeal",
    "ShipmentDeal",
    "StageChange",
    "Task",
    "TaskComment",
    "deal_upload_to",
]
