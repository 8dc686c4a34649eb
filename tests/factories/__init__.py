"""Factories of the test suite: users with roles, companies with valid details, deals."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from deals.models import PIPELINE_MODELS, Company, Contact, Deal, LossReason
from deals.pipelines import get_pipeline
from deals.pipelines.fields import field_choices, field_type, model_field
from fulfillment.roles import ROLE_PERMISSIONS, Role, role_groups_sync

_roles_migration = importlib.import_module("deals.migrations.0002_roles_and_failure_reasons")
FAILURE_REASONS = _roles_migration.FAILURE_REASONS
with_pipeline_proxies = _roles_migration.with_pipeline_proxies
_services_migration = importlib.import_module(
    "documents.migrations.0003_price_list_services_and_roles"
)


def ensure_reference_data() -> None:
    """The role groups, failure reasons and price-list services the migrations create.

    A transactional test (live server, several connections) empties the tables when it ends;
    the next test gets them back from here, made by the same code as the migrations.
    """
    if Group.objects.count() < len(Role):
        from django.apps import apps

        role_groups_sync(apps, with_pipeline_proxies(ROLE_PERMISSIONS))
    if not LossReason.objects.exists():
        for sort, (label, pipeline) in enumerate(FAILURE_REASONS, start=1):
            LossReason.objects.create(label=label, pipeline=pipeline, sort=sort * 10)
    ensure_services()


def ensure_services() -> None:
    """The price list's services as migration ``documents/0003`` makes them."""
    from documents.models import Service

    if Service.objects.count() < len(_services_migration.SERVICES):
        for sort, (code, name, unit) in enumerate(_services_migration.SERVICES, start=1):
            Service.objects.get_or_create(
                code=code, defaults={"name": name, "unit": unit, "sort": sort * 10}
            )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        ensure_reference_data()
        return super()._create(model_class, *args, **kwargs)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Тест"
    last_name = factory.Sequence(lambda n: f"Пользователь{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("secret-pass-1")

    @factory.post_generation
    def role(self, create: bool, extracted: Role | None, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=str(extracted)))
            if extracted == Role.ADMINISTRATOR:
                self.is_staff = True
                self.save(update_fields=["is_staff"])


class CompanyFactory(factory.django.DjangoModelFactory):
    """An organisation with complete, valid legal details."""

    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"ООО «Клиент {n}»")
    legal_name = factory.LazyAttribute(lambda c: c.name)
    inn = "7707083893"
    kpp = "773601001"
    ogrn = "1027700132195"
    legal_address = "г. Москва, ул. Вавилова, д. 19"
    bik = "044525225"
    bank_account = "40702810938000000001"
    signatory = "Иванов Иван Иванович"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Контакт {n}")
    phone = "+7 900 000-00-00"


def value_for(path: str, *, company: Company, contact: Contact) -> Any:
    """A valid filled-in value for any deal field, by the field's type (spec-driven tests)."""
    field = model_field(path)
    kind = field_type(field)
    if path == "company":
        return company
    if path == "contact":
        return contact
    return {
        "multichoice": lambda: [field_choices(field)[0][0]],
        "choice": lambda: field_choices(field)[0][0],
        "file": lambda: ContentFile(b"%PDF-1.4 test", name=f"{path}.pdf"),
        "boolean": lambda: True,
        "integer": lambda: 5,
        "decimal": lambda: Decimal("1000.00"),
        "date": lambda: datetime.date(2026, 12, 1),
        "datetime": lambda: timezone.now(),
        "text": lambda: f"{path} text",
        "string": lambda: f"{path}-1",
    }[kind]()


def complete_values(pipeline: str, *, company: Company, contact: Contact) -> dict[str, Any]:
    """Values of every deal field any stage of the pipeline requires."""
    spec = get_pipeline(pipeline)
    paths = {p for stage in spec.stages for r in stage.requires for p in r.paths}
    return {
        path: value_for(path, company=company, contact=contact)
        for path in sorted(paths)
        if "." not in path
    }


def make_deal(
    pipeline: str,
    stage: str = "new",
    *,
    responsible=None,
    complete: bool = True,
    **overrides: Any,
) -> Deal:
    """A deal standing in ``stage`` (written directly, as setup), with every required field
    of the pipeline filled when ``complete``."""
    contact = overrides.pop("contact", None)
    if contact is None:
        given = overrides.get("company")
        contact = ContactFactory(company=given) if given is not None else ContactFactory()
    company = overrides.pop("company", contact.company)
    values = complete_values(pipeline, company=company, contact=contact) if complete else {}
    values.update(overrides)
    if not complete:
        values["company"] = company
    deal = PIPELINE_MODELS[pipeline](
        pipeline=pipeline,
        stage=stage,
        title=f"Сделка {pipeline}",
        responsible=responsible or UserFactory(role=Role.MANAGER),
    )
    for name, value in values.items():
        setattr(deal, name, value)
    deal.save()
    return Deal.objects.select_related("company", "contact").get(pk=deal.pk)
