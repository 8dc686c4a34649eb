"""The users of the load run: managers, the director and warehouse workers, each signed in
with a session (and managers with an API token) the runner made for them.

Managers look at boards, open deal cards, filter the deal lists and move deals forward — half
through the board (the page's move, as a drop posts it) and half through the API — always
with ``expected_stage``, the stage they saw. They move only deals the runner found ready (the
fields the stage requires are filled), so every move should succeed: a refusal is an error,
and a conflict (the deal was moved meanwhile) an error of its own kind. The director looks at
every deal (boards, the approval inbox). A warehouse worker goes through their tasks on the
phone pages: starts the clock, stops it, records a result with a file.

Each request is written as a sample (what, when, how long, the kind of error) and each
successful move as (deal, from, to), for the runner's figures and its check. The runner starts
this file with ``LOADTEST_PLAN`` (what each user may do), ``LOADTEST_SAMPLES`` and
``LOADTEST_MOVES`` (where to write).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import deque
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

from loadtest.stats import Sample, write_samples

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOADTEST_PLAN"]).read_text(encoding="utf-8"))
SAMPLES: list[Sample] = []
MOVES: list[tuple[int, str, str]] = []
# The deals each manager may move, shared by the users signed in as that manager: a deal is
# taken out while a move of it is in flight, and put back with its next stage.
POOLS: dict[str, deque] = {username: deque(moves) for username, moves in PLAN["moves"].items()}
RESULT_FILE = b"%PDF-1.4\n% recount result\n"
THINK = between(0.5, 1.5)  # a busy user: about a click a second


class Kind:
    """The kinds of error the figures count."""

    CONFLICT = "conflict (moved meanwhile)"
    REFUSED = "move refused"
    WAREHOUSE_REFUSED = "warehouse action refused"
    SERVER = "server error (5xx)"
    CLIENT = "client error (4xx)"
    CONNECTION = "no answer"
    UNEXPECTED = "unexpected answer"
    SCRIPT = "error in the users' script"


@events.request.add_listener
def _sample(
    request_type, name, response_time, response_length, exception=None, context=None, **_kw
) -> None:
    error = ""
    if exception is not None:
        error = str(exception) if isinstance(exception, KindError) else _kind_of(exception)
    SAMPLES.append(Sample(name, time.time() - response_time / 1000, response_time, error))


@events.user_error.add_listener
def _script_error(user_instance, exception, tb, **_kw) -> None:
    """A user's own code failed: counted, so a broken user cannot pass for a quiet one."""
    SAMPLES.append(Sample(type(user_instance).__name__, time.time(), 0.0, Kind.SCRIPT))


@events.quitting.add_listener
def _write(environment, **_kw) -> None:
    write_samples(Path(os.environ["LOADTEST_SAMPLES"]), SAMPLES)
    with Path(os.environ["LOADTEST_MOVES"]).open("w", encoding="utf-8") as out:
        for move in MOVES:
            out.write(json.dumps(move) + "\n")


class KindError(Exception):
    """A failure whose message is its kind."""


def _kind_of(exception: BaseException) -> str:
    text = str(exception)
    if "HTTPError" in type(exception).__name__ or text[:3].isdigit():
        return Kind.SERVER if text.startswith("5") else Kind.CLIENT
    return Kind.CONNECTION


def _status_kind(status: int) -> str:
    if status == 0:
        return Kind.CONNECTION
    if status >= 500:
        return Kind.SERVER
    if status >= 400:
        return Kind.CLIENT
    return Kind.UNEXPECTED


class _Signed(HttpUser):
    abstract = True
    wait_time = THINK
    role = ""
    _slots: itertools.count

    def on_start(self) -> None:
        slots = PLAN["users"][self.role]
        self.me = slots[next(type(self)._slots) % len(slots)]
        self.client.cookies.set(PLAN["session_cookie"], self.me["session"])

    def page(self, url: str, name: str) -> None:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(KindError(_status_kind(response.status_code)))

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")


