"""What a client reads for each stage of their requests: one declarative table.

Staff stage names speak of the staff's own work («Согласовать КП с ГД»); a client is told
where their request is («Готовим предложение»). Every stage of every pipeline in
``CLIENT_PIPELINES`` needs a row here — ``tests/portal/test_stages.py`` compares the table with
the pipeline spec, so a new stage without a client label fails.

``state`` says whose move it is, for the page's badge: ``client`` (waits for the client),
``work`` (we are on it), ``done``, ``cancelled``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from deals.pipelines import ACCEPTANCE, CALCULATION, PROCESSING, SHIPMENT, Pipeline


@dataclass(frozen=True)
class ClientStage:
    label: str | Promise
    state: str  # client / work / done / cancelled


# The pipelines a client sees (the contract pipeline is our paperwork, not their request)
# and those they may open a request in from the portal.
CLIENT_PIPELINES: tuple[Pipeline, ...] = (ACCEPTANCE, PROCESSING, SHIPMENT, CALCULATION)
CLIENT_CREATABLE: tuple[Pipeline, ...] = (ACCEPTANCE, PROCESSING, SHIPMENT)
# The buttons that open them, short enough for a phone.
NEW_REQUEST_LABELS = {
    "acceptance": _("New acceptance"),
    "processing": _("New processing"),
    "shipment": _("New shipment"),
}

_RECEIVED = ClientStage(_("Request received"), "work")
_INVOICE = ClientStage(_("Preparing the invoice"), "work")
_PAYMENT = ClientStage(_("Awaiting payment"), "client")
_CANCELLED = ClientStage(_("Cancelled"), "cancelled")

CLIENT_STAGES: dict[tuple[str, str], ClientStage] = {
    ("calculation", "new"): _RECEIVED,
    ("calculation", "proposal"): ClientStage(_("Preparing a proposal"), "work"),
    ("calculation", "director_approval"): ClientStage(_("Preparing a proposal"), "work"),
    ("calculation", "client_approval"): ClientStage(_("Proposal sent to you"), "client"),
    ("calculation", "won"): ClientStage(_("Proposal agreed"), "done"),
    ("calculation", "lost"): _CANCELLED,
    ("acceptance", "new"): _RECEIVED,
    ("acceptance", "to_warehouse"): ClientStage(_("Receiving and counting the goods"), "work"),
    ("acceptance", "recount_approval"): ClientStage(_("Recount waits for your approval"), "client"),
    ("acceptance", "invoice"): _INVOICE,
    ("acceptance", "awaiting_payment"): _PAYMENT,
    ("acceptance", "won"): ClientStage(_("Goods accepted"), "done"),
    ("acceptance", "lost"): _CANCELLED,
    ("processing", "new"): _RECEIVED,
    ("processing", "to_warehouse"): ClientStage(_("Processing the goods"), "work"),
    ("processing", "result_approval"): ClientStage(_("Result waits for your approval"), "client"),
    ("processing", "invoice"): _INVOICE,
    ("processing", "awaiting_payment"): _PAYMENT,
    ("processing", "won"): ClientStage(_("Processing done"), "done"),
    ("processing", "lost"): _CANCELLED,
    ("shipment", "new"): _RECEIVED,
    ("shipment", "to_warehouse"): ClientStage(_("Picking and packing"), "work"),
    ("shipment", "documents_approval"): ClientStage(
        _("Shipping documents wait for your approval"), "client"
    ),
    ("shipment", "invoice"): _INVOICE,
    ("shipment", "awaiting_payment"): _PAYMENT,
    ("shipment", "won"): ClientStage(_("Shipped"), "done"),
    ("shipment", "lost"): _CANCELLED,
}


def client_stage(pipeline: str, stage: str) -> ClientStage:
    return CLIENT_STAGES[(pipeline, stage)]


def client_steps(pipeline: Pipeline, stage: str) -> list[dict]:
    """The request's way as the client sees it: the open stages and success under client
    labels (consecutive stages with one label shown once), each ``done``/``current``/``todo``."""
    steps: list[dict] = []
    codes = [s.code for s in (*pipeline.open_stages, pipeline.success_stage)]
    position = codes.index(stage) if stage in codes else -1
    for index, code in enumerate(codes):
        label = str(client_stage(pipeline.code, code).label)
        if position == -1:
            status = "todo"
        elif index < position:
            status = "done"
        elif index == position:
            status = "done" if code == pipeline.success_stage.code else "current"
        else:
            status = "todo"
        if steps and steps[-1]["label"] == label:
            # One label for two stages: current if either is, done when both are.
            if "current" in (status, steps[-1]["status"]):
                steps[-1]["status"] = "current"
            elif status == "todo":
                steps[-1]["status"] = "todo"
            continue
        steps.append({"label": label, "status": status})
    return steps
