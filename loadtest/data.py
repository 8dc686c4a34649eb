"""The data of the load run and what each user may do with it.

The deals are the growth benchmark's (``bench_growth.Grower``: the demo data, then 10,000
deals spread like a company's years of work, ten managers, most deals closed, each with its
history and the open tasks of its stage). On top of it the run needs deals a manager can move:
``deals_make_ready`` fills in, on the open deals, what their stages require up to the next
stage that starts automation (the director's approval, the warehouse task, a handoff), so a
deal walks forward a stage or a few and stops where the business would wait for someone.

``plan`` is what the users are given before each step, read from the database as it stands
then: sessions and API tokens, the deals each manager may move (those whose required fields
are filled now, with the stages they can walk through), the deals they open, the list
filters, and the warehouse tasks of each worker.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from rest_framework.authtoken.models import Token

from deals.automation import actions_for
from deals.guards import RequiredFields
from deals.management.commands.bench_growth import Grower, bench_managers
from deals.models import Company, Deal, Task
from deals.pipelines import PIPELINES, get_pipeline
from fulfillment.demo import deal_data, seed_demo
from fulfillment.roles import Role
from warehouse import services as warehouse_services
from warehouse.models import WorkSession

User = get_user_model()
WORKER_PREFIX = "bench-warehouse-"
CARDS_PER_MANAGER = 200
SESSIONS_PER_MANAGER = 4
DIRECTOR_SESSIONS = 6


def seed(deals: int) -> None:
    """The demo data and the growth benchmark's deals, up to ``deals``."""
    seed_demo()
    manager = User.objects.get(username="manager")
    Grower(managers=[manager, *bench_managers()]).grow_to(deals)


def managers() -> list:
    """The managers the run's users sign in as (the demo's and the growth benchmark's)."""
    return list(
        User.objects.filter(groups__name=str(Role.MANAGER), is_active=True).order_by("username")
    )


def stages_ahead(pipeline: str, stage: str) -> list[str]:
    """The stages a deal standing in ``stage`` walks through: each next stage, up to and with
    the first one whose entry starts automation or that closes the deal."""
    spec = get_pipeline(pipeline)
    path = [stage]
    while spec.stage(path[-1]).is_open:
        following = spec.next_stage(path[-1])
        path.append(following.code)
        if actions_for(pipeline, following.code) or not following.is_open:
            break
    return path


def _stored(name: str, content: ContentFile) -> str:
    """One stored file for every deal that needs one in that field."""
    return default_storage.save(f"loadtest/{name}", content)


def deals_make_ready() -> int:
    """Fill in on the open deals what each stage on their way requires (``stages_ahead``),
    with the demo's values; returns how many deals can now be moved. A stage that needs the
    company's legal details (a new contract) is left as it is."""
    company = Company.objects.filter(contacts__isnull=False).order_by("pk").first()
    ready = 0
    open_stages = (
        Deal.objects.filter(closed_at__isnull=True)
        .values_list("pipeline", "stage")
        .distinct()
        .order_by()
    )
    for pipeline, stage in open_stages:
        spec = get_pipeline(pipeline)
        path = stages_ahead(pipeline, stage)
        demo = deal_data(pipeline, company)
        values: dict[str, Any] = {}
        paths = [p for s in path[:-1] for r in spec.stage(s).requires for p in r.paths]
        if len(path) < 2 or any("." in p or p not in demo for p in paths):
            continue
        for field_name in paths:
            value = demo[field_name]
            if isinstance(value, ContentFile):
                value = _stored(value.name, value)
            values[field_name] = value
        values.pop("company", None)
        values.pop("contact", None)
        deals = Deal.objects.filter(pipeline=pipeline, stage=stage, closed_at__isnull=True)
        ready += deals.update(**values) if values else deals.count()
    return ready


def ready_walks(user) -> list[dict[str, Any]]:
    """The deals ``user`` may move now, each with the stages it can walk through: every step
    from the stage it stands in whose required fields are filled (the move's guard)."""
    walks = []
    deals = Deal.objects.filter(responsible=user, closed_at__isnull=True).select_related(
        "company", "contact"
    )
    for deal in deals.order_by("pk"):
        spec = deal.pipeline_spec
        path = [deal.stage]
        for stage in stages_ahead(deal.pipeline, deal.stage)[1:]:
            if RequiredFields(spec, path[-1]).missing(deal):
                break
            path.append(stage)
        if len(path) > 1:
            walks.append({"deal": deal.pk, "stages": path})
    random.Random(deals.count()).shuffle(walks)
    return walks


