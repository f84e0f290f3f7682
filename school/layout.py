"""HTML to PDF with WeasyPrint, in the app's processes and in the processes that lay out the documents of one PDF
side by side (school/statements/pdf.py starts those). Nothing here needs the app: a layout process imports only
this module and WeasyPrint.

WeasyPrint needs Pango, a system library; it is imported only inside lay_out() so that the rest of the app (the
screen, the HTML print views) runs on a machine without it.
"""
from __future__ import annotations

import contextlib
import gc
import html as markup
import mimetypes
import os
import re
import warnings
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

# Relative URLs of the page resolve against this origin; the fetcher below serves only the app's static files
# from disk under it, so a PDF never reaches the network and prints the same on every machine.
BASE_URL = "https://defter.invalid/"

# A stylesheet link as base_print.html writes it; to_pdf_each parses the sheets it names once for all documents.
STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)">')


@contextlib.contextmanager
def _collect_once():
    """No automatic garbage collection while WeasyPrint lays out a document, one collection of what it made after.

    Layout allocates hundreds of thousands of boxes that live until the document is written, and each automatic
    collection of the oldest generation walks the worker's whole heap again: a third of the time of a class's PDF
    went to them. Objects made meanwhile all stay in the youngest generation, so collecting the young generations
    afterwards frees the document's cycles without walking the rest of the heap."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(1)


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango library under it) is missing on this machine."""


class Stylesheets:
    """The stylesheets several documents link to, each fetched and parsed once for all of them and its @font-face
    fonts loaded once, into one FontConfiguration (WeasyPrint requires the documents to be laid out with the one
    their sheets were parsed with), instead of once by every document through its link tag. The sheets are given
    to WeasyPrint as user stylesheets in place of the links: for print.css, the documents' only stylesheet and
    without !important, the cascade is the same."""

    def __init__(self) -> None:
        self.font_config = None
        self.parsed: dict[str, object] = {}

    def take(self, html: str, weasyprint, fetcher) -> tuple[str, list]:
        """html without its stylesheet links, and the parsed sheets they named, in their order."""
        if self.font_config is None:
            from weasyprint.text.fonts import FontConfiguration
            self.font_config = FontConfiguration()
        sheets = []

        def parsed(link: re.Match) -> str:
            url = urljoin(BASE_URL, markup.unescape(link.group(1)))
            if url not in self.parsed:
                self.parsed[url] = weasyprint.CSS(url=url, url_fetcher=fetcher, font_config=self.font_config,
                                                  media_type="print")
            sheets.append(self.parsed[url])
            return ""
        return STYLESHEET_LINK.sub(parsed, html), sheets


def available():
    """The weasyprint module, or PdfUnavailable where it cannot load."""
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: the Python package is there, Pango is not
        raise PdfUnavailable(str(e)) from e
    return weasyprint


def lay_out(html: str, static: tuple[str, str], archival: bool = False, attachments: dict[str, str] | None = None,
            stylesheets: Stylesheets | None = None) -> bytes:
    """The PDF of a print page. static: the static folder and the URL path it is served under (the only files a
    page may link to); archival: PDF/A-3b (fonts embedded, colour profile, attachments allowed), for documents
    kept for decades; attachments: name -> UTF-8 text files embedded in the PDF; stylesheets: the sheets already
    parsed for other documents of the same PDF."""
    weasyprint = available()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root, prefix = static
    static_root = Path(root)

    class StaticFiles(URLFetcher):
        def fetch(self, url, headers=None):
            path = unquote(urlsplit(url).path)
            if not (url.startswith(BASE_URL) and path.startswith(prefix)):
                raise ValueError(f"only the app's static files are fetched, not {url}")
            file = (static_root / path[len(prefix):]).resolve()
            if not file.is_relative_to(static_root) or not file.is_file():
                raise ValueError(f"no static file {path}")
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, file.read_bytes(), {"Content-Type": kind})

    fetcher = StaticFiles()
    options = {}
    if archival:
        options["pdf_variant"] = "pdf/a-3b"
    if attachments:
        options["attachments"] = [weasyprint.Attachment(string=text.encode("utf-8"), name=name,
                                                        base_url=BASE_URL, url_fetcher=fetcher,
                                                        relationship="Data")
                                  for name, text in attachments.items()]
    with warnings.catch_warnings(), _collect_once():
        # WeasyPrint 70 opens its sRGB profile for PDF/A and leaves the closing to the garbage collector.
        warnings.filterwarnings("ignore", category=ResourceWarning, message=r".*sRGB2014\.icc")
        if stylesheets is not None:
            html, options["stylesheets"] = stylesheets.take(html, weasyprint, fetcher)
            options["font_config"] = stylesheets.font_config
        document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher, media_type="print")
        return document.write_pdf(**options)


_sheets_here: Stylesheets | None = None  # in a layout process: the stylesheets of the PDF it works for
_resident_at_start_kb: int | None = None


def in_layout_process(html: str, static: tuple[str, str], options: dict) -> tuple[bytes, int, int]:
    """In a layout process: one document's PDF, this process's id and the memory it has added so far (kB)."""
    global _sheets_here, _resident_at_start_kb
    if _sheets_here is None:
        _resident_at_start_kb = status_kb("VmRSS")
        _sheets_here = Stylesheets()
    data = lay_out(html, static, stylesheets=_sheets_here, **options)
    return data, os.getpid(), max(0, status_kb("VmHWM") - _resident_at_start_kb)


def status_kb(field: str) -> int:
    """A figure of this process's /proc/self/status in kB (Linux); 0 where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
