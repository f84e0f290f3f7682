"""Small shared lookups: the current year, a user's courses and children."""
from __future__ import annotations

import time
from functools import cache

from flask import current_app, g
from sqlalchemy import Date, bindparam, select

from school import clock
from school.extensions import db


def year_containing(day):
    """The id of the academic year containing a day (1 September – 31 August): `day` a bound parameter or a
    column. The one definition for current_year_id and the login's statement, which reads it for it."""
    from school.models import AcademicYear

    return select(AcademicYear.id).where(AcademicYear.first_day <= day, AcademicYear.last_day >= day)


@cache
def _current_year_statement():
    """year_containing a day given as `day`, built once: most pages ask for it."""
    return year_containing(bindparam("day", type_=Date))


def current_year_id() -> int | None:
    """The academic year containing today(), read once per request: with the login when a user is signed in
    (remember_current_year), else by a query of its own."""
    if "_year_id" not in g:
        g._year_id = db.session.scalar(_current_year_statement(), {"day": clock.today()})
    return g._year_id


def remember_current_year(year_id: int | None) -> None:
    """current_year_id for this request, as the user loader's statement read it (the same condition on today)."""
    g._year_id = year_id


def plain(statement, params: dict | None = None):
    """Run a read of plain columns (rows, no ORM objects) on the session's connection, as the session would run it
    (its pending changes flushed first, unless autoflush is off), without the session's ORM execution path: that
    path cost a third of such a statement's Python (the diary's marks: 369 -> 284 calls, about 40 us), and the
    grid, a save and the diary run several. For statements of columns only: an entity needs the session.
    Iterating the result fetches row by row; take .all() of a long one."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


def write(statement, params: dict | None = None, alone: bool = False):
    """Run a Core INSERT, UPDATE or DELETE on the session's connection in its transaction, as plain() runs a read:
    pending changes flushed first, without the session's ORM execution path (a third of a small statement's
    Python). The session is marked as having written (transactions.WROTE), exactly as the ORM path marks it, so
    that a request that ends without committing rolls it back.

    alone: the statement is the whole of its write, with nothing to keep it with (a cell's attendance, a cell's
    first mark). On PostgreSQL, where the request has not written yet, it then runs without a transaction and is
    stored as it runs (transactions.ALONE); elsewhere, and after another write, it is part of the transaction."""
    from school.transactions import ALONE, WROTE

    session = db.session()
    if session.autoflush:
        session.flush()
    session.info[WROTE] = True
    connection = session.connection()
    if alone:
        connection.info[ALONE] = True
    try:
        return connection.execute(statement, params)
    finally:
        connection.info.pop(ALONE, None)


@cache
def _bells_statement():
    from school.models import BellTime

    return select(BellTime.number, BellTime.starts, BellTime.ends).order_by(BellTime.number)


@cache
def _holidays_statement():
    from school.models import Holiday

    return (select(Holiday.first_day, Holiday.last_day, Holiday.name_ru, Holiday.name_uk, Holiday.name_crh)
            .where(Holiday.year_id == bindparam("year_id")).order_by(Holiday.first_day))


SETTINGS_TTL_SECONDS = 30


def _kept(key, read):
    """What read() answers, kept in this process for SETTINGS_TTL_SECONDS beside the school's settings and
    cleared with them (clear_settings_cache). For the school's few rows that pages only show and an
    administrator seldom changes: another worker shows a change within half a minute. None (nothing there yet, as
    the school before its set-up) is not kept: it is asked again next time, so what is being set up shows at once."""
    cache = current_app.extensions.setdefault("defter_settings", {})
    now = time.monotonic()
    kept = cache.get(key)
    if kept is None or now - kept[0] > SETTINGS_TTL_SECONDS:
        value = read()
        if value is None:
            cache.pop(key, None)
            return None
        kept = cache[key] = (now, value)
    return kept[1]


def bells() -> dict:
    """The bell times by lesson number (the home page's day and to-do list, the diary's days and the changes
    page show them): plain rows of number, starts and ends, kept as _kept keeps them."""
    return _kept("bells", lambda: {b.number: b for b in plain(_bells_statement()).all()})


def holidays(year_id: int) -> tuple:
    """A year's holidays by their first day: plain rows of first_day, last_day and the names, kept as _kept keeps
    them (the diary's days show them)."""
    return _kept(("holidays", year_id), lambda: tuple(plain(_holidays_statement(), {"year_id": year_id})))


def periods(school_class) -> list:
    """calendar.periods_of(school_class), kept as _kept keeps the bells and the holidays: for pages that only show
    which period a day falls in (the family diary's marks and attendance). What checks or writes against a period
    (the grid, the edit window, closing a period) reads calendar.periods_of afresh."""
    from school.register import calendar

    return _kept(("periods", school_class.year_id, school_class.period_scheme),
                 lambda: calendar.periods_of(school_class))


def school_settings():
    """The school's row, read at most every 30 s per process (kept as _kept keeps): every save needs the edit
    window and the scale, and a changed setting reaches all workers within half a minute."""
    return _kept("school", _read_school)


def _read_school():
    from school.models import School

    row = db.session.get(School, 1)
    if row is not None:
        db.session.expunge(row)
    return row


def clear_settings_cache() -> None:
    """After the school's settings, its bells, its holidays or its periods are saved: this process reads them again
    at once (the other workers within SETTINGS_TTL_SECONDS)."""
    current_app.extensions.pop("defter_settings", None)