def warehouse_workers(count: int) -> list:
    """``count`` warehouse workers of the run (a worker has one running clock at a time, so
    each user of the run is a worker of their own)."""
    group = Group.objects.get(name=str(Role.WAREHOUSE))
    workers = []
    for number in range(1, count + 1):
        user, _created = User.objects.get_or_create(
            username=f"{WORKER_PREFIX}{number}",
            defaults={"first_name": "Кладовщик", "last_name": f"Нагрузочный {number}"},
        )
        user.groups.add(group)
        workers.append(user)
    return workers


def clocks_stop(workers: list) -> int:
    """Stop the clocks a step left running (its users stop mid-way), as each worker would."""
    running = WorkSession.objects.filter(worker__in=workers, stopped_at__isnull=True)
    stopped = 0
    for session in running.select_related("task", "worker"):
        warehouse_services.work_pause(task=session.task, worker=session.worker)
        stopped += 1
    return stopped


def _worker_tasks(workers: list) -> dict[str, list[int]]:
    """Each worker's open warehouse tasks: those they took, and a share of the queue's."""
    tasks = Task.objects.filter(kind=Task.Kind.WAREHOUSE, status__in=Task.OPEN_STATUSES)
    shares: dict[str, list[int]] = defaultdict(list)
    by_id = {w.pk: w.username for w in workers}
    for pk, assignee in tasks.filter(assignee__in=workers).values_list("pk", "assignee_id"):
        shares[by_id[assignee]].append(pk)
    queue = list(
        tasks.filter(assignee__isnull=True, queue=str(Role.WAREHOUSE))
        .order_by("-pk")
        .values_list("pk", flat=True)
    )
    for index, pk in enumerate(queue):
        shares[workers[index % len(workers)].username].append(pk)
    return dict(shares)


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _lists(rng: random.Random) -> tuple[list[tuple[str, str]], list[str]]:
    """The deal list pages and API lists managers filter: by stage, a title's word, a client,
    an amount, and the bare list."""
    pages, api = [], []
    companies = list(Company.objects.order_by("?").values_list("name", flat=True)[:20])
    for code, spec in PIPELINES.items():
        base = f"/pipelines/{code}/list/"
        stages = [s.code for s in spec.open_stages]
        pages += [
            ("deal list", base),
            ("deal list ?stage", f"{base}?{urlencode({'stage': rng.choice(stages)})}"),
            ("deal list ?q", f"{base}?{urlencode({'q': f'заявка {rng.randrange(1, 999)}'})}"),
            ("deal list ?client", f"{base}?{urlencode({'client': rng.choice(companies)})}"),
            ("deal list ?amount", f"{base}?amount_min=500000&ordering=-amount"),
        ]
        api += [
            f"/api/deals/?pipeline={code}",
            f"/api/deals/?{urlencode({'pipeline': code, 'stage': rng.choice(stages)})}",
            f"/api/deals/?pipeline={code}&is_open=true&ordering=-stage_entered_at",
        ]
    return pages, api


def plan(workers: list) -> dict[str, Any]:
    """What the users of a step are given (see the module's docstring)."""
    rng = random.Random(2026)
    staff = managers()
    slots: dict[str, list[dict[str, Any]]] = {}
    moves, signed = {}, []
    for user in staff:
        token, _created = Token.objects.get_or_create(user=user)
        cards = list(
            Deal.objects.filter(responsible=user)
            .order_by("?")
            .values_list("pk", flat=True)[:CARDS_PER_MANAGER]
        )
        if cards:
            moves[user.username] = ready_walks(user)
            signed.append({"username": user.username, "token": token.key, "deals": cards})
    # Slots in turn through the managers, so that a few users are a few managers.
    slots["manager"] = [
        {**entry, "session": _session(User.objects.get(username=entry["username"]))}
        for _ in range(SESSIONS_PER_MANAGER)
        for entry in signed
    ]
    director = User.objects.get(username="director")
    slots["director"] = [
        {"username": director.username, "session": _session(director)}
        for _ in range(DIRECTOR_SESSIONS)
    ]
    tasks = _worker_tasks(workers)
    slots["warehouse"] = [
        {"username": w.username, "session": _session(w), "tasks": tasks[w.username]}
        for w in workers
        if tasks.get(w.username)
    ]
    pages, api = _lists(rng)
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "pipelines": list(PIPELINES),
        "users": slots,
        "moves": moves,
        "lists": pages,
        "api_lists": api,
        "director_deals": list(Deal.objects.order_by("?").values_list("pk", flat=True)[:300]),
    }


def workers_needed(max_users: int, share: float) -> int:
    return max(1, math.ceil(max_users * share)) + 1
