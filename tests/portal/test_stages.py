"""Client-facing stage names: one per stage of every pipeline a client sees, derived from the
spec, so a new stage without a label fails here."""

from __future__ import annotations

import pytest
from django.utils import translation

from deals.pipelines import ACCEPTANCE, CALCULATION, PIPELINES
from portal.stages import CLIENT_PIPELINES, CLIENT_STAGES, client_stage, client_steps


@pytest.mark.parametrize(
    ("pipeline", "stage"),
    [(p.code, s.code) for p in CLIENT_PIPELINES for s in p.stages],
)
def test_every_stage_of_a_client_pipeline_has_a_client_label(pipeline, stage):
    entry = CLIENT_STAGES[(pipeline, stage)]
    assert str(entry.label)
    assert entry.state in {"client", "work", "done", "cancelled"}


def test_the_table_names_no_stage_the_spec_does_not_have():
    spec = {(p.code, s.code) for p in CLIENT_PIPELINES for s in p.stages}
    assert set(CLIENT_STAGES) == spec


def test_the_contract_pipeline_is_not_shown_to_clients():
    assert "contract" in PIPELINES
    assert all(p.code != "contract" for p in CLIENT_PIPELINES)


def test_success_and_failure_read_as_done_and_cancelled():
    for pipeline in CLIENT_PIPELINES:
        assert client_stage(pipeline.code, pipeline.success_stage.code).state == "done"
        assert client_stage(pipeline.code, pipeline.failure_stage.code).state == "cancelled"


def test_staff_words_become_client_words_in_russian():
    with translation.override("ru"):
        assert str(client_stage("acceptance", "awaiting_payment").label) == "Ожидает оплаты"
        assert str(client_stage("calculation", "director_approval").label) == "Готовим предложение"
        assert (
            str(client_stage("acceptance", "recount_approval").label)
            == "Пересчет ждет вашего согласования"
        )


def test_steps_merge_stages_of_one_label_and_mark_where_the_request_is():
    with translation.override("en"):
        steps = client_steps(CALCULATION, "director_approval")
    # new, proposal + director_approval (one label), client_approval, won
    assert [s["status"] for s in steps] == ["done", "current", "todo", "todo"]
    assert steps[1]["label"] == "Preparing a proposal"


def test_steps_of_a_won_request_are_all_done():
    steps = client_steps(ACCEPTANCE, "won")
    assert {s["status"] for s in steps} == {"done"}
    assert len(steps) == 6  # five open stages and the success
