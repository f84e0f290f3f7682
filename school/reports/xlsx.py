"""The XLSX export of a report: its sheets as written by the report, numbers as numbers and dates as dates."""
from __future__ import annotations

import datetime as dt
import io
import re

from school.reports.common import Sheet

BAD = re.compile(r"[\[\]:*?/\\]")


def workbook(title: str, subtitle: str, sheets: list[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    used = set()
    for sheet in sheets:
        name = BAD.sub(" ", sheet.title)[:31] or "-"
        while name in used:
            name = name[:29] + f"{len(used):02d}"
        used.add(name)
        ws = book.create_sheet(name)
        ws.append([title])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([subtitle])
        ws.append(sheet.headers)
        for i, header in enumerate(sheet.headers, 1):
            ws.cell(row=3, column=i).font = Font(bold=True)
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header) + 2))
        for row in sheet.rows:
            ws.append(row)
            r = ws.max_row
            for i, value in enumerate(row):
                cell = ws.cell(row=r, column=i + 1)
                if i in sheet.percent_columns:
                    cell.number_format = "0.0%"
                elif isinstance(value, dt.datetime):
                    cell.number_format = "DD.MM.YYYY HH:MM"
                elif isinstance(value, dt.date):
                    cell.number_format = "DD.MM.YYYY"
        ws.freeze_panes = "A4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