class Manager(_Signed):
    weight = 5
    role = "manager"
    _slots = itertools.count()

    def on_start(self) -> None:
        super().on_start()
        self.page(f"/pipelines/{random.choice(PLAN['pipelines'])}/", "board")  # the CSRF cookie

    @task(4)
    def board(self) -> None:
        self.page(f"/pipelines/{random.choice(PLAN['pipelines'])}/", "board")

    @task(3)
    def deal_card(self) -> None:
        self.page(f"/deals/{random.choice(self.me['deals'])}/", "deal card")

    @task(3)
    def deal_list(self) -> None:
        name, url = random.choice(PLAN["lists"])
        self.page(url, name)

    @task(3)
    def move(self) -> None:
        pool = POOLS.get(self.me["username"])
        if not pool:
            return
        item = pool.popleft()
        deal, stages = item["deal"], item["stages"]
        via_api = random.random() < 0.5
        moved = (self._move_api if via_api else self._move_page)(deal, stages[0], stages[1])
        if moved:
            MOVES.append((deal, stages[0], stages[1]))
            if len(stages) > 2:
                pool.append({"deal": deal, "stages": stages[1:]})

    def _move_page(self, deal: int, seen: str, target: str) -> bool:
        with self.client.post(
            f"/deals/{deal}/moves/to_{target}/",
            data={"expected_stage": seen},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf()},
            name="move (board)",
            catch_response=True,
        ) as response:
            if response.status_code == 204:
                return True
            if response.status_code == 200 and "move-conflict-title" in response.text:
                response.failure(KindError(Kind.CONFLICT))
            elif response.status_code == 200:
                response.failure(KindError(Kind.REFUSED))
            else:
                response.failure(KindError(_status_kind(response.status_code)))
        return False

    def _move_api(self, deal: int, seen: str, target: str) -> bool:
        with self.client.post(
            f"/api/deals/{deal}/transition/",
            json={"transition": f"to_{target}", "expected_stage": seen},
            headers={"Authorization": f"Token {self.me['token']}"},
            name="move (API)",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                return True
            if response.status_code == 409:
                response.failure(KindError(Kind.CONFLICT))
            elif response.status_code == 400:
                response.failure(KindError(Kind.REFUSED))
            else:
                response.failure(KindError(_status_kind(response.status_code)))
        return False

    @task(1)
    def api_list(self) -> None:
        with self.client.get(
            random.choice(PLAN["api_lists"]),
            headers={"Authorization": f"Token {self.me['token']}"},
            name="deal list (API)",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(KindError(_status_kind(response.status_code)))


class Director(_Signed):
    weight = 1
    role = "director"
    _slots = itertools.count()

    @task(3)
    def board(self) -> None:
        self.page(f"/pipelines/{random.choice(PLAN['pipelines'])}/", "board (director)")

    @task(1)
    def approvals(self) -> None:
        self.page("/approvals/", "approval inbox")

    @task(2)
    def deal_card(self) -> None:
        self.page(f"/deals/{random.choice(PLAN['director_deals'])}/", "deal card (director)")


class Warehouse(_Signed):
    """A worker with tasks of their own: open one, start the clock, stop it, record a result."""

    weight = 2
    role = "warehouse"
    _slots = itertools.count()

    def on_start(self) -> None:
        super().on_start()
        self.my_tasks = itertools.cycle(self.me["tasks"])
        self.page("/warehouse/", "warehouse tasks")  # the CSRF cookie
        self.steps = self._steps()

    def _steps(self):
        while True:
            task_id = next(self.my_tasks)
            self.page("/warehouse/", "warehouse tasks")
            yield
            self.page(f"/warehouse/tasks/{task_id}/", "warehouse task")
            yield
            self._act(task_id, "start")
            yield
            self._act(task_id, "pause")
            yield
            self._result(task_id)
            yield

    @task
    def next_step(self) -> None:
        next(self.steps)

    def _act(self, task_id: int, action: str) -> None:
        with self.client.post(
            f"/warehouse/tasks/{task_id}/{action}/",
            headers={"X-CSRFToken": self.csrf()},
            name=f"warehouse {action}",
            catch_response=True,
        ) as response:
            self._judge(response)

    def _result(self, task_id: int) -> None:
        with self.client.post(
            f"/warehouse/tasks/{task_id}/comments/",
            data={"text": "Пересчитано, акт во вложении", "is_result": "on"},
            files={"file": ("recount.pdf", RESULT_FILE, "application/pdf")},
            headers={"X-CSRFToken": self.csrf()},
            name="warehouse result",
            catch_response=True,
        ) as response:
            self._judge(response)

    @staticmethod
    def _judge(response) -> None:
        # The phone page posts, is redirected to the task and shows what happened there.
        if response.status_code == 400 or (
            response.status_code == 200 and 'class="msg error"' in response.text
        ):
            response.failure(KindError(Kind.WAREHOUSE_REFUSED))
        elif response.status_code != 200:
            response.failure(KindError(_status_kind(response.status_code)))
