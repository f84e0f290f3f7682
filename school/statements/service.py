"""Printed statements for families: which students, which days, and the record of what was printed.

The data of a statement comes from school/week.py (days, totals, averages), the same functions the family
diary uses, so paper and screen cannot disagree.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select

from school import access, clock, week
from school.extensions import db
from school.i18n import sort_key
from school.models import DiaryView, Enrolment, PaperStatement, SchoolClass, Student, User
from school.queries import current_year_id, school_settings
from school.register.roster import RosterRow, roster
from school.register import attendance, calendar

# A statement is for a week or a month. A month at most keeps one request bounded: a class's PDF over 12 weeks took
# 23 s and 721 MB in one worker.
MAX_DAYS = 31


class SpanError(ValueError):
    """A period that cannot be printed; the message is translated."""


@dataclass(frozen=True)
class Span:
    first: dt.date
    last: dt.date

    @property
    def is_week(self) -> bool:
        return self.first.weekday() == 0 and (self.last - self.first).days == 6

    def args(self) -> dict[str, str]:
        """URL arguments that give this span back (a week as an ISO week, anything else as from/to)."""
        if self.is_week:
            return {"week": calendar.iso_week(self.first)}
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def parse_span(week_value: str | None = None, month: str | None = None, first: str | None = None,
               last: str | None = None) -> Span:
    """A week ('2026-W48'), a month ('2026-11') or dates from/to; nothing given: this week."""
    if first or last:
        try:
            a, b = dt.date.fromisoformat(first or ""), dt.date.fromisoformat(last or "")
        except ValueError:
            raise SpanError(_("Give both dates of the period as YYYY-MM-DD.")) from None
        if b < a:
            raise SpanError(_("The period ends before it begins."))
        if a.year < 1900 or b.year > 2100:
            raise SpanError(_("Give both dates of the period as YYYY-MM-DD."))
        if (b - a).days >= MAX_DAYS:
            raise SpanError(_("A statement covers at most %(days)d days: choose a month or a shorter period.",
                              days=MAX_DAYS))
        return Span(a, b)
    if month:
        match = re.fullmatch(r"(\d{4})-(\d{2})", month.strip())
        if not match or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 2100:
            raise SpanError(_("Give the month as YYYY-MM."))
        a = dt.date(int(match[1]), int(match[2]), 1)
        b = (a.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return Span(a, b)
    if week_value:
        monday = calendar.parse_iso_week(week_value.strip())
        if monday is None:
            raise SpanError(_("Give the week as YYYY-Www, for example 2026-W48."))
        return Span(*calendar.week_bounds(monday))
    return Span(*calendar.week_bounds(clock.today()))


# ---------------------------------------------------------------- classes

LATIN_LETTERS = {"A": "А", "B": "Б", "V": "В", "G": "Г", "D": "Д", "E": "Е", "Z": "З", "I": "И", "K": "К",
                 "L": "Л", "M": "М", "N": "Н", "O": "О", "P": "П", "R": "Р", "S": "С", "T": "Т", "U": "У",
                 "F": "Ф", "H": "Х"}


def parse_class_label(label: str) -> tuple[int, str] | None:
    """'5-А', '5А', '5 а' and the Latin '5A' (A→А, B→Б, V→В, G→Г …) → (5, 'А'); None when it is not a class."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*[-–—]?\s*([^\W\d_]{1,2})\s*", label or "")
    if not match:
        return None
    letter = "".join(LATIN_LETTERS.get(ch, ch) for ch in match[2].upper())
    return int(match[1]), letter


def find_class(label: str, year_id: int | None = None) -> SchoolClass | None:
    parsed = parse_class_label(label)
    if parsed is None:
        return None
    return db.session.scalar(select(SchoolClass).where(SchoolClass.year_id == (year_id or current_year_id()),
                                                       SchoolClass.grade == parsed[0],
                                                       SchoolClass.letter == parsed[1]))


def year_classes(year_id: int | None = None) -> list[SchoolClass]:
    return db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == (year_id or current_year_id()))
                              .order_by(SchoolClass.grade, SchoolClass.letter)).all()


def classes_for(user: User, roles: frozenset[str]) -> list[SchoolClass]:
    """The classes whose statements a user may print: all for the administration, their own for a class teacher."""
    classes = year_classes()
    if roles & access.ADMINISTRATION:
        return classes
    return [c for c in classes if c.class_teacher_id == user.id]


def may_print_class(user: User, roles: frozenset[str], school_class: SchoolClass) -> bool:
    return access.may_read_class(user, school_class)


# ---------------------------------------------------------------- statements

@dataclass
class Statement:
    """One student's page: the days they were in the class, their totals and averages."""
    student: Student
    school_class: SchoolClass
    span: Span
    days: list[week.Day]
    totals: attendance.Totals
    averages: list[week.SubjectAverage]

    @property
    def lang(self) -> str:
        return self.student.statement_language

    @property
    def has_lessons(self) -> bool:
        return any(d.lessons for d in self.days)


def batch(school_class: SchoolClass, span: Span, include_all: bool = False) -> list[Student]:
    """The students of the class during the span, by surname: paper families only unless include_all."""
    rows = roster(school_class.id, None, span.first, span.last)
    students = {s.id: s for s in db.session.scalars(select(Student).where(
        Student.id.in_([r.student_id for r in rows] or [0])))}
    return [students[r.student_id] for r in rows if include_all or students[r.student_id].delivery == "paper"]


