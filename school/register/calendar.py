"""Dates of the register: weeks, a class's reporting periods, the days a class is taught with marks."""
from __future__ import annotations

import datetime as dt
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, select

from school.queries import plain
from school.models import Course, Period, SchoolClass


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = monday(day)
    return first, first + dt.timedelta(days=6)


def parse_iso_week(value: str) -> dt.date | None:
    """'2026-W48' -> that week's Monday; None when it is not a week."""
    try:
        year, week = value.split("-W")
        if not 1900 <= int(year) <= 2100:  # a school's dates; beyond, date arithmetic overflows
            return None
        return dt.date.fromisocalendar(int(year), int(week), 1)
    except (ValueError, AttributeError):
        return None


def iso_week(day: dt.date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


class PeriodRow(NamedTuple):
    """A reporting period as periods_of reads it: Period's columns as plain values (the pages and the checks
    compare its days and its id and show its number; nothing changes a period through it)."""
    id: int
    year_id: int
    scheme: str
    number: int
    first_day: dt.date
    last_day: dt.date
    closed_at: dt.datetime | None


@cache
def _periods_statement():
    """periods_of's query, built once (the diary's marks and attendance pages and every grid run it)."""
    return (select(*(getattr(Period, name) for name in PeriodRow._fields))
            .where(Period.year_id == bindparam("year_id"), Period.scheme == bindparam("scheme"))
            .order_by(Period.number))


def periods_of(school_class) -> list[PeriodRow]:
    """The reporting periods of the class's scheme in its year, in order. school_class: anything with year_id
    and period_scheme (a SchoolClass, a week.ClassRow)."""
    return [PeriodRow(*r) for r in plain(_periods_statement(), {"year_id": school_class.year_id,
                                                                 "scheme": school_class.period_scheme})]


def period_containing(periods: list[PeriodRow], day: dt.date) -> PeriodRow | None:
    """The period holding the day; in a holiday the one before it; before the first, the first."""
    for p in periods:
        if p.first_day <= day <= p.last_day:
            return p
    before = [p for p in periods if p.last_day < day]
    return before[-1] if before else (periods[0] if periods else None)


def class_is_marked(school_class: SchoolClass, day: dt.date) -> bool:
    """Grade 1 never; grade 2 from its marks_from date (001 п. 3.9)."""
    return school_class.marks_from is not None and day >= school_class.marks_from


def course_takes_marks(course: Course, day: dt.date) -> bool:
    return course.attested and course.assessment != "unmarked" and class_is_marked(course.school_class, day)
