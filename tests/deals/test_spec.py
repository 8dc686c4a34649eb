"""The declarative spec is the one source: the generated transitions, the model columns, the
stage constraint and the generated docs all agree with it."""

from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from deals.models import PIPELINE_MODELS, Deal
from deals.pipelines import PIPELINES
from deals.pipelines.docs import pipelines_markdown
from deals.pipelines.fields import DEAL_FIELDS, carried_fields, model_field

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", PIPELINES)
def test_generated_transitions_match_the_spec(code):
    model = PIPELINE_MODELS[code]
    generated = {
        (t.name, t.source, t.target if isinstance(t.target, str) else None)
        for t in model._meta.get_field("stage").get_all_transitions(model)
    }
    expected = {
        (move.name, source, move.target)
        for move in PIPELINES[code].transitions
        for source in move.sources
    }
    assert generated == expected


def test_every_spec_field_is_a_model_column():
    for pipeline in PIPELINES.values():
        for code in pipeline.field_codes:
            assert code in DEAL_FIELDS, code
        for stage in pipeline.stages:
            for requirement in stage.requires:
                for path in requirement.paths:
                    model_field(path)  # raises for an unknown column
    for code in DEAL_FIELDS:
        assert model_field(code).model is Deal


def test_stage_outside_the_pipeline_is_refused_by_the_database(manager):
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.create(
            pipeline="calculation", stage="to_warehouse", title="x", responsible=manager
        )


def test_a_proxy_keeps_to_its_pipeline(manager):
    with pytest.raises(ValueError):
        PIPELINE_MODELS["calculation"].objects.create(
            pipeline="acceptance", title="x", responsible=manager
        )
    deal = PIPELINE_MODELS["shipment"].objects.create(title="x", responsible=manager)
    assert type(Deal.objects.get(pk=deal.pk)) is PIPELINE_MODELS["shipment"]
    assert list(PIPELINE_MODELS["calculation"].objects.all()) == []


def test_handoff_carries_what_staff_filled_in_and_the_kp_but_not_the_invoice():
    carried = dict(carried_fields(PIPELINES["calculation"], PIPELINES["acceptance"]))
    assert {"company", "contact", "responsible", "goods_description", "marketplaces"} <= set(
        carried
    )
    assert (carried["proposal_file"], carried["amount"]) == ("proposal_file", "proposal_amount")
    assert "director_approved_at" not in carried  # the automation's, stays with its deal
    invoice = carried_fields(PIPELINES["acceptance"], PIPELINES["processing"])
    assert not {"amount", "invoice_file", "invoice_number"} & {code for code, _ in invoice}


def test_committed_pipeline_docs_are_generated_from_the_spec():
    committed = Path(__file__).resolve().parents[2] / "docs" / "pipelines.md"
    assert committed.read_text(encoding="utf-8") == pipelines_markdown(), (
        "docs/pipelines.md is stale: run `python manage.py describe_pipelines > docs/pipelines.md`"
    )
