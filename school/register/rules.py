"""The edit window (001 п. 4.1.11): a teacher changes the register only within the school's window of days,
or on days the administrator opened."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, or_, select

from school import clock
from school.extensions import db
from school.models import AcademicYear, Course, EditUnlock
from school.queries import school_settings


def _opened(course: Course):
    return (or_(EditUnlock.course_id == course.id, EditUnlock.class_id == course.class_id),
            EditUnlock.until > clock.now())


@cache
def _closed_year_statement():
    """The year's name when it is closed, built once: every save asks."""
    return select(AcademicYear.name).where(AcademicYear.id == bindparam("year_id"), AcademicYear.closed_at.is_not(None))


_ASK = object()  # year_closed not given: read it


def year_closed_refusal(course: Course, year_closed: str | None | object = _ASK) -> str | None:
    """A closed year's register is read-only for everyone (it is still read and printed). Takes a course or a
    class (anything with a year_id). year_closed: the year's name when closed, None when open, as the caller read
    it in its own query (a cell's save reads it with the cell); not given, it is read here."""
    name = (db.session.scalar(_closed_year_statement(), {"year_id": course.year_id}) if year_closed is _ASK
            else year_closed)
    if name is None:
        return None
    return _("The school year %(name)s is closed: its register can be read and printed but no longer changed.",
             name=name)


def edit_window_refusal(course: Course, day: dt.date, year_closed: str | None | object = _ASK) -> str | None:
    """None when the day may be edited today; otherwise the translated reason. year_closed: as for
    year_closed_refusal."""
    closed = year_closed_refusal(course, year_closed)
    if closed:
        return closed
    today = clock.today()
    if day > today:
        return _("This lesson is in the future: nothing can be entered yet.")
    window = school_settings().edit_window_days
    if (today - day).days <= window:
        return None
    if db.session.scalar(select(exists().where(*_opened(course), EditUnlock.first_day <= day,
                                               EditUnlock.last_day >= day))):
        return None
    return _("The edit window of %(days)d days has closed for %(date)s. Ask the administrator to open this day.",
             days=window, date=format_date(day, "short"))


def editable_days(course: Course, days: Iterable[dt.date]) -> dict[dt.date, bool]:
    """edit_window_refusal(...) is None for each day, with the opened days read once (the grid's columns)."""
    if year_closed_refusal(course):
        return dict.fromkeys(days, False)
    today, window = clock.today(), school_settings().edit_window_days
    unlocks = db.session.execute(select(EditUnlock.first_day, EditUnlock.last_day).where(*_opened(course))).all()
    return {d: d <= today and ((today - d).days <= window or any(a <= d <= b for a, b in unlocks)) for d in days}
