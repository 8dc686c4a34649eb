"""The seed's story in a real browser: a calculation request from the first form to the
acceptance request, through the required-field dialogs, the director's inbox and the
contract of a new client. Screenshots go to test-artifacts/ for people to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from deals.models import Deal
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PDF = {"mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% story\n"}


def _stage(page, label: str) -> None:
    expect(page.locator(".stage-line .stage")).to_have_text(label)


def _next(page, stage: str) -> None:
    page.get_by_role("button", name=f"Далее: «{stage}»").click()


def test_a_calculation_request_goes_from_the_form_to_the_acceptance_request(
    page, live_server, login, screenshot, manager, director
):
    company = CompanyFactory(name="ООО «Новый бренд»")  # legal details complete, no contract
    ContactFactory(company=company, name="Ольга Новикова")
    login(manager)

    # «Создать» on the calculation board.
    page.get_by_role("link", name="Создать").click()
    page.fill("#id_title", "Новый бренд: первый заказ")
    page.select_option("#id_company", label="ООО «Новый бренд»")
    page.select_option("#id_contact", label="Ольга Новикова (ООО «Новый бренд»)")
    screenshot("sales-01-create-form")
    page.get_by_role("button", name="Создать").click()
    _stage(page, "Новая заявка на просчет заказа")
    deal = Deal.objects.get(title="Новый бренд: первый заказ")

    # On the board, drag the card to «Сформировать КП»: refused, the dialog asks for the rest.
    page.goto(f"{live_server.url}/pipelines/calculation/")
    page.drag_and_drop(f'[data-deal="{deal.pk}"]', '.column[data-stage="proposal"]')
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("alert")).to_have_text(
        "Заполните обязательные поля: Нужные услуги, Маркетплейсы, Описание товара, "
        "Количество SKU, Ожидаемый объем, шт. в месяц."
    )
    expect(dialog.locator(".is-missing")).to_have_count(5)
    screenshot("sales-02-move-refused-dialog")
    dialog.get_by_label("Хранение").check()
    dialog.get_by_label("Упаковка").check()
    dialog.get_by_label("Wildberries").check()
    dialog.get_by_label("Описание товара").fill("Детская одежда, хлопок")
    dialog.get_by_label("Количество SKU").fill("120")
    dialog.get_by_label("Ожидаемый объем, шт. в месяц").fill("5000")
    dialog.get_by_role("button", name="Сохранить и перейти").click()
    column = page.locator('.column[data-stage="proposal"]')
    expect(column.locator(f'[data-deal="{deal.pk}"]')).to_be_visible()
    expect(column.locator(".count")).to_have_text("1")
    screenshot("sales-03-board-after-move")

    # The card: attach the КП and send it to the director in one dialog.
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    _next(page, "Согласовать КП с ГД")
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("alert")).to_have_text(
        "Заполните обязательные поля: Файл КП, Сумма, ₽."
    )
    dialog.locator("#id_proposal_file").set_input_files(files=[{"name": "kp.pdf", **PDF}])
    dialog.get_by_label("Сумма, ₽").fill("185000")
    dialog.get_by_role("button", name="Сохранить и перейти").click()
    _stage(page, "Согласовать КП с ГД")
    expect(page.locator(".deal-side")).to_contain_text("Согласовать КП: Новый бренд: первый заказ")
    screenshot("sales-04-card-waiting-for-director")

    # The director approves in the inbox, with the КП file at hand.
    login(director)
    page.get_by_role("link", name="На согласование").click()
    approval = page.locator("article.approval")
    expect(approval.get_by_role("link", name="kp.pdf")).to_be_visible()
    expect(approval).to_contain_text("185\u00a0000\u00a0₽")
    screenshot("sales-05-director-inbox")
    approval.get_by_role("button", name="Согласовать").click()
    expect(page.get_by_role("status")).to_have_text("Согласовано: Новый бренд: первый заказ")

    # The client says yes: the contract deal opens because the company has no contract.
    login(manager)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    _next(page, "Согласовать КП с клиентом")
    _stage(page, "Согласовать КП с клиентом")
    _next(page, "КП с клиентом согласовано")
    _stage(page, "КП с клиентом согласовано")
    linked = page.locator(".deal-side")
    contract_link = linked.get_by_role(
        "link", name=re.compile("Заключить договор с новым клиентом")
    )
    expect(contract_link).to_be_visible()
    screenshot("sales-06-won-contract-opened")

    # The contract deal is worked to the signed contract.
    contract_link.click()
    _stage(page, "Новый договор")
    _next(page, "Подготовить договор")
    _stage(page, "Подготовить договор")
    _next(page, "Согласовать договор с клиентом")
    page.locator("dialog[open] #id_contract_draft_file").set_input_files(
        files=[{"name": "draft.pdf", **PDF}]
    )
    page.get_by_role("button", name="Сохранить и перейти").click()
    _stage(page, "Согласовать договор с клиентом")
    _next(page, "Подписание договора")
    _stage(page, "Подписание договора")
    _next(page, "Договор заключен")
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Номер договора").fill("ФФ-2026/001")
    dialog.get_by_label("Дата договора").fill("2026-12-01")
    dialog.locator("#id_signed_contract_file").set_input_files(
        files=[{"name": "signed.pdf", **PDF}]
    )
    screenshot("sales-07-contract-signing-dialog")
    dialog.get_by_role("button", name="Сохранить и перейти").click()
    _stage(page, "Договор заключен")

    # The acceptance request appears on the calculation request, and the company has a contract.
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    linked = page.locator(".deal-side")
    acceptance = linked.get_by_role("link", name=re.compile("Заявка на приемку товара"))
    expect(acceptance).to_be_visible()
    screenshot("sales-08-acceptance-opened")
    acceptance.click()
    _stage(page, "Новая заявка на приемку товара")
    # What was agreed comes along: the КП and its amount; then the goods.
    expect(page.locator("#group-1")).to_contain_text("Согласованное КП")
    expect(page.locator("#group-1")).to_contain_text("kp.pdf")
    expect(page.locator("#group-2")).to_contain_text("Детская одежда, хлопок")
    page.goto(f"{live_server.url}/companies/{company.pk}/")
    expect(page.locator(".tag.ok")).to_have_text("Договор заключен")
    screenshot("sales-09-company-with-contract")
