"""The filters every report takes (class, teacher, subject, a period or a range of dates) and who may see what.

The current period is the default; dates win over a period. A class teacher sees only their own classes: any
other class asked for is a 404, as in the rest of the register."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from school import access, clock
from school.extensions import db
from school.i18n import sort_key
from school.models import Course, Period, Person, SchoolClass, Subject, User
from school.queries import current_year_id, school_settings
from school.register import calendar


class FilterError(ValueError):
    pass


@dataclass
class Filters:
    year_id: int | None
    first: dt.date | None
    last: dt.date | None
    period: Period | None = None
    class_id: int | None = None
    teacher_id: int | None = None
    subject_id: int | None = None
    # The classes this user may see a report of: None for the administration (every class).
    scope: list[int] | None = None
    dates_given: bool = False

    @property
    def held_until(self) -> dt.date | None:
        """Only lessons up to today count as held (lessons exist ahead of time, from the timetable)."""
        return min(self.last, clock.today()) if self.last else None

    @property
    def ready(self) -> bool:
        return self.year_id is not None and self.first is not None

    def class_ids(self) -> list[int] | None:
        """The classes the report covers, or None for all of them."""
        if self.class_id is not None:
            return [self.class_id]
        return self.scope

    def course_filter(self, course=Course) -> list:
        out = [course.year_id == self.year_id]
        ids = self.class_ids()
        if ids is not None:
            out.append(course.class_id.in_(ids or [0]))
        if self.subject_id is not None:
            out.append(course.subject_id == self.subject_id)
        return out

    def args(self, **changes) -> dict:
        """The query string of this report (for links and the print and XLSX versions)."""
        out = {}
        if self.class_id:
            out["class_id"] = self.class_id
        if self.teacher_id:
            out["teacher_id"] = self.teacher_id
        if self.subject_id:
            out["subject_id"] = self.subject_id
        if self.dates_given:
            out["from"], out["to"] = self.first.isoformat(), self.last.isoformat()
        elif self.period is not None:
            out["period_id"] = self.period.id
        out.update({k: v for k, v in changes.items() if v is not None})
        return out


@dataclass
class Options:
    classes: list = field(default_factory=list)
    teachers: list = field(default_factory=list)
    subjects: list = field(default_factory=list)
    periods: list = field(default_factory=list)


def visible_classes(user, year_id: int | None) -> list[SchoolClass]:
    stmt = select(SchoolClass).where(SchoolClass.year_id == year_id).order_by(SchoolClass.grade, SchoolClass.letter)
    if not access.reads_everything(user):
        stmt = stmt.where(SchoolClass.class_teacher_id == user.id)
    return db.session.scalars(stmt).all()


def _int(args, name: str) -> int | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        abort(404)
    return int(value)


def _date(args, name: str) -> dt.date | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FilterError(_("The date %(value)s is not a date.", value=value[:20])) from None


def parse(args, user, lang: str) -> tuple[Filters, Options, str | None]:
    """The filters from a query string, the choices the form offers, and a translated error (or None)."""
    # A school not set up has nothing to report (nor the deadlines and minimum the reports count against).
    year_id = current_year_id() if school_settings() is not None else None
    classes = visible_classes(user, year_id)
    everything = access.reads_everything(user)
    periods = db.session.scalars(select(Period).where(Period.year_id == year_id)
                                 .order_by(Period.scheme.desc(), Period.number)).all()
    class_id = _int(args, "class_id")
    if class_id is not None and class_id not in {c.id for c in classes}:
        abort(404)
    if class_id is None and not everything and classes:
        class_id = classes[0].id
    error = None
    first = last = None
    try:
        first, last = _date(args, "from"), _date(args, "to")
        if (first is None) != (last is None):
            raise FilterError(_("Give both dates, the first and the last."))
        if first and first > last:
            raise FilterError(_("The first date is after the last one."))
    except FilterError as e:
        error, first, last = str(e), None, None
    period = None
    period_id = _int(args, "period_id")
    if period_id is not None:
        period = next((p for p in periods if p.id == period_id), None)
        if period is None:
            abort(404)
    dates_given = first is not None
    if period is None and periods:
        chosen = next((c for c in classes if c.id == class_id), None)
        scheme = chosen.period_scheme if chosen else ("quarters" if any(p.scheme == "quarters" for p in periods)
                                                       else periods[0].scheme)
        period = calendar.period_containing([p for p in periods if p.scheme == scheme], clock.today())
    if not dates_given and period is not None:
        first, last = period.first_day, period.last_day
    f = Filters(year_id=year_id, first=first, last=last, period=None if dates_given else period,
                class_id=class_id, teacher_id=_int(args, "teacher_id"), subject_id=_int(args, "subject_id"),
                scope=None if everything else [c.id for c in classes], dates_given=dates_given)
    options = Options(classes=classes, periods=periods)
    if year_id is not None:
        courses = select(Course.teacher_id, Course.subject_id).where(*f.course_filter()).subquery()
        options.teachers = db.session.execute(
            select(User.id, Person.surname, Person.name, Person.patronymic).join(Person, Person.id == User.person_id)
            .where(User.id.in_(select(courses.c.teacher_id))).order_by(Person.surname, Person.name)).all()
        options.subjects = sorted(db.session.scalars(select(Subject).where(
            Subject.id.in_(select(courses.c.subject_id)))).all(), key=lambda s: sort_key(s.name(lang), lang))
    return f, options, error


def person_label(surname: str, name: str, patronymic: str | None = None) -> str:
    initials = "".join(f"{p[0]}." for p in (name, patronymic) if p)
    return f"{surname} {initials}".strip()
