"""The demo data of documents, on top of the project's demo."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from deals.models import Company
from documents.demo import seed_demo
from documents.models import AgreedPrice, Document, OurCompany
from tests.factories import ensure_reference_data, ensure_services


# The project's demo runs the automation on commit.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_demo_prices_requisites_agreed_client_and_two_documents():
    from fulfillment.demo import DEMO_USERS
    from fulfillment.demo import seed_demo as project_seed_demo

    ensure_reference_data()
    ensure_services()
    project_seed_demo()
    users = {u.username: u for u in get_user_model().objects.all()}
    assert set(users) >= {name for name, *_rest in DEMO_USERS}
    companies = list(Company.objects.order_by("pk"))
    seed_demo(users, companies)
    seed_demo(users, companies)  # idempotent
    assert OurCompany.objects.count() == 1
    assert AgreedPrice.objects.filter(company=companies[0]).count() == 3
    kinds = sorted(Document.objects.values_list("kind", flat=True))
    assert kinds == ["invoice", "proposal"]
    invoice = Document.objects.get(kind="invoice")
    assert invoice.deal.invoice_number == invoice.number
    assert invoice.amount > Decimal(0)
    proposal = Document.objects.get(kind="proposal")
    assert proposal.deal.stage == "proposal" and proposal.deal.amount == proposal.amount
