"""Spreadsheet files built in the tests: XLSX with openpyxl, ODS as a minimal valid zip written by hand (no ODS
writer is a dependency), CSV as Excel saves it in ru/uk (Windows-1251 with ';') and as other programs do."""
from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from openpyxl import Workbook


def xlsx(rows: list[list], text_cells: bool = True) -> bytes:
    """Every cell a string cell (what a person typed), unless text_cells is False (openpyxl then makes a cell
    that starts with '=' a formula)."""
    book = Workbook()
    sheet = book.active
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value in (None, ""):
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if text_cells and isinstance(value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CONTENT = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
           '<office:body><office:spreadsheet><table:table table:name="List">{rows}</table:table>'
           '</office:spreadsheet></office:body></office:document-content>')
MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            '</manifest:manifest>')


def ods(rows: list[list], content: str | None = None) -> bytes:
    width = max(len(r) for r in rows)
    xml_rows = "".join(
        "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'
            if v not in (None, "") else "<table:table-cell/>" for v in row + [""] * (width - len(row)))
        + "</table:table-row>" for row in rows)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", MANIFEST, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content or CONTENT.format(rows=xml_rows), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def csv_bytes(rows: list[list], delimiter: str = ";", encoding: str = "cp1251", bom: bool = False) -> bytes:
    import csv

    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if v is None else str(v) for v in row] for row in rows])
    data = text.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + data


FORMATS = {
    "xlsx": ("list.xlsx", xlsx),
    "ods": ("list.ods", ods),
    "csv-utf8-comma": ("list.csv", lambda rows: csv_bytes(rows, ",", "utf-8")),
    "csv-1251-semicolon": ("list.csv", lambda rows: csv_bytes(rows, ";", "cp1251")),
    "csv-utf8-bom": ("list.csv", lambda rows: csv_bytes(rows, ";", "utf-8", bom=True)),
}


def replace_member(data: bytes, name: str, content: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """The same zip with one member's content replaced (and members added)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, content if info.filename == name else src.read(info.filename))
        for extra_name, extra_content in (extra or {}).items():
            z.writestr(extra_name, extra_content)
    return out.getvalue()
