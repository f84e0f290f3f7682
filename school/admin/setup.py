"""The school's set-up: what it has and lacks, and the writes of the set-up forms (each audited old → new).

The forms' rows arrive as plain dicts; every check a user can fail returns translated messages (the route shows
them with 422) before anything is written. The database holds the same rules about periods (triggers, migration
0008_setup) for writers that skip this module.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError

from school import audit, clock
from school.extensions import db
from school.i18n import chosen_language
from school.models import (AcademicYear, BellTime, Course, Enrolment, Holiday, Lesson, Mark, Period, PeriodMark, School,
                           SchoolClass, StaffRole, Subject, TimetableSlot, WorkKind)
from school.queries import clear_settings_cache, school_settings

SETTINGS = ("name_ru", "name_uk", "name_crh", "address_ru", "address_uk", "address_crh", "scale", "edit_window_days",
            "topic_deadline_days", "homework_deadline_minutes", "mark_deadline_days", "test_mark_deadline_days",
            "written_mark_deadline_days", "period_mark_deadline_days", "absence_deadline_days", "round_up_from",
            "min_marks_for_period", "notice_hour", "students_may_write")
DEFAULTS = dict(notice_hour=16, students_may_write=False, scale="five", edit_window_days=14, topic_deadline_days=0, homework_deadline_minutes=60,
                mark_deadline_days=2, test_mark_deadline_days=3, written_mark_deadline_days=7,
                period_mark_deadline_days=2, absence_deadline_days=0, round_up_from=Decimal("0.50"), min_marks_for_period=3)
USUAL_SUBJECTS = Path(__file__).resolve().parent.parent / "demo" / "data" / "school.toml"


class Refused(Exception):
    """The set-up cannot be saved as sent; messages say why, in the user's language."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


# ---------------------------------------------------------------- what the school has

def edited_year() -> AcademicYear | None:
    """The year the set-up edits: the one containing today, else the latest one; once that one is closed, the
    current year opened after it (/admin/year-end)."""
    day = clock.today()
    year = (db.session.scalar(select(AcademicYear).where(AcademicYear.first_day <= day, AcademicYear.last_day >= day))
            or db.session.scalar(select(AcademicYear).order_by(AcademicYear.first_day.desc()).limit(1)))
    if year is not None and year.closed_at is not None:
        year = db.session.scalar(select(AcademicYear).where(AcademicYear.is_current.is_(True),
                                                            AcademicYear.closed_at.is_(None))) or year
    return year


def first_run_pending() -> bool:
    """The administrator's home leads to the set-up until the school, its current year and subjects exist."""
    day = clock.today()
    return (school_settings() is None
            or not db.session.scalar(select(exists().where(AcademicYear.first_day <= day,
                                                           AcademicYear.last_day >= day)))
            or not db.session.scalar(select(exists().where(Subject.id > 0))))


@dataclass
class Item:
    label: str
    count: int | None       # None: a yes/no item
    done: bool
    endpoints: tuple[str, ...]  # where it is set, the first that exists in this app
    missing: str

    @property
    def endpoint(self) -> str | None:
        return next((e for e in self.endpoints if e in current_app.view_functions), None)


