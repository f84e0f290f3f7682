"""`flask school statements`: the paper statements as one PDF, for cron (no browser, no login)."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from school.statements import documents, pdf, service


def write_statements(week_value: str | None, first: str | None, last: str | None, class_label: str | None,
                     include_all: bool, target: Path) -> tuple[int, service.Span]:
    """One PDF with a page per student to print (paper families, or everyone with include_all) of one class or
    of the whole school, recorded as printed. Returns how many and the days; with nobody to print it writes
    nothing. Raises service.SpanError, LookupError (no such class) or pdf.PdfUnavailable."""
    # Messages, dates and the templates' URLs want a request: an empty one, in the language `flask school` forced
    # (each family's statement then switches to the family's language).
    with current_app.test_request_context("/"):
        span = service.parse_span(week_value=week_value, first=first, last=last)
        if class_label:
            klass = service.find_class(class_label)
            if klass is None:
                raise LookupError(class_label)
            classes = [klass]
        else:
            classes = service.year_classes()
        batches = [documents.Batch(k, service.statements(k, span, include_all)) for k in classes]
        batches = [b for b in batches if b.statements]
        count = sum(len(b.statements) for b in batches)
        if count:
            data = pdf.to_pdf_each(documents.statement_documents(batches, span))
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(data)
            partial.replace(target)
            service.record_printed([s.student for b in batches for s in b.statements], span, None)
        return count, span
