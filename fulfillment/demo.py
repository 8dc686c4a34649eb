"""Demo data for the embedded default: a user of every role, companies with and without a
contract, and deals standing in every stage of every pipeline, made through the services so
that history and automation are what real use would leave behind."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from deals import services
from deals.models import Company, Deal, LossReason, Task
from deals.pipelines import CALCULATION, PIPELINES
from fulfillment.roles import Role
from warehouse import services as warehouse_services

DEMO_PASSWORD = "demo-crm-2026"

DEMO_USERS = [
    # username, first name, last name, role
    ("admin", "Анна", "Администраторова", Role.ADMINISTRATOR),
    ("director", "Дмитрий", "Директоров", Role.DIRECTOR),
    ("manager", "Мария", "Менеджерова", Role.MANAGER),
    ("manager2", "Максим", "Продажин", Role.MANAGER),
    ("warehouse", "Василий", "Складской", Role.WAREHOUSE),
    ("warehouse2", "Ксения", "Кладовщикова", Role.WAREHOUSE),
]

COMPANIES = [
    {
        "name": "ООО «Ромашка»",
        "legal_name": "Общество с ограниченной ответственностью «Ромашка»",
        "inn": "7707083893",
        "kpp": "773601001",
        "ogrn": "1027700132195",
        "legal_address": "г. Москва, ул. Вавилова, д. 19",
        "bik": "044525225",
        "bank_account": "40702810938000000001",
        "signatory": "Иванов Иван Иванович",
        "has_contract": True,
        "contract_number": "ФФ-2025/014",
        "contract_date": datetime.date(2025, 3, 1),
    },
    {
        "name": "ООО «Лесная сказка»",
        "legal_name": "ООО «Лесная сказка»",
        "inn": "7736207543",
        "kpp": "770401001",
        "ogrn": "1027739609391",
        "legal_address": "г. Москва, ул. Льва Толстого, д. 16",
        "bik": "044525225",
        "bank_account": "40702810940000001234",
        "signatory": "Петрова Анна Сергеевна",
    },
    {
        "name": "ИП Соколов",
        "legal_name": "ИП Соколов Андрей Петрович",
        "inn": "500100732259",
        "ogrn": "304500116000157",
        "legal_address": "Московская обл., г. Химки, ул. Мира, д. 3",
        "bik": "044525225",
        "bank_account": "40802810900000000777",
        "signatory": "Соколов Андрей Петрович",
    },
    {"name": "ООО «Новый бренд»", "inn": "7728168971"},
]


def _pdf(name: str) -> ContentFile:
    return ContentFile(b"%PDF-1.4\n% demo document\n", name=name)


def _deal_data(pipeline: str, company: Company) -> dict:
    today = timezone.localdate()
    contact = company.contacts.first()
    common = {"company": company, "contact": contact}
    return {
        "calculation": {
            **common,
            "services": ["acceptance", "storage", "packing", "shipment"],
            "marketplaces": ["wildberries", "ozon"],
            "goods_description": "Детская одежда, хлопок",
            "sku_count": 120,
            "units_per_month": 5000,
            "proposal_file": _pdf("kp.pdf"),
            "amount": Decimal("185000.00"),
        },
        "acceptance": {
            **common,
            "arrival_date": today + datetime.timedelta(days=3),
            "boxes": 40,
            "units": 2400,
            "delivery_method": "transport_company",
            "acceptance_type": "by_units",
            "goods_description": "Футболки",
            "recount_agreed": True,
            "accepted_units": 2390,
            "invoice_number": "СЧ-101",
            "amount": Decimal("36000.00"),
            "invoice_file": _pdf("invoice.pdf"),
            "payment_date": today,
            "paid_amount": Decimal("36000.00"),
        },
        "processing": {
            **common,
            "operations": ["labeling", "honest_sign", "packing"],
            "units": 1500,
            "deadline": today + datetime.timedelta(days=5),
            "instructions": "Клеить этикетку WB на каждый пакет",
            "result_agreed": True,
            "invoice_number": "СЧ-202",
            "amount": Decimal("22500.00"),
            "invoice_file": _pdf("invoice.pdf"),
            "payment_date": today,
            "paid_amount": Decimal("22500.00"),
        },
        "shipment": {
            **common,
            "destination_type": "marketplace",
            "destination": "Wildberries, Коледино",
            "marketplace_supply_number": "WB-77812",
            "shipment_date": today + datetime.timedelta(days=2),
            "boxes": 12,
            "units": 600,
            "documents_agreed": True,
            "tracking_number": "ТН-55120",
            "invoice_number": "СЧ-303",
            "amount": Decimal("9000.00"),
            "invoice_file": _pdf("invoice.pdf"),
            "payment_date": today,
            "paid_amount": Decimal("9000.00"),
        },
        "contract": {
            **common,
            "contract_draft_file": _pdf("draft.pdf"),
            "contract_number": f"ФФ-{today.year}/{company.pk:03d}",
            "contract_date": today,
            "signed_contract_file": _pdf("signed.pdf"),
        },
    }[pipeline]


def _do_the_task(deal: Deal, users: dict) -> None:
    """Do what the director or the warehouse does while a deal stands in its stage."""
    task = Task.objects.filter(deal=deal, stage=deal.stage, status__in=Task.OPEN_STATUSES).first()
    if task is None:
        return
    if task.kind == Task.Kind.APPROVAL:
        services.approval_approve(task=task, actor=users["director"])
        return
    worker = users["warehouse"]
    warehouse_services.work_start(task=task, worker=worker)
    services.task_comment_add(
        task=task,
        author=worker,
        text="Готово, файл во вложении",
        file=_pdf("result.pdf"),
        is_result=True,
    )
    warehouse_services.warehouse_task_complete(task=task, worker=worker)


def _needed(pipeline, stage: str, values: dict) -> dict:
    """The demo values of the fields the stage requires to be left."""
    paths = [p for r in pipeline.stage(stage).requires for p in r.paths]
    return {p: values[p] for p in paths if p in values}


def _walk(deal: Deal, target: str, actor, values: dict, users: dict) -> Deal:
    """Move a deal forward stage by stage until it stands in ``target``, filling in on each
    move what the stage being left requires, as a manager would."""
    pipeline = deal.pipeline_spec
    if target == pipeline.failure_stage.code:
        reason = LossReason.objects.filter(pipeline="").first()
        services.deal_move(
            deal=deal, transition="fail", actor=actor, reason=reason, comment="Клиент взял паузу"
        )
        return deal
    while deal.stage != target:
        _do_the_task(deal, users)
        deal = Deal.objects.get(pk=deal.pk)
        forward = pipeline.next_stage(deal.stage)
        services.deal_move(
            deal=deal,
            transition=f"to_{forward.code}",
            actor=actor,
            data=_needed(pipeline, deal.stage, values),
            check_permission=False,
        )
        deal = Deal.objects.get(pk=deal.pk)
    return deal


def seed_demo() -> list[tuple[str, str]]:
    """Create the demo data once; a second run changes nothing. Returns (role, login) pairs."""
    user_model = get_user_model()
    logins = [(str(role), username) for username, _first, _last, role in DEMO_USERS]
    if user_model.objects.filter(username="admin").exists():
        return logins
    # No surrounding transaction: the automation runs on each move's commit, as in real use.
    users = {}
    for username, first, last, role in DEMO_USERS:
        user = user_model.objects.create_user(
            username=username,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username}@example.com",
            is_staff=role == Role.ADMINISTRATOR,
            is_superuser=role == Role.ADMINISTRATOR,
        )
        user.groups.add(Group.objects.get(name=str(role)))
        users[username] = user
    companies = []
    for number, details in enumerate(COMPANIES, start=1):
        company = services.company_create(**details)
        services.contact_create(
            company=company,
            name=f"Контактное лицо {number}",
            phone=f"+7 900 000-00-0{number}",
            email=f"client{number}@example.com",
        )
        companies.append(company)
    managers = [users["manager"], users["manager2"]]
    for pipeline in PIPELINES.values():
        for index, stage in enumerate(pipeline.stages):
            company = companies[index % len(companies)]
            if pipeline.code == "contract":
                company = companies[1 + index % 2]  # companies without a contract
            manager = managers[index % 2]
            values = _deal_data(pipeline.code, company)
            deal = services.deal_create(
                pipeline=pipeline.code,
                actor=manager,
                title=f"{company.name}: {str(pipeline.label).lower()}",
                data=_needed(pipeline, pipeline.first_stage.code, values),
            )
            _walk(deal, stage.code, manager, values, users)
    # A new client says yes to the КП: the contract deal opens and the request waits on it.
    newcomer = companies[3]
    services.contact_create(company=newcomer, name="Ольга Новикова", email="olga@example.com")
    values = _deal_data("calculation", newcomer)
    deal = services.deal_create(
        pipeline="calculation",
        actor=managers[0],
        title=f"{newcomer.name}: первый заказ",
        data=_needed(CALCULATION, "new", values),
    )
    _walk(deal, "won", managers[0], values, users)
    return logins
