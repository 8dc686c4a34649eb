"""Import of Bitrix24's exports: the files as Bitrix24 writes them (CSV in UTF-8 with BOM and in
windows-1251, the "Excel" HTML table), matching, the stage a deal is in, product lines,
rejected rows with their reasons, dry run and re-run."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.timezone import localtime

from bitrix.exports import ExportError, read_export
from bitrix.importer import Importer, normalize_phone, parse_number
from bitrix.mapping import MappingError, load_mapping
from deals import services
from deals.exceptions import MissingFieldsError
from deals.models import AutomationJob, Company, Contact, Deal, FieldChange, StageChange, Task
from deals.services.imports import NO_REASON
from fulfillment.models import Notification
from fulfillment.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPORTS = Path(__file__).parent / "exports"
FILES = ["deals.csv", "contacts.csv", "companies.xls", "deals_en.xls"]


@pytest.fixture
def maria(db):
    return UserFactory(
        username="maria", first_name="Мария", last_name="Менеджерова", role=Role.MANAGER
    )


def _exports(*names: str):
    return [read_export((EXPORTS / name).read_bytes(), name) for name in names or FILES]


def _import(actor=None, *, dry_run=False, mapping=None, default_responsible=None, names=()):
    importer = Importer(
        actor=actor, mapping=load_mapping(mapping), default_responsible=default_responsible
    )
    return importer.run(_exports(*names), dry_run=dry_run)


def _state() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Company, Contact, Deal, StageChange, FieldChange, AutomationJob, Task)
    )


def test_each_file_is_read_in_its_format_and_encoding_and_its_kind_told_by_its_columns():
    deals, contacts, companies, english = _exports()

    assert [(e.kind, e.encoding, len(e.rows)) for e in (deals, contacts, companies, english)] == [
        ("deal", "utf-8-sig", 11),
        ("contact", "windows-1251", 4),
        ("company", "windows-1251", 5),
        ("deal", "utf-8", 1),
    ]
    first = deals.rows[0]
    assert first.line == 2
    assert first.values["title"] == "Ромашка: просчет"
    assert first.values["stage"] == "Сформировать КП"
    assert "" not in first.raw  # the trailing «;» is no column
    assert companies.rows[0].values["inn"] == "7707083893"  # «Реквизит: ИНН»
    assert companies.rows[0].values["ogrn"] == "1027700132195"  # «Реквизит (Россия): ОГРН»
    assert contacts.rows[3].values["phone"] == "+79161234567"  # «Телефон мобильный»
    assert english.rows[0].values["pipeline"] == "Calculation request"


def test_a_file_that_is_no_export_is_refused_in_russian():
    with pytest.raises(ExportError, match="по заголовкам столбцов не понятно"):
        read_export("Номер;Сумма\n1;2\n".encode(), "таблица.csv")


def test_phones_and_numbers_are_read_as_people_write_them():
    assert normalize_phone("8 (916) 123-45-67") == normalize_phone("+7 916 123 45 67")
    assert normalize_phone("916-123-45-67") == "+79161234567"
    assert parse_number("1\u00a0500\u00a0000,50") == Decimal("1500000.50")
    assert parse_number("1,500,000.50") == Decimal("1500000.50")


def test_companies_contacts_and_deals_are_imported_with_their_details_and_stages(maria):
    report = _import()

    assert {k: dict(v) for k, v in report.as_dict()["counts"].items()} == {
        "company": {"created": 3, "updated": 0, "unchanged": 1, "rejected": 2},
        "contact": {"created": 2, "updated": 0, "unchanged": 1, "rejected": 1},
        "deal": {"created": 6, "updated": 0, "unchanged": 0, "rejected": 5},
    }
    romashka = Company.objects.get(bitrix24_id=101)
    assert (romashka.name, romashka.inn, romashka.kpp, romashka.ogrn) == (
        "ООО «Ромашка»",
        "7707083893",
        "773601001",
        "1027700132195",
    )
    assert romashka.legal_address == "г. Москва, ул. Вавилова, д. 19"
    ivan = Contact.objects.get(bitrix24_id=201)
    assert (ivan.company, ivan.name, ivan.phone) == (romashka, "Иван Петров", "8 (916) 123-45-67")

    proposal = Deal.objects.get(bitrix24_id=301)
    assert (proposal.pipeline, proposal.stage, proposal.amount) == (
        "calculation",
        "proposal",
        Decimal("150000.00"),
    )
    assert (proposal.company, proposal.contact, proposal.responsible) == (romashka, ivan, maria)
    assert localtime(proposal.created_at).strftime("%d.%m.%Y %H:%M") == "02.11.2026 10:15"
    (entry,) = proposal.stage_changes.all()
    assert (entry.transition, entry.from_stage, entry.to_stage, entry.comment) == (
        "import",
        "",
        "proposal",
        "Импортировано из Bitrix24",
    )
    # Two product lines are one deal, its amount their sum: 12.50 × 1000 + 500 × 10.
    acceptance = Deal.objects.get(bitrix24_id=302)
    assert (acceptance.stage, acceptance.amount) == ("to_warehouse", Decimal("17500.00"))
    lost = Deal.objects.get(bitrix24_id=303)
    assert (lost.stage, lost.failure_reason.label) == ("lost", NO_REASON)
    assert lost.closed_at is not None
    assert Deal.objects.get(bitrix24_id=310).failure_reason.label == "Клиент передумал"
    won = Deal.objects.get(bitrix24_id=309)
    assert (won.pipeline, won.stage, won.company.name) == ("contract", "won", "ООО «Лютик»")
    assert Deal.objects.get(bitrix24_id=401).stage == "proposal"  # the English portal's names
    # No automation ran for the imported stages: no jobs, no tasks, nobody notified.
    assert not AutomationJob.objects.exists()
    assert not Task.objects.exists()
    assert not Notification.objects.exists()


def test_rejected_rows_say_why_in_russian_and_import_nothing_of_themselves(maria):
    report = _import()

    reasons = {(r.file, r.line): r.reason for r in report.rejected}
    assert reasons == {
        ("companies.xls", 4): "ИНН: Контрольная сумма ИНН не сходится: проверьте цифры.",
        ("companies.xls", 5): "Нет названия.",
        ("contacts.csv", 4): "У контакта нет ни телефона, ни e-mail.",
        ("deals.csv", 6): "В воронке «Заявка на просчет заказа» нет стадии «Переговоры»: "
        "укажите ее в файле сопоставления.",
        ("deals.csv", 7): "Неизвестная воронка «Продажи»: укажите ее в файле сопоставления "
        "(одну из наших пяти воронок).",
        ("deals.csv", 8): "Нет пользователя «Неизвестный Человек» (по ФИО или e-mail).",
        ("deals.csv", 9): "«много» в столбце «Сумма» — не число.",
        ("deals.csv", 10): "Нет названия.",
    }
    assert not Company.objects.filter(name="ООО «Битый ИНН»").exists()
    assert not Deal.objects.filter(bitrix24_id__in=[304, 305, 306, 307, 308]).exists()
    csv_text = report.rejected_csv()
    assert csv_text.startswith("\ufeffФайл;Строка;Запись;Причина;Данные")
    assert "Неизвестный Человек" in csv_text


def test_duplicates_in_the_export_are_matched_not_doubled(maria):
    report = _import()

    assert Company.objects.filter(inn="7707083893").count() == 1
    assert Contact.objects.filter(name="Иван Петров").count() == 1
    assert any("(ИНН)" in w and "строке 2" in w for w in report.warnings)
    assert any("(телефон)" in w for w in report.warnings)


def test_a_re_run_changes_nothing(maria):
    _import()
    before = _state()

    report = _import()

    assert _state() == before
    counts = report.as_dict()["counts"]
    assert [counts[kind]["created"] + counts[kind]["updated"] for kind in counts] == [0, 0, 0]
    assert counts["deal"]["unchanged"] == 6


def test_a_dry_run_reports_what_a_real_run_does_and_writes_nothing(maria):
    dry = _import(dry_run=True)

    assert _state() == (0, 0, 0, 0, 0, 0, 0)
    real = _import()
    assert dry.as_dict()["counts"] == real.as_dict()["counts"]
    assert [r.reason for r in dry.rejected] == [r.reason for r in real.rejected]


def test_a_changed_deal_is_updated_with_its_audit_trail(maria, administrator, tmp_path):
    _import(names=("deals.csv",))
    text = (EXPORTS / "deals.csv").read_bytes().decode("utf-8-sig")
    changed = text.replace('"150 000,00"', '"175 000,00"').replace(
        '"Сформировать КП"', '"Согласовать КП с ГД"', 1
    )
    (tmp_path / "deals.csv").write_bytes(changed.encode("utf-8-sig"))
    importer = Importer(actor=administrator, mapping=load_mapping(None))

    report = importer.run([read_export((tmp_path / "deals.csv").read_bytes(), "deals.csv")])

    assert report.as_dict()["counts"]["deal"]["updated"] == 1
    deal = Deal.objects.get(bitrix24_id=301)
    assert (deal.stage, deal.amount) == ("director_approval", Decimal("175000.00"))
    change = FieldChange.objects.get(deal=deal)
    assert (change.field, change.new_value, change.actor) == ("amount", "175000.00", administrator)
    assert list(deal.stage_changes.values_list("transition", "from_stage", "to_stage")) == [
        ("import", "", "proposal"),
        ("import", "proposal", "director_approval"),
    ]
    first, moved = deal.stage_changes.order_by("created_at", "pk")
    assert moved.from_stage_entered_at == first.created_at  # the stay in «Сформировать КП»


def test_an_imported_deal_moves_on_only_with_what_its_next_stage_requires(maria):
    _import(names=("deals.csv",))
    deal = Deal.objects.get(bitrix24_id=301)

    with pytest.raises(MissingFieldsError) as refused:
        services.deal_move(deal=deal, transition="to_director_approval", actor=maria)

    assert set(refused.value.codes) >= {"proposal_file"}


def test_unknown_people_go_to_the_default_responsible_with_a_warning(maria, administrator):
    report = _import(default_responsible=maria, names=("deals.csv",))

    deal = Deal.objects.get(bitrix24_id=306)
    assert deal.responsible == maria
    assert any("Неизвестный Человек" in w for w in report.warnings)


def test_a_mapping_file_names_the_portal_s_own_pipelines_and_stages(maria, tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "pipelines": {"Продажи": "calculation"},
                "stages": {"calculation": {"Переговоры": "proposal", "Новая": "new"}},
            }
        ),
        encoding="utf-8",
    )

    _import(mapping=mapping, names=("deals.csv",))

    assert Deal.objects.get(bitrix24_id=304).stage == "proposal"
    assert (
        Deal.objects.get(bitrix24_id=305).pipeline,
        Deal.objects.get(bitrix24_id=305).stage,
    ) == (
        "calculation",
        "new",
    )


def test_a_mapping_to_a_stage_we_do_not_have_is_refused(tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"stages": {"calculation": {"Переговоры": "talks"}}}))

    with pytest.raises(MappingError, match="нет стадии «talks»"):
        load_mapping(mapping)


def test_the_command_reports_and_writes_the_rejected_rows(maria, tmp_path, capsys):
    rejected = tmp_path / "rejected.csv"

    call_command(
        "import_bitrix24", *(str(EXPORTS / name) for name in FILES), "--rejected", str(rejected)
    )

    out = capsys.readouterr().out
    assert "Сделки: создано 6, изменено 0, без изменений 0, отклонено 5" in out
    assert "deals.csv, строка 8: Нет пользователя «Неизвестный Человек»" in out
    assert rejected.read_text(encoding="utf-8").count("\n") == 9  # the header and 8 rows


def test_the_command_s_dry_run_writes_nothing(maria, capsys):
    call_command(
        "import_bitrix24",
        *(str(EXPORTS / name) for name in FILES),
        "--dry-run",
        "--rejected",
        "/dev/null",
    )

    assert "Пробный запуск: ничего не записано." in capsys.readouterr().out
    assert _state() == (0, 0, 0, 0, 0, 0, 0)


def test_the_command_refuses_an_unknown_login():
    with pytest.raises(CommandError, match="Нет пользователя с логином «nobody»"):
        call_command("import_bitrix24", str(EXPORTS / "deals.csv"), "--actor", "nobody")
