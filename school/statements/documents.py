"""The print documents as HTML strings: the routes answer with them or turn them into a PDF, the CLI writes
them to a file. Each family's page is rendered in the family's language, whatever the reader's."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from school import clock, week
from school.i18n import as_locale
from school.models import Course, Period, SchoolClass
from school.register import attendance, scales
from school.register.grid import grid
from school.statements import service
from school.statements.summary import Summary, summary

# Line breaks between tags: WeasyPrint's pure-Python parser pays for every whitespace node, and a class is
# printed at once.
BETWEEN_TAGS = re.compile(r">\s*\n\s*<")

# Lesson columns per grid page of the paper register (A4 landscape, like the spread of a paper journal).
REGISTER_COLUMNS = 25


@dataclass
class Batch:
    school_class: SchoolClass
    statements: list[service.Statement]


def statement_page(item: service.Statement, kinds: dict, lang_attribute: bool = True) -> Markup:
    """One family's page in the family's language (statement_language), whatever the reader's interface.
    lang_attribute: the page says its language (lang="…"), as a page of HTML should; statement_documents leaves it
    out for WeasyPrint."""
    with force_locale(as_locale(item.lang)):
        html = render_template("statements/_statement.html", s=item, slang=item.lang, kinds=kinds,
                               school_name=service.school_name(item.lang), absence_kind=attendance.absence_kind,
                               printed_on=clock.today(), lang_attribute=lang_attribute)
    return Markup(BETWEEN_TAGS.sub("><", html))


def _title(span: service.Span) -> str:
    return _("Weekly statements") if span.is_week else _("Statements for the period")


def statements_document(batches: list[Batch], span: service.Span) -> str:
    kinds = week.work_kinds_by_id()
    pages = [statement_page(item, kinds) for b in batches for item in b.statements]
    return render_template("statements/class.html", pages=pages, span=span, title=_title(span))


STUDENTS_PER_DOCUMENT = 8


def statement_documents(batches: list[Batch], span: service.Span):
    """The same pages as statements_document, in documents of a few students each (a PDF laid out a few pages at
    a time: WeasyPrint's memory stays bounded by the batch, and its set-up is paid once per batch rather than once
    per student); the empty document when there is nobody to print.

    The pages leave out their lang attribute: WeasyPrint reads it as a declaration of the element's own, which
    keeps the page's styles, and those of everything on it, from being shared with any other page's, so every
    statement had its styles computed anew (a tenth of a class's PDF). The PDF loses nothing: it records no language
    per page, and Russian, Ukrainian and Crimean Tatar text is shaped and broken into lines alike without it."""
    kinds = week.work_kinds_by_id()
    items = [item for b in batches for item in b.statements]
    if not items:
        yield render_template("statements/class.html", pages=[], span=span, title=_title(span))
    for start in range(0, len(items), STUDENTS_PER_DOCUMENT):
        pages = [statement_page(item, kinds, lang_attribute=False)
                 for item in items[start:start + STUDENTS_PER_DOCUMENT]]
        yield render_template("statements/class.html", pages=pages, span=span, title=_title(span))


@dataclass
class Register:
    course: Course
    period: Period
    data: dict

    @property
    def chunks(self) -> list[list]:
        lessons = self.data["lessons"]
        return [lessons[i:i + REGISTER_COLUMNS] for i in range(0, len(lessons), REGISTER_COLUMNS)] or [[]]


def register_document(course: Course, period: Period) -> str:
    data = grid(course, period)
    return render_template("statements/register.html", r=Register(course, period, data),
                           kinds=scales.work_kinds_by_id())


def summary_document(school_class: SchoolClass) -> tuple[str, Summary]:
    result = summary(school_class)
    html = render_template("statements/summary.html", s=result, generated=clock.now())
    return html, result
