"""Creating deals by hand (also directly in a later stage) and the demo data."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from deals import services
from deals.exceptions import MissingFieldsError, TransitionNotAvailableError
from deals.models import AutomationJob, Deal, Handoff, StageChange, Task
from deals.pipelines import PIPELINES
from tests.factories import ContactFactory, complete_values, ensure_reference_data

pytestmark = pytest.mark.django_db


def test_deal_created_in_a_later_stage_needs_every_earlier_stage_field(manager):
    contact = ContactFactory()
    with pytest.raises(MissingFieldsError) as err:
        services.deal_create(
            pipeline="acceptance",
            actor=manager,
            title="x",
            stage="to_warehouse",
            data={"company": contact.company},
        )
    assert err.value.codes == [
        "arrival_date",
        "boxes",
        "units",
        "delivery_method",
        "acceptance_type",
    ]
    assert not Deal.objects.exists()


def test_deal_created_in_a_later_stage_with_everything_stands_there(manager):
    contact = ContactFactory()
    values = complete_values("shipment", company=contact.company, contact=contact)
    editable = {k: v for k, v in values.items() if k != "packing_list_file"}
    deal = services.deal_create(
        pipeline="shipment", actor=manager, title="Отгрузка", stage="to_warehouse", data=editable
    )
    assert deal.stage == "to_warehouse" and deal.responsible == manager
    assert StageChange.objects.get(deal=deal).to_stage == "to_warehouse"


def test_deal_cannot_be_created_closed(manager):
    with pytest.raises(TransitionNotAvailableError):
        services.deal_create(pipeline="contract", actor=manager, title="x", stage="won")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_demo_data_has_every_role_and_every_stage_and_is_idempotent(capsys):
    ensure_reference_data()
    call_command("seed_demo")
    printed = capsys.readouterr().out
    for role in ("Администратор", "Генеральный директор", "Менеджер", "Кладовщик"):
        assert role in printed
    stages = set(Deal.objects.values_list("pipeline", "stage"))
    assert stages == {(p.code, s.code) for p in PIPELINES.values() for s in p.stages}
    # The automation did its part: approvals and warehouse tasks done on the way, the won
    # calculation requests handed over (acceptance with a contract, contract deal without).
    assert set(Handoff.objects.values_list("source__pipeline", "pipeline")) == {
        ("calculation", "acceptance"),
        ("calculation", "contract"),
    }
    assert Task.objects.filter(status=Task.Status.DONE).count() >= 10
    assert not AutomationJob.objects.exclude(status=AutomationJob.Status.DONE).exists()
    # A working month, not one moment: deals of different ages, warehouse work that took
    # time, named people, and open contract deals only for companies without a contract.
    from django.utils import timezone

    from deals.models import Contact
    from warehouse.models import WorkSession

    ages = {(timezone.now() - d.stage_entered_at).days for d in Deal.objects.all()}
    assert len(ages) >= 10 and max(ages) >= 20
    assert all(s.seconds() >= 30 * 60 for s in WorkSession.objects.filter(stopped_at__isnull=False))
    assert not Contact.objects.filter(name__startswith="Контактное лицо").exists()
    open_contracts = Deal.objects.filter(pipeline="contract").exclude(stage__in=["won", "lost"])
    assert not open_contracts.filter(company__has_contract=True).exists()
    # Stage limits, so the board and /overdue/ show late deals from the start.
    from deadlines.services import deals_overdue

    assert deals_overdue(now=timezone.now())
    count = Deal.objects.count()
    call_command("seed_demo")
    assert Deal.objects.count() == count


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"])
def test_production_settings_refuse_to_start_without_a_required_variable(missing):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://u@127.0.0.1/db",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    del env[missing]
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "fulfillment.settings"},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert f"Environment variable {missing} is required" in result.stderr
