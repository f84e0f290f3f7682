"""Period, year, exam and final marks (четвертные/полугодовые, годовые, экзаменационные, итоговые).

The course's teacher sets them; each change of a saved one is logged; after its period they may be changed only
within the edit window counted from the period's last day (year marks: the last period's; exam and final marks:
the year's last day), or on days the administrator opened. Exams are held in grades 9 and 11."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from school import access, clock, grading
from school.extensions import db
from school.models import AcademicYear, Course, Period, PeriodMark, PeriodMarkChange, User
from school.queries import school_settings
from school.register import calendar, rules, scales, versions
from school.register.errors import Conflict, Forbidden, NotFound, RegisterError
from school.register.roster import roster

EXAM_GRADES = (9, 11)
YEARLY_KINDS = ("year", "exam", "final")


def kinds_of(course: Course) -> tuple[str, ...]:
    """The yearly marks a course takes: the year mark, and exam and final marks in the exam grades."""
    return YEARLY_KINDS if course.school_class.grade in EXAM_GRADES else ("year",)


@dataclass
class Span:
    """When a kind of mark may be set: from `opens`; after `closes`, within the edit window counted from it."""
    opens: dt.date
    closes: dt.date


def span_of(course: Course, kind: str, period: Period | None) -> Span | None:
    if kind == "period":
        return Span(period.first_day, period.last_day)
    periods = calendar.periods_of(course.school_class)
    if not periods:
        return None
    if kind == "year":
        return Span(periods[-1].first_day, periods[-1].last_day)
    year = db.session.get(AcademicYear, course.year_id)
    return Span(periods[-1].first_day, year.last_day)


def minimum_marks() -> int:
    return school_settings().min_marks_for_period


def year_suggestion(period_codes: list[str]) -> str | None:
    """The year mark suggested from the period marks: their plain average, rounded by the school's rule."""
    entries = scales.scale_entries()
    values = [(entries[c].value, Decimal(1)) for c in period_codes if c in entries and entries[c].value is not None]
    average = grading.weighted_average(values)
    low, high = grading.scale_bounds(entries.values())
    return grading.suggest(average, school_settings().round_up_from, low, high)


def find(course_id: int, kind: str, period_id: int | None, student_id: int) -> PeriodMark | None:
    return db.session.scalar(select(PeriodMark).where(
        PeriodMark.course_id == course_id, PeriodMark.kind == kind, PeriodMark.student_id == student_id,
        PeriodMark.period_id == period_id if period_id is not None else PeriodMark.period_id.is_(None)))


def save(user: User, course: Course, kind: str, period: Period | None, student_id: int, code: str,
         version: int) -> PeriodMark | None:
    """Set, change or clear ("clear") one period/year/exam/final mark with the version its author saw."""
    if course.teacher_id != user.id:
        raise Forbidden() if access.may_read_course(user, course) else NotFound()
    if kind == "period" and period is None or kind != "period" and kind not in kinds_of(course):
        raise NotFound()
    closed = rules.year_closed_refusal(course)
    if closed:
        raise RegisterError(closed)
    if not course.attested:
        raise RegisterError(_("This subject is taught without attestation: it takes no marks."))
    span = span_of(course, kind, period)
    if span is None:
        raise RegisterError(_("The school year has no reporting periods yet."))
    if not roster(course.class_id, course.subgroup_id, span.opens, span.closes, student_id):
        raise NotFound()
    if period is not None and period.closed_at is not None:
        raise RegisterError(_("This period is closed."))
    today = clock.today()
    if span.opens > today:
        raise RegisterError(_("This period has not started yet."))
    if span.closes < today:
        refusal = rules.edit_window_refusal(course, span.closes)
        if refusal:
            raise RegisterError(refusal)
    if code != "clear" and code not in scales.period_codes(course):
        raise RegisterError(_("«%(code)s» is not a period mark of this course.", code=code[:10]))
    if code != "clear" and code != "безотм" and not calendar.class_is_marked(course.school_class, span.closes):
        raise RegisterError(_("This class is taught without marks on this date: only attendance, topics and "
                              "notes."))
    period_id = period.id if kind == "period" else None
    pm = find(course.id, kind, period_id, student_id)
    now = clock.now()
    try:
        if version == 0:
            if code != "clear":
                db.session.add(PeriodMark(student_id=student_id, course_id=course.id, kind=kind, period_id=period_id,
                                          scale=school_settings().scale, code=code, set_by=user.id, set_at=now,
                                          version=versions.fresh()))
                db.session.flush()
        else:
            match = (PeriodMark.id == (pm.id if pm else None), PeriodMark.version == version)
            stmt = (delete(PeriodMark).where(*match) if code == "clear" else
                    update(PeriodMark).where(*match).values(code=code, set_by=user.id, set_at=now,
                                                            version=PeriodMark.version + 1))
            if db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount != 1:
                raise Conflict()
            if pm.code != code:  # every change of a saved mark is logged
                db.session.add(PeriodMarkChange(student_id=student_id, course_id=course.id, kind=kind,
                                                period_id=period_id, old_code=pm.code,
                                                new_code=None if code == "clear" else code, changed_by=user.id,
                                                changed_at=now))
        db.session.commit()
    except (Conflict, IntegrityError):
        db.session.rollback()
        current = find(course.id, kind, period_id, student_id)
        if (current.code if current else "clear") != code:
            raise Conflict() from None
    db.session.expire_all()
    return find(course.id, kind, period_id, student_id)
