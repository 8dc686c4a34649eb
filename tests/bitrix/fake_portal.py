"""A Bitrix24 portal for the tests: a real HTTP server answering the REST methods the live
pull calls, with Bitrix24's envelope and paging (50 a page, ``total``, ``next`` only when
another page exists) and its errors (a wrong token: 401 ``NO_AUTH_FOUND``)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "s3cr3t"


def _page(items: list, params: dict[str, Any]) -> dict[str, Any]:
    start = int(params.get("start") or 0)
    body: dict[str, Any] = {"result": items[start : start + 50], "total": len(items)}
    if start + 50 < len(items):
        body["next"] = start + 50
    return body


class FakePortal:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.users = [{"ID": "1", "NAME": "Мария", "LAST_NAME": "Менеджерова", "EMAIL": ""}]
        self.categories = [
            {"id": 0, "name": "Заявка на просчет заказа", "sort": 100, "entityTypeId": 2},
            {"id": 2, "name": "Заявка на приемку товара", "sort": 200, "entityTypeId": 2},
        ]
        self.statuses = {
            "DEAL_STAGE": [
                {"STATUS_ID": "NEW", "NAME": "Новая заявка на просчет заказа", "SEMANTICS": None},
                {"STATUS_ID": "PREPARATION", "NAME": "Сформировать КП", "SEMANTICS": None},
                {"STATUS_ID": "LOSE", "NAME": "Сделка провалена", "SEMANTICS": "F"},
            ],
            "DEAL_STAGE_2": [
                {"STATUS_ID": "C2:NEW", "NAME": "Новая заявка на приемку товара"},
                {"STATUS_ID": "C2:WON", "NAME": "Сделка успешна", "SEMANTICS": "S"},
            ],
        }
        self.companies = [
            {
                "ID": "11",
                "TITLE": "ООО «Ромашка»",
                "PHONE": [{"ID": "1", "VALUE": "+7 495 500-55-50", "VALUE_TYPE": "WORK"}],
            },
            {
                "ID": "12",
                "TITLE": "ИП Петров",
                "EMAIL": [{"ID": "2", "VALUE": "petrov@example.ru", "VALUE_TYPE": "WORK"}],
            },
        ]
        self.requisites = [
            {
                "ENTITY_TYPE_ID": "4",
                "ENTITY_ID": "11",
                "RQ_INN": "7707083893",
                "RQ_KPP": "773601001",
            },
        ]
        self.contacts = [
            {
                "ID": "21",
                "NAME": "Иван",
                "LAST_NAME": "Петров",
                "POST": "Директор",
                "COMPANY_ID": "11",
                "PHONE": [{"ID": "3", "VALUE": "8 (916) 123-45-67", "VALUE_TYPE": "MOBILE"}],
            },
        ]
        # 120 deals: three pages.
        self.deals = [
            {
                "ID": str(1000 + n),
                "TITLE": f"Заявка {n}",
                "CATEGORY_ID": "0" if n % 3 else "2",
                "STAGE_ID": ("PREPARATION" if n % 2 else "NEW") if n % 3 else "C2:WON",
                "OPPORTUNITY": f"{n * 1000}.00",
                "CURRENCY_ID": "RUB",
                "COMPANY_ID": "11" if n % 2 else "12",
                "CONTACT_ID": "21" if n % 2 else None,
                "ASSIGNED_BY_ID": "1",
                "DATE_CREATE": "2026-11-02T10:15:00+03:00",
                "COMMENTS": "",
                "UF_CRM_1700000000": "",
            }
            for n in range(1, 121)
        ]

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.calls.append((method, params))
        time = {
            "start": 0,
            "finish": 0,
            "duration": 0,
            "processing": 0,
            "date_start": "2026-12-04T10:00:00+03:00",
            "date_finish": "2026-12-04T10:00:00+03:00",
        }
        if method == "user.get":
            return 200, {**_page(self.users, params), "time": time}
        if method == "crm.category.list":
            return 200, {"result": {"categories": self.categories}, "total": 2, "time": time}
        if method == "crm.status.list":
            entity = params.get("filter", {}).get("ENTITY_ID")
            return 200, {**_page(self.statuses.get(entity, []), params), "time": time}
        if method == "crm.requisite.list":
            return 200, {**_page(self.requisites, params), "time": time}
        if method == "crm.company.list":
            return 200, {**_page(self.companies, params), "time": time}
        if method == "crm.contact.list":
            return 200, {**_page(self.contacts, params), "time": time}
        if method == "crm.deal.list":
            return 200, {**_page(self.deals, params), "time": time}
        return 404, {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}

    def start(self) -> str:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = json.loads(self.rfile.read(length) or b"{}")
                parts = self.path.strip("/").split("/")  # rest, uid, token, method.json
                if len(parts) != 4 or parts[2] != TOKEN:
                    status, body = (
                        401,
                        {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"},
                    )
                else:
                    status, body = portal.answer(parts[3].removesuffix(".json").lower(), params)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        host, port = self.server.server_address
        return f"http://{host}:{port}/rest/1/{TOKEN}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