def checklist() -> list[Item]:
    year = edited_year()
    year_id = year.id if year else None
    day = clock.today()

    def count(stmt) -> int:
        return db.session.scalar(stmt) or 0

    periods = count(select(func.count(Period.id)).where(Period.year_id == year_id))
    holidays = count(select(func.count(Holiday.id)).where(Holiday.year_id == year_id))
    bells = count(select(func.count(BellTime.id)))
    subjects = count(select(func.count(Subject.id)))
    kinds = count(select(func.count(WorkKind.id)))
    classes = count(select(func.count(SchoolClass.id)).where(SchoolClass.year_id == year_id))
    staff = count(select(func.count(func.distinct(StaffRole.user_id))))
    students = count(select(func.count(func.distinct(Enrolment.student_id)))
                     .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
                     .where(SchoolClass.year_id == year_id, Enrolment.from_day <= day))
    courses = count(select(func.count(Course.id)).where(Course.year_id == year_id))
    slots = count(select(func.count(TimetableSlot.id)).join(Course, Course.id == TimetableSlot.course_id)
                  .where(Course.year_id == year_id))
    setup = "admin.setup_year"
    return [
        Item(_("School settings"), None, school_settings() is not None, ("admin.setup_school",),
             _("The school's name and rules are not set.")),
        Item(_("Academic year"), None, year is not None, (setup,), _("There is no academic year.")),
        Item(_("Periods"), periods, periods > 0, (setup,), _("The year has no periods.")),
        Item(_("Holidays"), holidays, holidays > 0, (setup,), _("The year has no holidays.")),
        Item(_("Bell times"), bells, bells > 0, (setup,), _("There are no bell times.")),
        Item(_("Subjects"), subjects, subjects > 0, ("admin.setup_subjects",), _("There are no subjects.")),
        Item(_("Kinds of work"), kinds, kinds > 0, ("admin.setup_work_kinds",), _("There are no kinds of work.")),
        Item(_("Classes"), classes, classes > 0, ("people.list_classes",),
             _("The year has no classes.")),
        Item(_("Staff"), staff, staff > 0, ("people.list_staff",), _("There is no staff.")),
        Item(_("Students"), students, students > 0, ("people.list_students",),
             _("No student is enrolled.")),
        Item(_("Courses"), courses, courses > 0, ("courses.index",),
             _("The year has no courses.")),
        Item(_("Timetable"), slots, slots > 0, ("timetable.index", "admin.timetable"), _("There is no timetable.")),
    ]


# ---------------------------------------------------------------- the school

def school_data() -> dict:
    row = school_settings()
    if row is None:
        return dict(DEFAULTS)
    return {name: getattr(row, name) for name in SETTINGS}


def save_school(data: dict) -> None:
    row = db.session.get(School, 1)
    created = row is None
    if created:
        row = School(id=1, **{name: DEFAULTS.get(name, "") for name in SETTINGS})
        db.session.add(row)
    changes = []
    for name in SETTINGS:
        old, new = (None if created else getattr(row, name)), data[name]
        if name.startswith("address_") and new is None:
            new = ""
        if old != new:
            changes.append(f"{name}: {'' if old is None else old} → {new}")
        setattr(row, name, new)
    if changes:
        audit.record("school_created" if created else "school_changed", "school:1", "; ".join(changes))
    db.session.commit()
    clear_settings_cache()


# ---------------------------------------------------------------- the year

def _usual_periods(first: dt.date) -> list[dict]:
    """A starting point the administrator corrects: the usual quarters and halves of a Russian school year."""
    y = first.year

    def row(scheme, a, b):
        return dict(id="", scheme=scheme, first_day=a, last_day=b)
    return [row("quarters", first, dt.date(y, 10, 24)), row("quarters", dt.date(y, 11, 5), dt.date(y, 12, 28)),
            row("quarters", dt.date(y + 1, 1, 9), dt.date(y + 1, 3, 21)),
            row("quarters", dt.date(y + 1, 3, 31), dt.date(y + 1, 5, 26)),
            row("halves", first, dt.date(y, 12, 28)), row("halves", dt.date(y + 1, 1, 9), dt.date(y + 1, 5, 26))]


def year_data() -> dict:
    year = edited_year()
    if year is None:
        first, _last = clock.academic_year_bounds(clock.today())
        return dict(first_day=first, last_day=dt.date(first.year + 1, 5, 31), periods=_usual_periods(first),
                    holidays=[], bells=[])
    periods = db.session.scalars(select(Period).where(Period.year_id == year.id)
                                 .order_by(Period.scheme, Period.number)).all()
    holidays = db.session.scalars(select(Holiday).where(Holiday.year_id == year.id)
                                  .order_by(Holiday.first_day)).all()
    bells = db.session.scalars(select(BellTime).order_by(BellTime.number)).all()
    return dict(first_day=year.first_day, last_day=year.last_day,
                periods=[dict(id=str(p.id), scheme=p.scheme, first_day=p.first_day, last_day=p.last_day)
                         for p in periods],
                holidays=[dict(first_day=h.first_day, last_day=h.last_day, name_ru=h.name_ru, name_uk=h.name_uk,
                               name_crh=h.name_crh) for h in holidays],
                bells=[dict(number=b.number, starts=b.starts, ends=b.ends) for b in bells])


