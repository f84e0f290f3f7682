"""The class's summary statement (сводная ведомость): period, year, exam and final marks of every student.

It is kept 25 years, so what it lists has one canonical text form, and its PDF carries the SHA-256 of that
text (and the text itself as an attachment): anyone can check later that the paper and the file agree.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from school.extensions import db
from school.i18n import current_language, sort_key
from school.models import Course, Period, PeriodMark, SchoolClass, Subject
from school.register.roster import RosterRow, roster

YEARLY_KINDS = ("year", "exam", "final")
# Widths of print.css (.summary): what is left of A4 landscape beside the names, and one column of each kind.
MARKS_WIDTH_MM = 228
PERIOD_COLUMN_MM = 6
YEARLY_COLUMN_MM = 8.5


@dataclass(frozen=True)
class SummaryMark:
    student_id: int
    student: str          # "surname name"
    subject: str          # Subject.short
    kind: str             # period / year / exam / final
    period: int | None    # the period's number for kind == "period"
    code: str

    def line(self) -> str:
        return "|".join((str(self.student_id), self.student, self.subject, self.kind,
                         "" if self.period is None else str(self.period), self.code))


def canonical_text(marks) -> str:
    """The one text form of the marks a summary lists: sorted lines
    "student_id|surname name|subject short|kind|period number|code" joined by "\\n"."""
    return "\n".join(sorted(m.line() for m in marks))


def digest(marks) -> str:
    return hashlib.sha256(canonical_text(marks).encode("utf-8")).hexdigest()


@dataclass
class Summary:
    school_class: SchoolClass
    periods: list[Period]
    subjects: list[Subject]
    students: list[RosterRow]
    kinds: tuple[str, ...]                                  # the yearly columns shown
    cells: dict[tuple[int, int, str, int | None], str] = field(default_factory=dict)  # (student, subject, kind, n)
    marks: list[SummaryMark] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return digest(self.marks)

    @property
    def canonical(self) -> str:
        return canonical_text(self.marks)

    def columns(self) -> list[tuple[str, int | None]]:
        return [("period", p.number) for p in self.periods] + [(k, None) for k in self.kinds]

    def subject_chunks(self) -> list[list[Subject]]:
        """Subjects in groups that fit the width of an A4 landscape page, each group a table of its own."""
        width = PERIOD_COLUMN_MM * len(self.periods) + YEARLY_COLUMN_MM * len(self.kinds)
        per = max(1, int(MARKS_WIDTH_MM // width))
        return [self.subjects[i:i + per] for i in range(0, len(self.subjects), per)] or [[]]


def summary(school_class: SchoolClass) -> Summary:
    year = school_class.year
    periods = db.session.scalars(select(Period).where(Period.year_id == school_class.year_id,
                                                      Period.scheme == school_class.period_scheme)
                                 .order_by(Period.number)).all()
    courses = db.session.scalars(select(Course).where(Course.class_id == school_class.id)).all()
    lang = current_language()
    subjects = sorted({c.subject_id: c.subject for c in courses}.values(),
                      key=lambda s: (sort_key(s.name(lang), lang), s.short))
    students = roster(school_class.id, None, year.first_day, year.last_day)
    names = {r.student_id: r.label for r in students}
    course_subject = {c.id: c.subject for c in courses}
    period_number = {p.id: p.number for p in periods}
    rows = db.session.scalars(select(PeriodMark).where(
        PeriodMark.course_id.in_(list(course_subject) or [0]),
        PeriodMark.student_id.in_(list(names) or [0]))).all()
    result = Summary(school_class, periods, subjects, students, kinds=())
    for pm in rows:
        number = period_number.get(pm.period_id) if pm.period_id is not None else None
        if pm.kind == "period" and number is None:
            continue  # a period of another scheme: not a column of this class
        subject = course_subject[pm.course_id]
        result.cells[(pm.student_id, subject.id, pm.kind, number)] = pm.code
        result.marks.append(SummaryMark(pm.student_id, names[pm.student_id], subject.short, pm.kind, number, pm.code))
    # Year and final columns always; the exam column where the class has exams.
    result.kinds = tuple(k for k in YEARLY_KINDS if k != "exam" or any(m.kind == "exam" for m in result.marks))
    return result
