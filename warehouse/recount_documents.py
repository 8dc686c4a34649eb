"""The files a finished recount produces: the recount file (XLSX: the lines and their totals)
and the discrepancy act («Акт о расхождении», PDF with the photos of damage embedded as
``data:`` URLs, the only resources a generated PDF may load)."""

from __future__ import annotations

import io
from pathlib import PurePath

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext

from deals.models import Deal
from fulfillment.pdf import data_url, template_to_pdf
from fulfillment.roles import AnyUser, person_name
from warehouse.models import RecountLine

_IMAGE_TYPES = (".jpg", ".jpeg", ".png")
MAX_PHOTOS_IN_ACT = 40
PHOTO_SIZE = 1200


def recount_xlsx(*, deal: Deal, lines: list[RecountLine], totals) -> bytes:
    """The recount file: one row per SKU, the totals below."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Recount")[:31]
    client = deal.company.name if deal.company_id else deal.title
    sheet.append(
        [
            gettext("Recount of request №%(number)s, %(client)s")
            % {"number": deal.pk, "client": client}
        ]
    )
    sheet.append([])
    header = [
        gettext("Article"),
        gettext("Barcode"),
        gettext("Name"),
        gettext("Expected"),
        gettext("Counted"),
        gettext("Defective"),
        gettext("Accepted"),
        gettext("Difference"),
        gettext("Note"),
    ]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for line in lines:
        note = gettext("not in the shipment list") if line.unexpected else ""
        sheet.append(
            [
                line.article,
                line.barcode,
                line.name,
                line.expected,
                line.counted,
                line.defective,
                line.accepted,
                line.counted - line.expected,
                note,
            ]
        )
    sheet.append([])
    sheet.append(
        [
            gettext("Total"),
            "",
            "",
            totals.expected,
            totals.counted,
            totals.defective,
            totals.accepted,
            totals.counted - totals.expected,
            "",
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHI", (16, 16, 40, 10, 10, 10, 10, 10, 24), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def our_company_name() -> str:
    """Our name from the requisites the documents app keeps, when it is installed and set."""
    if apps.is_installed("documents"):
        ours = apps.get_model("documents", "OurCompany").objects.only("name").first()
        if ours is not None:
            return ours.name
    return gettext("Fulfillment CRM")


def _photo_url(content: bytes) -> str | None:
    """A phone photo made fit for the act: turned as the camera held it, at most 1200 px, as
    JPEG; None for what is not a readable picture (a HEIC, a broken upload)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=80)
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return data_url(buffer.getvalue(), "image/jpeg")


def _photos(line: RecountLine, budget: list[int]) -> list[str]:
    urls = []
    for photo in line.photos.all():
        if budget[0] <= 0 or PurePath(photo.file.name).suffix.lower() not in _IMAGE_TYPES:
            continue  # the act says how many photos there are
        try:
            with photo.file.open("rb") as file:
                url = _photo_url(file.read())
        except OSError:
            continue
        if url:
            urls.append(url)
            budget[0] -= 1
    return urls


def discrepancy_act_pdf(*, deal: Deal, lines: list[RecountLine], totals, worker: AnyUser) -> bytes:
    """«Акт о расхождении»: the lines whose count differs from the list or that have
    defective goods, with their photos."""
    budget = [MAX_PHOTOS_IN_ACT]
    rows = [
        {
            "line": line,
            "difference": line.counted - line.expected,
            "photos": _photos(line, budget),
            "photo_count": len(line.photos.all()),
        }
        for line in lines
        if line.differs
    ]
    return template_to_pdf(
        "warehouse/recount_act.html",
        {
            "deal": deal,
            "ours": our_company_name(),
            "client": deal.company.name if deal.company_id else deal.title,
            "rows": rows,
            "totals": totals,
            "worker": person_name(worker),
            "date": timezone.localdate(),
        },
    )
