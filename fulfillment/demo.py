"""Demo data for the embedded default: a user of every role, companies with and without a
contract, and deals standing in every stage of every pipeline, made through the services so
that history and automation are what real use would leave behind — then spread over the last
month, as a working company's CRM looks: deals of different ages, moves days apart, warehouse
work that took hours."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext

from correspondence import demo as correspondence_demo
from deadlines import demo as deadlines_demo
from deals import services
from deals.models import Company, Deal, LossReason, Task
from deals.pipelines import CALCULATION, PIPELINES
from documents import demo as documents_demo
from fulfillment.roles import Role
from portal import demo as portal_demo
from warehouse import demo as warehouse_demo
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
        "has_contract": True,
        "contract_number": "ФФ-2026/031",
        "contract_date": datetime.date(2026, 2, 10),
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
    # New clients agreeing a contract now (one company per contract deal), their legal
    # details known: the contract needs them.
    *(
        {
            "name": name,
            "legal_name": f"Общество с ограниченной ответственностью {name.removeprefix('ООО ')}",
            "inn": inn,
            "kpp": "770101001",
            "ogrn": "1027700132195",
            "legal_address": address,
            "bik": "044525225",
            "bank_account": "40702810938000000001",
            "signatory": signatory,
        }
        for name, inn, address, signatory in (
            ("ООО «Северный ветер»", "7704211201", "г. Москва, ул. Тверская, д. 7", "Волков С. А."),
            (
                "ООО «Маркет Плюс»",
                "7710140679",
                "г. Москва, Ленинский пр-т, д. 30",
                "Кузнецова Н. В.",
            ),
            (
                "ООО «Домашний уют»",
                "7702070139",
                "г. Москва, ул. Мясницкая, д. 12",
                "Морозов П. И.",
            ),
            ("ООО «Спорт Лайн»", "7707049388", "г. Москва, ул. Арбат, д. 21", "Лебедева Т. О."),
            ("ООО «Тёплый дом»", "7714617793", "г. Москва, пр-т Мира, д. 101", "Орлов Д. Н."),
        )
    ),
]
CONTACTS = [
    ("Иван Петров", "Директор"),
    ("Елена Смирнова", "Коммерческий директор"),
    ("Андрей Соколов", "Индивидуальный предприниматель"),
    ("Ольга Новикова", "Менеджер по закупкам"),
    ("Сергей Волков", "Директор"),
    ("Наталья Кузнецова", "Руководитель отдела продаж"),
    ("Павел Морозов", "Директор"),
    ("Татьяна Лебедева", "Менеджер маркетплейсов"),
    ("Дмитрий Орлов", "Генеральный директор"),
]
DAYS = 30  # how far back the demo's history goes


def _pdf(name: str) -> ContentFile:
    return ContentFile(b"%PDF-1.4\n% demo document\n", name=name)


def deal_data(pipeline: str, company: Company) -> dict:
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
    logins.append((gettext("Client, at /client/"), portal_demo.CLIENT_LOGIN))
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
        name, position = CONTACTS[number - 1]
        services.contact_create(
            company=company,
            name=name,
            position=position,
            phone=f"+7 9{number:02d} 555-{number:02d}-{number + 10:02d}",
            email=f"client{number}@example.com",
        )
        companies.append(company)
    managers = [users["manager"], users["manager2"]]
    contracted = [c for c in companies if c.has_contract]
    newcomers = companies[4:]  # no contract yet: one contract deal each
    for pipeline in PIPELINES.values():
        for index, stage in enumerate(pipeline.stages):
            if pipeline.code == "contract":
                company = newcomers[index % len(newcomers)]
            elif pipeline.code == "calculation":
                company = companies[index % 3]  # the won one hands over to an acceptance
            else:
                company = contracted[index % len(contracted)]
            manager = managers[index % 2]
            values = deal_data(pipeline.code, company)
            deal = services.deal_create(
                pipeline=pipeline.code,
                actor=manager,
                title=f"{company.name}: {str(pipeline.label).lower()}",
                data=_needed(pipeline, pipeline.first_stage.code, values),
            )
            _walk(deal, stage.code, manager, values, users)
    # A new client says yes to the КП: the contract deal opens and the request waits on it.
    newcomer = companies[3]
    values = deal_data("calculation", newcomer)
    deal = services.deal_create(
        pipeline="calculation",
        actor=managers[0],
        title=f"{newcomer.name}: первый заказ",
        data=_needed(CALCULATION, "new", values),
    )
    _walk(deal, "won", managers[0], values, users)
    _spread_over_the_month()
    deadlines_demo.seed_demo()
    # The price list, our requisites and documents; then an e-mail thread with a client.
    documents_demo.seed_demo(users, companies)
    correspondence_demo.seed_demo(users, companies)
    # A client's login to the portal, and an acceptance with its shipment list to recount.
    portal_demo.seed_demo(users, companies)
    warehouse_demo.seed_recount_demo(users, companies)
    return logins


def _spread_over_the_month() -> None:
    """Give each deal an age of its own within the last ``DAYS`` days and its events room:
    created that many days ago, each later event of its history some days after the one
    before, the warehouse's work taking hours. Only timestamps change (the seeding made
    everything through the services a moment ago)."""

    rng = random.Random(2026)
    now = timezone.now()
    for deal in Deal.objects.order_by("pk"):
        _age(deal, rng, now)


def _age(deal: Deal, rng: random.Random, now: datetime.datetime) -> None:
    """One deal's history spread out (see ``_spread_over_the_month``)."""
    from deals.models import AutomationJob, DealComment, FieldChange, StageChange
    from warehouse.models import WorkSession

    changes = list(StageChange.objects.filter(deal=deal).order_by("created_at", "pk"))
    start = now - datetime.timedelta(days=rng.randint(len(changes) + 1, DAYS))
    moment = start
    shift: dict[int, datetime.timedelta] = {}
    for change in changes:
        shift[change.pk] = moment - change.created_at
        moment += datetime.timedelta(days=rng.uniform(0.5, 2.5), minutes=rng.randint(0, 600))
        moment = min(moment, now - datetime.timedelta(hours=1))

    def moved(at: datetime.datetime | None) -> datetime.datetime | None:
        """A timestamp of the deal moved with the move it followed."""
        if at is None or not changes:
            return at
        before = [c for c in changes if c.created_at <= at] or changes[:1]
        return at + shift[before[-1].pk]

    for change in changes:
        StageChange.objects.filter(pk=change.pk).update(created_at=moved(change.created_at))
    for job in AutomationJob.objects.filter(deal=deal):
        AutomationJob.objects.filter(pk=job.pk).update(
            created_at=moved(job.created_at),
            next_run_at=moved(job.next_run_at),
            done_at=moved(job.done_at),
        )
    for task in Task.objects.filter(deal=deal):
        created = moved(task.created_at)
        completed = moved(task.completed_at)
        if completed is not None:  # the work (or the decision) took hours, not a moment
            completed = max(completed, created) + datetime.timedelta(hours=rng.randint(2, 20))
        Task.objects.filter(pk=task.pk).update(created_at=created, completed_at=completed)
        for session in WorkSession.objects.filter(task=task):
            began = created + datetime.timedelta(hours=rng.randint(1, 3))
            stopped = None
            if session.stopped_at is not None:
                stopped = began + datetime.timedelta(minutes=rng.randint(35, 190))
            WorkSession.objects.filter(pk=session.pk).update(started_at=began, stopped_at=stopped)
    for model in (DealComment, FieldChange):
        for row in model.objects.filter(deal=deal):
            model.objects.filter(pk=row.pk).update(created_at=moved(row.created_at))
    Deal.objects.filter(pk=deal.pk).update(
        created_at=start,
        stage_entered_at=moved(deal.stage_entered_at),
        closed_at=moved(deal.closed_at),
    )
