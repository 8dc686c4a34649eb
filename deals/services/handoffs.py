"""Handing a deal over to the next pipeline with its fields carried over."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from deals.models import Deal, Handoff
from deals.pipelines import get_pipeline
from deals.pipelines.fields import carried_fields
from deals.services.deals import deal_create
from fulfillment import notifications

_SET_APART = ("title", "responsible")


def handoff_title(source: Deal, pipeline: str) -> str:
    """The new deal's title, for its own pipeline: «ООО «Ромашка»: заявка на приемку товара»."""
    label = str(get_pipeline(pipeline).label)
    client = source.company.name if source.company_id else source.title
    return f"{client}: {label[:1].lower()}{label[1:]}"[: Deal._meta.get_field("title").max_length]


def deal_handoff(*, source: Deal, pipeline: str) -> tuple[Deal, bool]:
    """Open a deal in ``pipeline`` from ``source``, once.

    Every field the two pipelines share (and a handoff carries) is copied; company, contact
    and responsible are kept; the new deal links back to its source. The ``Handoff`` row's
    unique (source, pipeline) makes a repeat return the deal already opened. Returns the deal
    and whether it was opened now.
    """
    existing = Handoff.objects.filter(source=source, pipeline=pipeline).select_related("target")
    if found := existing.first():
        return found.target.as_pipeline(), False
    pairs = carried_fields(source.pipeline_spec, get_pipeline(pipeline))
    data = {target: getattr(source, code) for code, target in pairs if code not in _SET_APART}
    company, contact = data.get("company"), data.get("contact")
    if contact is not None and (company is None or contact.company_id != company.pk):
        # A source edited around the rules (in the admin) must not stop the handoff: the new
        # deal goes without the contact, and its manager picks one of the company's people.
        data.pop("contact")
    try:
        with transaction.atomic():
            deal = deal_create(
                pipeline=pipeline,
                actor=None,
                title=handoff_title(source, pipeline),
                responsible=source.responsible,
                source_deal=source,
                data=data,
            )
            Handoff.objects.create(source=source, pipeline=pipeline, target=deal)
    except IntegrityError:
        # Another worker opened it between our check and our insert.
        return existing.get().target.as_pipeline(), False
    notifications.deal_opened(deal=deal, source=source)
    return deal, True
