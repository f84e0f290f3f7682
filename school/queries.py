"""Small shared lookups: the current year, a user's courses and children."""
from __future__ import annotations

from flask import g
from sqlalchemy import select

from school import clock
from school.extensions import db


def current_year_select():
    """The academic year containing today() (1 September – 31 August), as a query."""
    from school.models import AcademicYear

    day = clock.today()
    return select(AcademicYear.id).where(AcademicYear.first_day <= day, AcademicYear.last_day >= day)


def current_year_id() -> int | None:
    if "_year_id" not in g:
        g._year_id = db.session.scalar(current_year_select())
    return g._year_id


def school_settings():
    from school.models import School

    if "_school" not in g:
        g._school = db.session.get(School, 1)
    return g._school
