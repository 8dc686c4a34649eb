"""HTML to PDF for every generated document (the КП, invoices, acts, the discrepancy act).

WeasyPrint lays the page out with Pango, so the fonts are the system's: DejaVu Sans (Debian's
``fonts-dejavu-core``, installed by the project's setup) carries Cyrillic. A document never
reaches the network or the server's files while it renders: the only resources it may load are
``data:`` URLs, so images (a QR code, a photo) are embedded by the code that renders the page,
and a template an administrator edits cannot make the server fetch anything.
"""

from __future__ import annotations

import base64
from typing import Any

from django.template.loader import render_to_string


def data_url(content: bytes, mime: str) -> str:
    """``content`` as a ``data:`` URL, for an image inside a document."""
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def html_to_pdf(html: str) -> bytes:
    """The PDF of a complete HTML page (its CSS in a ``<style>`` element)."""
    # Imported here: WeasyPrint loads Pango when imported, which pages that never make a
    # PDF should not pay for.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def template_to_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """The PDF of a Django template rendered with ``context``."""
    return html_to_pdf(render_to_string(template_name, context))