def check_year(data: dict) -> list[str]:
    """Every reason the year cannot be saved as sent."""
    first, last = data["first_day"], data["last_day"]
    errors = []
    if not first < last:
        return [_("The year's first day must come before its last day.")]
    if (last - first).days > 366:
        errors.append(_("An academic year lasts at most a year."))
    by_scheme: dict[str, list[dict]] = {}
    for p in data["periods"]:
        if not p["first_day"] < p["last_day"]:
            errors.append(_("A period's first day must come before its last day (%(first)s).",
                            first=format_date(p["first_day"])))
            continue
        if p["first_day"] < first or p["last_day"] > last:
            errors.append(_("The period %(first)s – %(last)s lies outside the year.",
                            first=format_date(p["first_day"]), last=format_date(p["last_day"])))
        by_scheme.setdefault(p["scheme"], []).append(p)
    for rows in by_scheme.values():
        rows.sort(key=lambda p: p["first_day"])
        for a, b in zip(rows, rows[1:]):
            if b["first_day"] <= a["last_day"]:
                errors.append(_("The periods %(a)s and %(b)s overlap.", a=format_date(a["first_day"]),
                                b=format_date(b["first_day"])))
    for h in data["holidays"]:
        if h["first_day"] > h["last_day"]:
            errors.append(_("A holiday's first day must not come after its last day (%(first)s).",
                            first=format_date(h["first_day"])))
        elif h["first_day"] < first or h["last_day"] > last:
            name = h.get(f"name_{chosen_language()}") or h["name_ru"]
            errors.append(_("The holiday %(name)s lies outside the year.", name=name))
    numbers = [b["number"] for b in data["bells"]]
    if len(numbers) != len(set(numbers)):
        errors.append(_("Each lesson number may have one bell time only."))
    for b in data["bells"]:
        if not b["starts"] < b["ends"]:
            errors.append(_("Lesson %(number)s must end after it starts.", number=b["number"]))
    return errors


def _year_name(first: dt.date, last: dt.date) -> str:
    return f"{first.year}/{last.year}" if first.year != last.year else str(first.year)


def save_year(data: dict) -> AcademicYear:
    errors = check_year(data)
    if errors:
        raise Refused(errors)
    year = edited_year()
    name = _year_name(data["first_day"], data["last_day"])
    clash = db.session.scalar(select(AcademicYear.id).where(AcademicYear.name == name,
                                                            AcademicYear.id != (year.id if year else 0)))
    if clash:
        raise Refused([_("Another academic year is already called %(name)s.", name=name)])
    try:
        year = _write_year(year, name, data)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Refused([_("The database refused these periods: they overlap or lie outside the year.")]) from None
    clear_settings_cache()  # the holidays, the bells and the periods the pages keep
    return year


