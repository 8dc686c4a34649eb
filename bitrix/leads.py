"""A request from a website form (Bitrix24's ``crm.lead.add``): there are no leads in the
process, so it opens a calculation request («Заявка на просчет заказа») straight away."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bitrix.importer import normalize_phone
from deals import services
from deals.models import Company, Contact, Deal
from fulfillment.roles import AnyUser

NO_CLIENT = _("A request needs the client: a company title, a name, a phone or an e-mail.")
WEBSITE_REQUEST = _("Website request: %(client)s")


def _company_named(title: str) -> Company | None:
    """The company of this title in any case."""
    company = Company.objects.filter(name__iexact=title).order_by("pk").first()
    if company is None and connection.vendor == "sqlite":
        # SQLite folds the case of ASCII letters only; the embedded database is small.
        folded = title.casefold()
        company = next(
            (c for c in Company.objects.order_by("pk") if c.name.casefold() == folded), None
        )
    return company


def _contact(company: Company, phone: str, email: str) -> Contact | None:
    """The company's contact with this phone (written any way) or e-mail."""
    for contact in company.contacts.all():
        if phone and contact.phone and normalize_phone(contact.phone) == normalize_phone(phone):
            return contact
        if email and contact.email.lower() == email.lower():
            return contact
    return None


def lead_accept(
    *,
    actor: AnyUser,
    responsible: AnyUser,
    title: str = "",
    company_title: str = "",
    person: str = "",
    phone: str = "",
    email: str = "",
    comment: str = "",
) -> Deal:
    """Open a calculation request for a website's request: the company found by its title
    (any case) or created (named after the person when the form has no company), the contact
    found among its contacts by phone or e-mail or created, ``responsible`` responsible.
    Nothing is written if any part is refused."""
    client = company_title.strip() or person.strip()
    if not client and not phone and not email:
        raise ValidationError(gettext(NO_CLIENT))
    client = client or phone or email
    with transaction.atomic():
        company = _company_named(client)
        if company is None:
            company = services.company_create(name=client)
        contact = _contact(company, phone, email)
        if contact is None and (phone or email):
            contact = services.contact_create(
                company=company, name=person or client, phone=phone, email=email
            )
        data = {"company": company, "contact": contact, "responsible": responsible}
        if comment:
            data["comment"] = comment
        return services.deal_create(
            pipeline="calculation",
            actor=actor,
            title=title.strip() or gettext(WEBSITE_REQUEST) % {"client": client},
            responsible=responsible,
            data=data,
        )
