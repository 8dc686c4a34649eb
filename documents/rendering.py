"""Documents as HTML and PDF: the administrator's template in a closed engine, the payment QR.

A template an administrator edits is rendered by its own ``Engine``: no template files (an
``{% include %}`` or ``{% extends %}`` finds nothing), no tag libraries beyond the built-in
ones (``{% load %}`` of anything fails), no ``{% debug %}``, and a context of plain
dictionaries, strings and numbers made here — never a model instance, so no template can walk
from the document to the database. A broken template is a ``TemplateError`` with a Russian
message, never a 500.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import segno
from django.template import Context, Engine, TemplateSyntaxError
from django.template.defaulttags import DebugNode
from django.utils.translation import gettext as _

from documents.exceptions import DocumentError
from fulfillment.pdf import data_url, html_to_pdf

DEFAULTS = Path(__file__).resolve().parent / "pdf"

_ENGINE = Engine(
    loaders=[("django.template.loaders.locmem.Loader", {})],
    libraries={},
    autoescape=True,
    debug=False,
    string_if_invalid="",
)


class TemplateError(DocumentError):
    """The document's template does not compile or render."""


def default_html(kind: str) -> str:
    """The shipped template of a kind of document."""
    return (DEFAULTS / f"{kind}.html").read_text(encoding="utf-8")


def template_html(kind: str) -> str:
    """The administrator's template of ``kind``, or the shipped default."""
    from documents.models import DocumentTemplate

    own = DocumentTemplate.objects.filter(kind=kind).values_list("html", flat=True).first()
    return own if own else default_html(kind)


def _compile(html: str):
    try:
        template = _ENGINE.from_string(html)
    except TemplateSyntaxError as error:
        raise TemplateError(
            _("The document template has an error: %(error)s") % {"error": error}
        ) from None
    except Exception as error:
        raise TemplateError(
            _("The document template has an error: %(error)s") % {"error": error}
        ) from None
    if template.nodelist.get_nodes_by_type(DebugNode):
        raise TemplateError(_("The document template may not use the {% debug %} tag."))
    return template


def render_html(html: str, context: dict[str, Any]) -> str:
    """``html`` (Django template language) rendered with ``context`` in the closed engine."""
    template = _compile(html)
    try:
        return template.render(Context(context, autoescape=True))
    except Exception as error:
        raise TemplateError(
            _("The document template cannot be rendered: %(error)s") % {"error": error}
        ) from None


def render_pdf(kind: str, context: dict[str, Any]) -> bytes:
    html = render_html(template_html(kind), context)
    try:
        return html_to_pdf(html)
    except Exception as error:
        raise TemplateError(
            _("The PDF could not be made from the template: %(error)s") % {"error": error}
        ) from None


def template_check(kind: str, html: str) -> None:
    """Refuse (``TemplateError``) a template that does not render with a sample document."""
    from documents.context import sample_context

    render_html(html, sample_context(kind))


# --- payment QR (GOST R 56042-2014) ----------------------------------------------------------


def _qr_value(value: Any) -> str:
    """A field's value without the separator «|» and line breaks, which would break the
    payload."""
    return " ".join(str(value).replace("|", " ").split())


def payment_payload(
    *,
    name: str,
    account: str,
    bank_name: str,
    bik: str,
    correspondent_account: str,
    inn: str,
    kpp: str,
    purpose: str,
    amount: Decimal,
) -> str:
    """The ST00012 payload (UTF-8) of GOST R 56042-2014 that banking apps scan; ``Sum`` is in
    kopecks. ``KPP`` (optional in the standard) is left out for an entrepreneur, who has
    none."""
    kopecks = int((amount * 100).to_integral_value())
    fields = [
        ("Name", name),
        ("PersonalAcc", account),
        ("BankName", bank_name),
        ("BIC", bik),
        ("CorrespAcc", correspondent_account),
        ("PayeeINN", inn),
        ("KPP", kpp),
        ("Purpose", purpose),
        ("Sum", kopecks),
    ]
    return "ST00012|" + "|".join(
        f"{key}={_qr_value(value)}" for key, value in fields if key != "KPP" or value
    )


def qr_data_url(payload: str) -> str:
    """The payload's QR code as a PNG ``data:`` URL (the only kind of URL a PDF may load)."""
    buffer = io.BytesIO()
    segno.make(payload, encoding="utf-8", error="m", micro=False).save(
        buffer, kind="png", scale=4, border=2
    )
    return data_url(buffer.getvalue(), "image/png")