def _write_year(year: AcademicYear | None, name: str, data: dict) -> AcademicYear:
    first, last = data["first_day"], data["last_day"]
    if year is None:
        current = db.session.scalar(select(exists().where(AcademicYear.is_current.is_(True))))
        year = AcademicYear(name=name, first_day=first, last_day=last, is_current=not current)
        db.session.add(year)
        db.session.flush()
        audit.record("year_created", f"year:{year.id}", f"{first} – {last}")
    old = {p.id: p for p in db.session.scalars(select(Period).where(Period.year_id == year.id))}
    stored = {pid: (p.scheme, p.number, p.first_day, p.last_day) for pid, p in old.items()}
    kept = {int(p["id"]) for p in data["periods"] if p["id"] and p["id"].isdigit() and int(p["id"]) in old}
    gone = [p for pid, p in old.items() if pid not in kept]
    if gone and db.session.scalar(select(exists().where(PeriodMark.period_id.in_([p.id for p in gone])))):
        raise Refused([_("A period that already has period marks cannot be removed.")])
    for p in gone:
        audit.record("period_removed", f"period:{p.id}", f"{p.scheme} {p.number}: {p.first_day} – {p.last_day}")
        db.session.delete(p)
    db.session.flush()
    # The triggers check each row as it is written: first shrink every kept period inside both its old and its new
    # dates (inside the old ones it overlaps nothing), then give each its new dates in order.
    for row in data["periods"]:
        if row["id"] and row["id"].isdigit() and int(row["id"]) in kept:
            p = old[int(row["id"])]
            a, b = max(p.first_day, row["first_day"]), min(p.last_day, row["last_day"])
            if a < b:
                p.first_day, p.last_day = a, b
    db.session.flush()
    if (year.first_day, year.last_day) != (first, last):
        audit.record("year_changed", f"year:{year.id}", f"{year.first_day} – {year.last_day} → {first} – {last}")
        year.first_day, year.last_day, year.name = first, last, name
        db.session.flush()
    numbered: dict[str, int] = {}
    for row in sorted(data["periods"], key=lambda r: (r["scheme"], r["first_day"])):
        numbered[row["scheme"]] = numbered.get(row["scheme"], 0) + 1
        number = numbered[row["scheme"]]
        if row["id"] and row["id"].isdigit() and int(row["id"]) in kept:
            p = old[int(row["id"])]
            before = stored[p.id]
            # Numbers of one scheme are unique: park the number out of the way until every row has its own.
            p.scheme, p.number, p.first_day, p.last_day = row["scheme"], 100 + number, row["first_day"], row["last_day"]
            audit_needed = before[0] != row["scheme"] or before[2:] != (row["first_day"], row["last_day"])
            if audit_needed:
                audit.record("period_changed", f"period:{p.id}",
                             f"{before[0]} {before[1]}: {before[2]} – {before[3]} → "
                             f"{row['scheme']} {number}: {row['first_day']} – {row['last_day']}")
        else:
            p = Period(year_id=year.id, scheme=row["scheme"], number=100 + number, first_day=row["first_day"],
                       last_day=row["last_day"])
            db.session.add(p)
            db.session.flush()
            audit.record("period_added", f"period:{p.id}", f"{p.scheme} {number}: {p.first_day} – {p.last_day}")
        db.session.flush()
    for p in db.session.scalars(select(Period).where(Period.year_id == year.id, Period.number > 100)):
        p.number -= 100
    db.session.flush()
    _replace_rows(Holiday, [Holiday(year_id=year.id, **h) for h in data["holidays"]],
                  Holiday.year_id == year.id, "holidays",
                  lambda h: f"{h.first_day} – {h.last_day} {h.name_ru}")
    _replace_rows(BellTime, [BellTime(**b) for b in data["bells"]], None, "bells",
                  lambda b: f"{b.number}: {b.starts:%H:%M} – {b.ends:%H:%M}")
    return year


def _replace_rows(model, rows: list, where, what: str, describe) -> None:
    """Rows nothing refers to (holidays, bell times) are replaced whole; the audit keeps both versions."""
    stmt = select(model) if where is None else select(model).where(where)
    before = sorted(describe(r) for r in db.session.scalars(stmt))
    after = sorted(describe(r) for r in rows)
    if before == after:
        return
    db.session.execute(delete(model) if where is None else delete(model).where(where))
    db.session.add_all(rows)
    db.session.flush()
    audit.record(f"{what}_changed", what, f"{'; '.join(before)} → {'; '.join(after)}")


# ---------------------------------------------------------------- subjects and kinds of work

