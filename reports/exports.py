"""A report's tables as an XLSX workbook: one sheet per table, numbers as numbers."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from fulfillment.periods import spreadsheet_safe
from reports.tables import COUNT, DAY, HOURS, MONEY, MONTH, SHARE, Page

NUMBER_FORMATS = {
    COUNT: "0",
    SHARE: "0.0%",
    HOURS: "0.00",
    MONEY: "#,##0.00",
    DAY: "DD.MM.YYYY",
    MONTH: "MMMM YYYY",
}


def _cell(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, Decimal):
        return float(value)
    return spreadsheet_safe(value)


def page_xlsx(page: Page) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in page.tables:
        sheet = workbook.create_sheet(table.title[:31])
        sheet.append([heading for heading, _ in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_cell(value) for value in row])
        for index, (heading, kind) in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = max(12, min(len(heading) + 2, 40))
            if kind in NUMBER_FORMATS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = NUMBER_FORMATS[kind]
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
