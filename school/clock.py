"""The one clock of the app: every date-dependent rule asks today()/now() here.

DEFTER_TODAY=YYYY-MM-DD pins the date (demo, tests, benchmarks); the time of day stays real.
"""
import datetime as dt
import os


def today() -> dt.date:
    pinned = os.environ.get("DEFTER_TODAY", "").strip()
    if pinned:
        return dt.date.fromisoformat(pinned)
    return dt.date.today()


def now() -> dt.datetime:
    real = dt.datetime.now()
    return dt.datetime.combine(today(), real.time()).replace(microsecond=0)


def academic_year_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The academic year (1 September – 31 August) that contains day."""
    start_year = day.year if day.month >= 9 else day.year - 1
    return dt.date(start_year, 9, 1), dt.date(start_year + 1, 8, 31)
