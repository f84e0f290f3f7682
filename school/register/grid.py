"""The teacher's grid as data: lessons across, students down, cells, and each row's figures — the same
function (row_stats) gives the diary's forecast and the printed statement's average."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from sqlalchemy import Date, and_, bindparam, select

from school import clock, grading
from school.extensions import db
from school.models import Attendance, Course, Lesson, Mark, Period, PeriodMark, SchoolClass
from school.queries import school_settings
from school.register import scales
from school.register.roster import roster

AHEAD = 7     # days of coming lessons the grid shows (a test to announce, a topic to prepare)


@dataclass
class RowStats:
    count: int
    average: Decimal | None
    suggestion: str | None


def row_stats(marks) -> RowStats:
    """Count, weighted average and suggested period mark of marks (objects or rows with code and weight)."""
    entries = scales.scale_entries()
    values = [(entries[m.code].value if entries[m.code].counts_in_average else None, m.weight) for m in marks]
    average = grading.weighted_average(values)
    low, high = grading.scale_bounds(entries.values())
    return RowStats(len(marks), average, grading.suggest(average, school_settings().round_up_from, low, high))


# What the grid and the printed register read of a mark and an attendance (Cell's marks and attendance).
GRID_MARK = (Mark.lesson_id, Mark.student_id, Mark.slot, Mark.code, Mark.weight, Mark.work_kind_id, Mark.comment,
             Mark.version)
GRID_ATTENDANCE = (Attendance.lesson_id, Attendance.student_id, Attendance.code, Attendance.reason,
                   Attendance.version)


def grid(course: Course, period: Period) -> dict:
    """Everything the grid page shows for one course and period: its lessons up to a week ahead (the timetable
    generates the whole year's; the grid shows what is held and what is coming next). Reads only."""
    from school.register.marks import Cell

    lessons = db.session.scalars(select(Lesson).where(
        Lesson.course_id == course.id, Lesson.day >= period.first_day,
        Lesson.day <= min(period.last_day, clock.today() + dt.timedelta(days=AHEAD)))
        .order_by(Lesson.day, Lesson.number)).all()
    students = roster(course.class_id, course.subgroup_id, period.first_day, period.last_day)
    lesson_ids = [les.id for les in lessons]
    cells: dict[tuple[int, int], Cell] = {}
    marks_by_student: dict[int, list[Mark]] = {}
    if lesson_ids:
        # Plain rows, not ORM objects: a thousand cells are only read (a save reads its cell again, as objects).
        for m in db.session.execute(select(*GRID_MARK).where(Mark.lesson_id.in_(lesson_ids)).order_by(Mark.slot)):
            cells.setdefault((m.lesson_id, m.student_id), Cell()).marks.append(m)
            marks_by_student.setdefault(m.student_id, []).append(m)
        for a in db.session.execute(select(*GRID_ATTENDANCE).where(Attendance.lesson_id.in_(lesson_ids))):
            cells.setdefault((a.lesson_id, a.student_id), Cell()).attendance = a
    period_marks = {pm.student_id: pm for pm in db.session.scalars(select(PeriodMark).where(
        PeriodMark.course_id == course.id, PeriodMark.kind == "period", PeriodMark.period_id == period.id))}
    stats = {s.student_id: row_stats(marks_by_student.get(s.student_id, [])) for s in students}
    return dict(lessons=lessons, students=students, cells=cells, stats=stats, period_marks=period_marks)


def student_stats(course: Course, period: Period, student_id: int) -> RowStats:
    rows = db.session.execute(select(Mark.code, Mark.weight).join(Lesson, Lesson.id == Mark.lesson_id).where(
        Lesson.course_id == course.id, Lesson.day >= period.first_day, Lesson.day <= period.last_day,
        Mark.student_id == student_id)).all()
    return row_stats(rows)


@cache
def _stats_statements():
    """stats_around's two queries, built once (every save runs the first): the student's marks in the course
    during the period of the class's scheme that holds the day, and whether there is such a period."""
    day = bindparam("day", type_=Date)
    period = (select(Period.first_day, Period.last_day)
              .join(SchoolClass, and_(SchoolClass.id == bindparam("class_id"),
                                      SchoolClass.period_scheme == Period.scheme))
              .where(Period.year_id == bindparam("year_id"), Period.first_day <= day, Period.last_day >= day)
              .subquery())
    marks = select(Mark.code, Mark.weight).join(Lesson, Lesson.id == Mark.lesson_id).join(
        period, and_(Lesson.day >= period.c.first_day, Lesson.day <= period.c.last_day)).where(
        Lesson.course_id == bindparam("course_id"), Mark.student_id == bindparam("student_id"))
    return marks, select(period.c.first_day)


def stats_around(course: Course, day: dt.date, student_id: int) -> RowStats | None:
    """The row's figures for the period that holds `day`, in one query (a save's out-of-band answer)."""
    marks, has_period = _stats_statements()
    params = {"day": day, "year_id": course.year_id, "class_id": course.class_id, "course_id": course.id,
              "student_id": student_id}
    rows = db.session.execute(marks, params).all()
    if not rows and not db.session.execute(has_period, params).first():
        return None
    return row_stats(rows)
