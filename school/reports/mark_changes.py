"""Report 8: mark changes (000 Приложение 5 п. 3.8) — who changed which mark when, old and new, with the reason;
current marks from mark_changes, period and year marks from period_mark_changes. Filtered by the day of the
change (the administrator chooses the whole year's dates to see it all). Two queries."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from school.extensions import db
from school.models import (Course, Lesson, MarkChange, Period, PeriodMarkChange, Person, SchoolClass, Student, Subject,
                           User)
from school.reports.common import Sheet, subject_name
from school.reports.filters import Filters, person_label


@dataclass
class Line:
    changed_at: dt.datetime
    who: str
    class_label: str
    subject: str
    student: str
    what: str               # the lesson's date, or the period/year mark
    old: str | None
    new: str | None
    reason: str | None
    course_id: int
    lesson_id: int | None
    student_id: int
    scheme: str
    day: dt.date | None


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)

    def sheets(self) -> list[Sheet]:
        return [Sheet(_("Mark changes"), [_("Changed at"), _("Who"), _("Class"), _("Subject"), _("Student"), _("Mark"),
                                          _("Old"), _("New"), _("Reason")],
                      [[x.changed_at, x.who, x.class_label, x.subject, x.student, x.what, x.old, x.new, x.reason]
                       for x in self.lines])]


def _common(stmt, f: Filters, changed_at):
    stmt = stmt.where(*f.course_filter(), changed_at >= dt.datetime.combine(f.first, dt.time()),
                      changed_at < dt.datetime.combine(f.last + dt.timedelta(days=1), dt.time()))
    if f.teacher_id is not None:
        stmt = stmt.where(Course.teacher_id == f.teacher_id)
    return stmt


def compute(f: Filters, lang: str) -> Report:
    report = Report()
    if not f.ready:
        return report
    who_user, who = aliased(User), aliased(Person)
    pupil = aliased(Person)
    names = (SchoolClass.grade, SchoolClass.letter, SchoolClass.period_scheme, Subject.name_ru, Subject.name_uk,
             Subject.name_crh, who.surname, who.name, who.patronymic, pupil.surname.label("p_surname"),
             pupil.name.label("p_name"), Course.id.label("course_id"))

    def joined(stmt, changed_by, student_id):
        return (stmt.join(SchoolClass, SchoolClass.id == Course.class_id).join(Subject, Subject.id == Course.subject_id)
                .join(who_user, who_user.id == changed_by).join(who, who.id == who_user.person_id)
                .join(Student, Student.id == student_id).join(pupil, pupil.id == Student.person_id))

    current = db.session.execute(_common(joined(
        select(MarkChange.changed_at, MarkChange.old_code, MarkChange.new_code, MarkChange.reason, MarkChange.lesson_id,
               MarkChange.student_id, Lesson.day, *names)
        .join(Lesson, Lesson.id == MarkChange.lesson_id).join(Course, Course.id == Lesson.course_id),
        MarkChange.changed_by, MarkChange.student_id), f, MarkChange.changed_at)).all()
    finals = db.session.execute(_common(joined(
        select(PeriodMarkChange.changed_at, PeriodMarkChange.old_code, PeriodMarkChange.new_code,
               PeriodMarkChange.kind, PeriodMarkChange.student_id, Period.scheme, Period.number, *names)
        .join(Course, Course.id == PeriodMarkChange.course_id)
        .outerjoin(Period, Period.id == PeriodMarkChange.period_id),
        PeriodMarkChange.changed_by, PeriodMarkChange.student_id), f, PeriodMarkChange.changed_at)).all()
    kinds = {"year": _("year mark"), "exam": _("examination mark"), "final": _("final mark")}
    for r in current:
        report.lines.append(Line(r.changed_at, person_label(r.surname, r.name, r.patronymic), f"{r.grade}-{r.letter}",
                                 subject_name(r, lang), f"{r.p_surname} {r.p_name}",
                                 _("lesson of %(date)s", date=format_date(r.day, "dd.MM.y")), r.old_code, r.new_code,
                                 r.reason, r.course_id, r.lesson_id, r.student_id, r.period_scheme, r.day))
    for r in finals:
        what = _("period mark %(n)d", n=r.number) if r.kind == "period" else kinds[r.kind]
        report.lines.append(Line(r.changed_at, person_label(r.surname, r.name, r.patronymic), f"{r.grade}-{r.letter}",
                                 subject_name(r, lang), f"{r.p_surname} {r.p_name}", what, r.old_code, r.new_code,
                                 None, r.course_id, None, r.student_id, r.period_scheme, None))
    report.lines.sort(key=lambda x: x.changed_at, reverse=True)
    return report