def statement(student: Student, school_class: SchoolClass, span: Span) -> Statement:
    """What the diary shows for these days, limited to the days the student was in this class (a student who
    left or moved mid-week gets only their days here; the other class's statement has the rest)."""
    return _statements([student], school_class, span)[0]


def statements(school_class: SchoolClass, span: Span, include_all: bool = False) -> list[Statement]:
    return _statements(batch(school_class, span, include_all), school_class, span)


def _statements(students: list[Student], school_class: SchoolClass, span: Span) -> list[Statement]:
    """statement() of each student, read for all of them at once: a class's statements run the same number of
    statements whatever the number of its students."""
    today = clock.today()
    memberships = week.memberships_of([s.id for s in students])
    all_days = week.class_days(memberships, span.first, span.last)
    mine = {s.id: [d for d in all_days[s.id] if d.school_class is not None and d.school_class.id == school_class.id]
            for s in students}
    # The averages as of the student's last day here up to today (today when none has come yet).
    refs = {sid: next((d.date for d in reversed(days) if d.date <= today), today)
            for sid, days in mine.items() if days}
    averages = week.class_averages(school_class, refs, memberships)
    out = []
    for student in students:
        shown = [d for d in mine[student.id] if d.date.weekday() < 6 or d.lessons]  # Sunday only when it had lessons
        lang = student.statement_language
        ordered = sorted(averages.get(student.id, []),
                         key=lambda a: sort_key(a.subject.name(lang), lang))  # in the family's language
        out.append(Statement(student, school_class, span, shown, week.totals(shown), ordered))
    return out


def record_printed(students: list[Student], span: Span, user_id: int | None) -> None:
    """One PaperStatement per student and period; printing the same period again (a reload, a second copy)
    refreshes the row that has not come back yet instead of adding another."""
    if not students:
        return
    now = clock.now()
    open_rows = {p.student_id: p for p in db.session.scalars(select(PaperStatement).where(
        PaperStatement.student_id.in_([s.id for s in students]), PaperStatement.first_day == span.first,
        PaperStatement.last_day == span.last, PaperStatement.returned_on.is_(None)))}
    for s in students:
        row = open_rows.get(s.id)
        if row is None:
            db.session.add(PaperStatement(student_id=s.id, first_day=span.first, last_day=span.last,
                                          printed_at=now, printed_by=user_id))
        else:
            row.printed_at, row.printed_by = now, user_id
    db.session.commit()


# ---------------------------------------------------------------- signed statements coming back

def may_record_return(user: User, paper: PaperStatement) -> bool:
    """The class teacher of a class the student was in during the statement's days."""
    return db.session.scalar(select(exists().where(
        Enrolment.student_id == paper.student_id, Enrolment.from_day <= paper.last_day,
        or_(Enrolment.to_day.is_(None), Enrolment.to_day >= paper.first_day),
        SchoolClass.id == Enrolment.class_id, SchoolClass.class_teacher_id == user.id)))


def record_return(user: User, paper: PaperStatement, returned: bool) -> None:
    if returned:
        if paper.returned_on is None:
            paper.returned_on, paper.recorded_by = clock.today(), user.id
    else:
        paper.returned_on, paper.recorded_by = None, None
    db.session.commit()


def returned_count(student_id: int, span: Span) -> int:
    """Statements for days in the span that came back signed (the acknowledgement table's count)."""
    return db.session.scalar(select(func.count(PaperStatement.id)).where(
        PaperStatement.student_id == student_id, PaperStatement.first_day <= span.last,
        PaperStatement.last_day >= span.first, PaperStatement.returned_on.is_not(None))) or 0


# ---------------------------------------------------------------- acknowledgement counts

@dataclass
class FamilyRow:
    row: RosterRow
    student: Student
    views: int                       # diary views of the span's weeks
    acknowledged: dt.datetime | None  # the last "I have read this week"
    papers: list[PaperStatement]      # statements printed for days in the span

    @property
    def returned(self) -> int:
        return sum(1 for p in self.papers if p.returned_on is not None)


def acknowledgements(school_class: SchoolClass, span: Span) -> list[FamilyRow]:
    """Per student of the class: electronic views (DiaryView rows of the weeks in the span) and paper
    statements printed and returned for those days."""
    rows = roster(school_class.id, None, span.first, span.last)
    ids = [r.student_id for r in rows] or [0]
    students = {s.id: s for s in db.session.scalars(select(Student).where(Student.id.in_(ids)))}
    first_monday = calendar.week_bounds(span.first)[0]
    views = {sid: (n, ack) for sid, n, ack in db.session.execute(
        select(DiaryView.student_id, func.count(DiaryView.id), func.max(DiaryView.acknowledged_at))
        .where(DiaryView.student_id.in_(ids), DiaryView.week_start >= first_monday,
               DiaryView.week_start <= span.last).group_by(DiaryView.student_id))}
    papers: dict[int, list[PaperStatement]] = {}
    for p in db.session.scalars(select(PaperStatement).where(
            PaperStatement.student_id.in_(ids), and_(PaperStatement.first_day <= span.last,
                                                     PaperStatement.last_day >= span.first))
            .order_by(PaperStatement.first_day, PaperStatement.id)):
        papers.setdefault(p.student_id, []).append(p)
    return [FamilyRow(r, students[r.student_id], *views.get(r.student_id, (0, None)), papers.get(r.student_id, []))
            for r in rows]


def school_name(lang: str) -> str:
    school = school_settings()
    return school.name(lang) if school else ""
