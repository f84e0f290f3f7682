"""The teacher's grid as data: lessons across, students down, cells, and each row's figures — the same
function (row_stats) gives the diary's forecast and the printed statement's average."""
from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Callable

from sqlalchemy import Date, and_, bindparam, select

from school import clock, grading
from school.extensions import db
from school.models import Attendance, Course, Lesson, Mark, Period, PeriodMark, SchoolClass
from school.queries import plain, school_settings
from school.register import scales
from school.register.roster import roster

AHEAD = 7     # days of coming lessons the grid shows (a test to announce, a topic to prepare)


@dataclass
class RowStats:
    count: int
    average: Decimal | None
    suggestion: str | None


def stats_of(entries: dict[str, grading.ScaleEntry], round_up_from) -> Callable[[list], RowStats]:
    """row_stats for many rows at once (the grid's): the scale's bounds and the school's rounding read once."""
    low, high = grading.scale_bounds(entries.values())
    value_of = {code: e.value if e.counts_in_average else None for code, e in entries.items()}

    def stats(marks) -> RowStats:
        average = grading.weighted_average([(value_of[m.code], m.weight) for m in marks])
        return RowStats(len(marks), average, grading.suggest(average, round_up_from, low, high))
    return stats


def row_stats(marks) -> RowStats:
    """Count, weighted average and suggested period mark of marks (objects or rows with code and weight)."""
    return stats_of(scales.scale_entries(), school_settings().round_up_from)(marks)


# What the grid and the printed register read of a mark and an attendance (Cell's marks and attendance).
GRID_MARK = (Mark.lesson_id, Mark.student_id, Mark.slot, Mark.code, Mark.weight, Mark.work_kind_id, Mark.comment,
             Mark.version)
GRID_ATTENDANCE = (Attendance.lesson_id, Attendance.student_id, Attendance.code, Attendance.reason,
                   Attendance.version)
# The grid keeps them as named tuples, not SQLAlchemy's rows: a row's attribute costs ten times a named tuple's,
# and a render reads a few thousand of them (each mark's code, kind, comment, slot and version, twice some).
GridMark = namedtuple("GridMark", [c.key for c in GRID_MARK])
GridAttendance = namedtuple("GridAttendance", [c.key for c in GRID_ATTENDANCE])
GridPeriodMark = namedtuple("GridPeriodMark", ["student_id", "code", "version"])


@cache
def _grid_statements():
    """The grid's reads, built once with bound parameters (building a statement costs more than running it): the
    course's lessons of the days shown; their marks and attendance, as plain rows (a thousand cells are only read;
    a save reads its cell again, as objects); the period marks (code and version)."""
    course_id = bindparam("course_id")
    shown = (Lesson.course_id == course_id, Lesson.day >= bindparam("first", type_=Date),
             Lesson.day <= bindparam("last", type_=Date))
    lessons = select(Lesson).where(*shown).order_by(Lesson.day, Lesson.number)
    marks = select(*GRID_MARK).join(Lesson, Lesson.id == Mark.lesson_id).where(*shown).order_by(Mark.slot)
    attendance = select(*GRID_ATTENDANCE).join(Lesson, Lesson.id == Attendance.lesson_id).where(*shown)
    period_marks = select(PeriodMark.student_id, PeriodMark.code, PeriodMark.version).where(
        PeriodMark.course_id == course_id, PeriodMark.kind == "period", PeriodMark.period_id == bindparam("period_id"))
    return lessons, marks, attendance, period_marks


def grid(course: Course, period: Period) -> dict:
    """Everything the grid page shows for one course and period: its lessons up to a week ahead (the timetable
    generates the whole year's; the grid shows what is held and what is coming next). Reads only."""
    from school.register.marks import Cell

    lessons_of, marks_of, attendance_of, period_marks_of = _grid_statements()
    shown = {"course_id": course.id, "first": period.first_day,
             "last": min(period.last_day, clock.today() + dt.timedelta(days=AHEAD))}
    lessons = db.session.scalars(lessons_of, shown).all()
    students = roster(course.class_id, course.subgroup_id, period.first_day, period.last_day)
    cells: dict[tuple[int, int], Cell] = {}
    marks_by_student: dict[int, list] = {}
    if lessons:
        for m in map(GridMark._make, plain(marks_of, shown).all()):
            key = (m.lesson_id, m.student_id)
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = Cell()
            cell.marks.append(m)
            marks_by_student.setdefault(key[1], []).append(m)
        for a in map(GridAttendance._make, plain(attendance_of, shown).all()):
            key = (a.lesson_id, a.student_id)
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = Cell()
            cell.attendance = a
    period_marks = {pm.student_id: pm for pm in map(GridPeriodMark._make, plain(
        period_marks_of, {"course_id": course.id, "period_id": period.id}).all())}
    stats_for = stats_of(scales.scale_entries(), school_settings().round_up_from)
    stats = {s.student_id: stats_for(marks_by_student.get(s.student_id, ())) for s in students}
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
    rows = plain(marks, params).all()
    if not rows and not plain(has_period, params).first():
        return None
    return row_stats(rows)