def usual_subjects() -> list[dict]:
    with USUAL_SUBJECTS.open("rb") as f:
        rows = tomllib.load(f)["subjects"]
    return [dict(id="", short=short, name_ru=ru, name_uk=uk, name_crh=crh) for short, ru, uk, crh in rows]


def subjects_data() -> list[dict]:
    subjects = db.session.scalars(select(Subject).order_by(Subject.id)).all()
    if not subjects:
        return usual_subjects()
    return [dict(id=str(s.id), short=s.short, name_ru=s.name_ru, name_uk=s.name_uk, name_crh=s.name_crh)
            for s in subjects]


def work_kinds_data() -> list[dict]:
    return [dict(id=str(k.id), code=k.code, name_ru=k.name_ru, name_uk=k.name_uk, name_crh=k.name_crh,
                 weight=k.weight, is_test=k.is_test, mark_deadline_days=k.mark_deadline_days)
            for k in db.session.scalars(select(WorkKind).order_by(WorkKind.id))]


SUBJECT_FIELDS = ("short", "name_ru", "name_uk", "name_crh")
WORK_KIND_FIELDS = ("code", "name_ru", "name_uk", "name_crh", "weight", "is_test", "mark_deadline_days")
IN_USE = {
    Subject: lambda ids: select(exists().where(Course.subject_id.in_(ids))),
    WorkKind: lambda ids: select(exists().where(Mark.work_kind_id.in_(ids))
                                 | exists().where(Lesson.work_kind_id.in_(ids))),
}
USED_MESSAGE = {Subject: _l("A subject that has courses cannot be removed."),
                WorkKind: _l("A kind of work that marks or lessons use cannot be removed.")}
KEY = {Subject: "short", WorkKind: "code"}
KEY_TAKEN = {Subject: _l("The short name %(key)s is used twice."), WorkKind: _l("The code %(key)s is used twice.")}


def save_rows(model, rows: list[dict]) -> None:
    """Subjects or kinds of work as the editor sent them: changed rows updated, new ones added, missing ones removed
    (unless something refers to them)."""
    fields = SUBJECT_FIELDS if model is Subject else WORK_KIND_FIELDS
    kind = model.__tablename__
    keys = [r[KEY[model]] for r in rows]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise Refused([str(KEY_TAKEN[model]) % dict(key=k) for k in twice])
    old = {o.id: o for o in db.session.scalars(select(model))}
    kept = {int(r["id"]) for r in rows if r["id"] and r["id"].isdigit() and int(r["id"]) in old}
    gone = [o for oid, o in old.items() if oid not in kept]
    if gone and db.session.scalar(IN_USE[model]([o.id for o in gone])):
        raise Refused([str(USED_MESSAGE[model])])
    for o in gone:
        audit.record(f"{kind}_removed", f"{kind}:{o.id}", "; ".join(f"{f}: {getattr(o, f)}" for f in fields))
        db.session.delete(o)
    db.session.flush()
    before = {oid: {f: getattr(old[oid], f) for f in fields} for oid in kept}
    # Keys are unique: free them first, so that two rows may swap their short names in one save.
    for oid in kept:
        setattr(old[oid], KEY[model], f"~{oid}")
    db.session.flush()
    for r in rows:
        if r["id"] and r["id"].isdigit() and int(r["id"]) in kept:
            o = old[int(r["id"])]
            was = before[o.id]
            for f in fields:
                setattr(o, f, r[f])
            changes = [f"{f}: {was[f]} → {r[f]}" for f in fields if was[f] != r[f]]
            if changes:
                audit.record(f"{kind}_changed", f"{kind}:{o.id}", "; ".join(changes))
        else:
            o = model(**{f: r[f] for f in fields})
            db.session.add(o)
            db.session.flush()
            audit.record(f"{kind}_added", f"{kind}:{o.id}", "; ".join(f"{f}: {r[f]}" for f in fields))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Refused([_("The database refused these rows; check the names and numbers.")]) from None
