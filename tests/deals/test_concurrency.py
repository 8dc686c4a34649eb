"""Two users move the same deal at the same moment: exactly one wins, the other is told."""

import threading

import pytest
from django.db import connection

from deals import services
from deals.exceptions import CONFLICT, DealConflictError
from deals.models import Deal, LossReason, StageChange
from tests.factories import make_deal


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_moves_of_one_deal_one_wins_the_other_gets_a_conflict(postgres, director):
    deal = make_deal("calculation", "new", responsible=director)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def move(transition: str, **kwargs) -> None:
        # Each thread has its own database connection; both load the deal in «new».
        mine = Deal.objects.select_related("company").get(pk=deal.pk)
        barrier.wait()
        try:
            outcomes.append(
                services.deal_move(deal=mine, transition=transition, actor=director, **kwargs)
            )
        except DealConflictError as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=("to_proposal",)),
        threading.Thread(
            target=move,
            args=("fail",),
            kwargs={
                "reason": LossReason.objects.filter(pipeline="").first(),
                "comment": "Клиент ушел",
            },
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    conflicts = [o for o in outcomes if isinstance(o, DealConflictError)]
    winners = [o for o in outcomes if isinstance(o, StageChange)]
    assert len(conflicts) == 1 and len(winners) == 1, outcomes
    assert conflicts[0].message == str(CONFLICT)
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.stage == winners[0].to_stage
    assert StageChange.objects.filter(deal=deal).count() == 1
