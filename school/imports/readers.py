"""Spreadsheets as rows of strings: XLSX (openpyxl), ODS (python-calamine) and CSV as Russian and Ukrainian
spreadsheet programs save it.

Nothing is trusted: the format is read from the file's bytes and must match its name; a ZIP is unpacked only to a
bounded size (a zip bomb is refused before any parser sees it) and an XML part with a DOCTYPE is refused (no
entity can be declared, so no billion laughs; openpyxl parses with defusedxml besides). Formulas are never
evaluated: a formula cell gives the value the spreadsheet program last stored, and a text cell that starts with
= + - @ is kept as text, as typed.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

MAX_COLUMNS = 60      # the widest template has 24 columns
MAX_ROWS = 10_000     # a school's students fit many times over
XLSX_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
ODS_TYPE = b"application/vnd.oasis.opendocument.spreadsheet"
FORMATS = ("xlsx", "ods", "csv")


class FileRefused(ValueError):
    """The file is not read at all; str(e) says why, translated."""


@dataclass
class Limits:
    max_bytes: int
    max_unpacked_bytes: int

    @classmethod
    def from_config(cls) -> Limits:
        return cls(current_app.config["IMPORT_MAX_BYTES"], current_app.config["IMPORT_MAX_UNPACKED_BYTES"])


def claimed_format(file_name: str) -> str | None:
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return suffix if suffix in FORMATS else None


def read_rows(file_name: str, data: bytes, limits: Limits | None = None) -> list[list[str]]:
    """The file's first sheet as rows of stripped strings (trailing empty cells dropped)."""
    limits = limits or Limits.from_config()
    if len(data) > limits.max_bytes:
        raise FileRefused(_("The file is larger than %(mb)s MB. Split it or remove what is not needed.",
                            mb=_megabytes(limits.max_bytes)))
    claimed = claimed_format(file_name)
    if claimed is None:
        raise FileRefused(_("Only XLSX, ODS and CSV files can be imported (the file name ends in .xlsx, .ods or "
                            ".csv)."))
    actual = sniff(data)
    if actual == "xls":
        raise FileRefused(_("This is an old Excel file (.xls). Save it as XLSX (Excel workbook) and import that."))
    if actual != claimed:
        raise FileRefused(_("The file is not what its name says: it is named .%(claimed)s, but its content is not "
                            "a %(name)s file.", claimed=claimed, name=claimed.upper()))
    if actual == "csv":
        rows = _csv_rows(data)
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_archive(archive, limits)
        rows = _xlsx_rows(data) if actual == "xlsx" else _ods_rows(data)
    return _trimmed(rows)


def sniff(data: bytes) -> str | None:
    """xlsx / ods / xls / csv from the content; None for anything else (a ZIP of other things, an image…)."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                    with archive.open("[Content_Types].xml") as f:
                        if XLSX_TYPE in f.read(64 * 1024):
                            return "xlsx"
                if "mimetype" in names and "content.xml" in names:
                    with archive.open("mimetype") as f:
                        if f.read(100).strip() == ODS_TYPE:
                            return "ods"
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
            return None
        return None
    if b"\x00" in data[:64 * 1024] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    return "csv"


def _megabytes(n: int) -> str:
    from flask_babel import format_decimal

    return format_decimal(n / (1024 * 1024), "0.#")


def _check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Unpack every part once, counting real bytes (not the sizes the headers claim), and look into XML parts."""
    refused_bomb = FileRefused(_("The file unpacks to more than %(mb)s MB: it is not an ordinary spreadsheet and "
                                 "is not read.", mb=_megabytes(limits.max_unpacked_bytes)))
    if sum(info.file_size for info in archive.infolist()) > limits.max_unpacked_bytes:
        raise refused_bomb
    total = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        xml = info.filename.endswith((".xml", ".rels")) or info.filename == "[Content_Types].xml"
        tail = b""
        try:
            with archive.open(info) as part:
                while chunk := part.read(64 * 1024):
                    total += len(chunk)
                    if total > limits.max_unpacked_bytes:
                        raise refused_bomb
                    if xml:
                        window = tail + chunk
                        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                            raise FileRefused(_doctype())
                        tail = chunk[-16:]
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
            raise FileRefused(_("The file is damaged and cannot be read.")) from None


def cell_text(value) -> str:
    """A cell's value as the text a person typed or saw: dates as YYYY-MM-DD, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.time, dt.timedelta)):
        return str(value)
    return str(value).strip()


def _xlsx_rows(data: bytes) -> list[list[str]]:
    import openpyxl
    from defusedxml import DefusedXmlException
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams the sheet; data_only takes a formula cell's stored value, never the formula.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            rows = []
            for values in book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS):
                rows.append([cell_text(v) for v in values])
                if len(rows) > MAX_ROWS + 1:
                    raise FileRefused(_too_many_rows())
            return rows
        finally:
            book.close()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError,
            SyntaxError) as e:
        # defusedxml's refusal may come wrapped in openpyxl's own ValueError.
        cause = e
        while cause is not None and not isinstance(cause, DefusedXmlException):
            cause = cause.__cause__ or cause.__context__
        raise FileRefused(_doctype() if cause else _("The file is damaged and cannot be read.")) from None


def _doctype() -> str:
    return _("The file contains XML declarations that spreadsheets never have (a DOCTYPE): it is not read.")


def _ods_rows(data: bytes) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # calamine raises its own error types for every kind of damage
        raise FileRefused(_("The file is damaged and cannot be read.")) from None
    if len(rows) > MAX_ROWS + 1:
        raise FileRefused(_too_many_rows())
    return [[cell_text(v) for v in row[:MAX_COLUMNS]] for row in rows]


def decode_text(data: bytes) -> str:
    """UTF-8 with or without BOM, UTF-16 with BOM ("Unicode text"), else Windows-1251 (what Excel saves as
    "CSV" on a Russian or Ukrainian Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def _csv_rows(data: bytes) -> list[list[str]]:
    text = decode_text(data)
    sample = text[:16 * 1024]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[:sample.rindex("\n")]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = None
    first = sample.split("\n", 1)[0]
    if delimiter is None or first.count(delimiter) == 0:
        # The header line decides: the separator it has most of (';' when it has none, Excel's in ru/uk).
        delimiter = max(";,\t", key=lambda d: (first.count(d), d == ";"))
    try:
        rows = []
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append([cell.strip() for cell in row[:MAX_COLUMNS]])
            if len(rows) > MAX_ROWS + 1:
                raise FileRefused(_too_many_rows())
        return rows
    except csv.Error:
        raise FileRefused(_("The CSV file cannot be read: check its quotes.")) from None


def _too_many_rows() -> str:
    return _("The file has more than %(num)s rows: import it in parts.", num=MAX_ROWS)


def _trimmed(rows: list[list[str]]) -> list[list[str]]:
    out = []
    for row in rows:
        row = list(row)
        while row and not row[-1]:
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out
