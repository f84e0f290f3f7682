"""The app's PDFs: a print page as a PDF (to_pdf), and several documents as one PDF (to_pdf_each), laid out side
by side in processes of their own where there are cores for them. school/layout.py does the layout itself.
"""
from __future__ import annotations

import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from school import layout
from school.layout import PdfUnavailable, Stylesheets

__all__ = ["Layout", "PdfUnavailable", "Stylesheets", "last_layout", "to_pdf", "to_pdf_each"]


@dataclass
class Layout:
    """How the last to_pdf_each of this process laid its documents out: in how many processes, and the memory the
    other processes added at their peak (kB, their peak resident size over their size when they started, summed:
    they run at once). The bench reads it; nothing else depends on it."""
    processes: int = 1
    others_peak_kb: int = 0


last_layout = Layout()


def to_pdf_each(htmls, processes: int | None = None, **options) -> bytes:
    """One PDF of several documents, each laid out on its own and appended as bytes: WeasyPrint keeps the whole
    layout of a document in memory until it is written, so a class printed as one document grows with every
    page, and printed a student at a time it stays at one student's statement. The documents share their
    stylesheets (parsed once) and fonts.

    processes (default: config PDF_PROCESSES): WeasyPrint is pure Python and holds the interpreter for the whole
    layout, so a process lays out one document at a time on one core. With more than one document and more than
    one process allowed, the documents are laid out side by side in processes of their own (_elsewhere), started
    for this PDF and ended with it, and this process joins the PDFs in their order. Where no process can be
    started (OSError: no shared memory for their queues, a limit on processes), they are laid out here, as with
    processes=1."""
    from pypdf import PdfReader, PdfWriter

    global last_layout
    if processes is None:
        processes = current_app.config["PDF_PROCESSES"]
    documents = list(htmls)  # small: a few students' HTML a document
    parts = None
    if len(documents) > 1 and processes > 1:  # one document is laid out here, whatever is allowed
        try:
            parts, last_layout = _elsewhere(documents, processes, options)
        except OSError as e:
            current_app.logger.warning("PDF: no layout process could be started (%s); laid out in the worker", e)
    if parts is None:
        stylesheets = Stylesheets()
        parts = (to_pdf(html, stylesheets=stylesheets, **options) for html in documents)
        last_layout = Layout()
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    writer.compress_identical_objects()  # the fonts and styles every student repeats, once
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _elsewhere(documents, processes: int, options: dict) -> tuple[list[bytes], Layout]:
    """The PDFs of the documents, laid out by up to `processes` processes of their own, in the documents' order.

    The processes come from a fork server, a clean process without the threads of a server's worker (forking a
    threaded process can leave a lock held forever in the child), which imports WeasyPrint once when it starts
    (the first PDF of a worker) so that each process it forks has it ready. A process parses the stylesheets once
    for the documents it gets. Nothing of the app goes there: the HTML, where the static files are, the options."""
    layout.available()  # PdfUnavailable here, as to_pdf raises it, rather than a broken pool
    n = len(documents)
    with ProcessPoolExecutor(processes, mp_context=_fork_server()) as pool:
        results = list(pool.map(layout.in_layout_process, documents, [_static_files()] * n, [options] * n))
    peaks: dict[int, int] = {}  # by process: the most it added
    for _pdf, pid, kb in results:
        peaks[pid] = max(peaks.get(pid, 0), kb)
    return [pdf for pdf, _pid, _kb in results], Layout(len(peaks), sum(peaks.values()))


def _fork_server():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["weasyprint", layout.__name__])
    return context


def _static_files() -> tuple[str, str]:
    """The app's static folder and the URL path it is served under, for the fetcher of a PDF's files."""
    return str(Path(current_app.static_folder).resolve()), current_app.static_url_path.rstrip("/") + "/"


def to_pdf(html: str, archival: bool = False, attachments: dict[str, str] | None = None,
           stylesheets: Stylesheets | None = None) -> bytes:
    """The PDF of a print page of this app (layout.lay_out says the rest)."""
    return layout.lay_out(html, _static_files(), archival=archival, attachments=attachments, stylesheets=stylesheets)
