"""The timetable and the calendar of lessons made from it.

A slot puts a course in the week (weekday, lesson number, room), every week or in week A or B only, from a date
(valid_from) to another (valid_to). Week A is the week of the year's first day and every second week after it.
Slots never clash: a teacher, a room, or a class (a subgroup and its whole class) is never in two places at once;
slots that share a `joint` key are one lesson of several courses (two classes' physical education together) and
may share their teacher and room.

Lessons are generated from the slots for the whole year, on the school days of each class's periods (never in
holidays or between periods). Regenerating from a date makes the lessons the timetable now gives from that date:
it adds the missing ones and removes those the timetable no longer gives, except a lesson that holds an entry
(a topic or homework entered, a kind of work, marks, attendance, a substitution, a change by the administration)
or an extra one: those stay and are listed (`orphans`) for the administrator to keep or move. A moved lesson keeps
its timetable place (moved_from_day/number), so it is never made twice. Only a saved action generates lessons
(the timetable's editor, the aSc import, the command line), never a page being read.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import has_request_context
from flask_babel import gettext as _
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.exc import IntegrityError

from school import access, audit
from school.extensions import db
from school.i18n import current_language
from school.models import (AcademicYear, Attendance, Course, Holiday, Lesson, LessonChange, Mark, Period, PlanItem,
                           SchoolClass, TimetableSlot, User)
from school.models.register import WEEKS
from school.register import rules
from school.register.calendar import monday
from school.register.errors import Conflict, Forbidden, NotFound, RegisterError

NUMBERS = range(0, 13)     # lesson numbers the register knows (0: a lesson before the first)
CHUNK = 500                # ids per IN (…): well inside SQLite's and PostgreSQL's limits


# -- who may ----------------------------------------------------------------------------------------------------
def check_actor(actor: User | None) -> None:
    """The timetable is the administrator's. None stands for the command line, which only the machine's
    administrator can run; inside a web request it is refused."""
    if actor is None:
        if has_request_context():
            raise Forbidden()
        return
    if not access.is_admin(actor):
        raise NotFound()


# -- weeks --------------------------------------------------------------------------------------------------------
def week_letter(year_first_day: dt.date, day: dt.date) -> str:
    """'A' for the week of the year's first day and every second week after it, else 'B'."""
    return "A" if ((monday(day) - monday(year_first_day)).days // 7) % 2 == 0 else "B"


def runs_on(slot: TimetableSlot, day: dt.date, letter: str) -> bool:
    return (slot.weekday == day.isoweekday() and slot.valid_from <= day
            and (slot.valid_to is None or day <= slot.valid_to) and slot.weeks in ("every", letter))


def _weeks_meet(a: str, b: str) -> bool:
    return a == "every" or b == "every" or a == b


def _dates_meet(a_from: dt.date, a_to: dt.date | None, b_from: dt.date, b_to: dt.date | None) -> bool:
    return a_from <= (b_to or dt.date.max) and b_from <= (a_to or dt.date.max)


# -- clashes ------------------------------------------------------------------------------------------------------
@dataclass
class Draft:
    """A slot as the editor or an import would save it."""
    course: Course
    weekday: int
    number: int
    room: str | None = None
    weeks: str = "every"
    valid_from: dt.date = dt.date.min
    valid_to: dt.date | None = None
    joint: str | None = None


def course_label(course: Course) -> str:
    """The subject in the reader's language, the class and the subgroup: how a clash names the other lesson."""
    lang = current_language() if has_request_context() else "ru"
    label = f"{course.subject.name(lang)} ({course.school_class.label}"
    if course.subgroup is not None:
        label += f", {course.subgroup.name}"
    return label + ")"


def clashes(draft: Draft, ignore: Iterable[int] = ()) -> list[str]:
    """What the draft would collide with, each as a sentence naming the other lesson; empty when it fits."""
    course = draft.course
    rows = db.session.execute(
        select(TimetableSlot, Course).join(Course, Course.id == TimetableSlot.course_id).where(
            Course.year_id == course.year_id, TimetableSlot.weekday == draft.weekday,
            TimetableSlot.lesson_number == draft.number, TimetableSlot.id.not_in(list(ignore) or [0]))).all()
    room = (draft.room or "").strip().casefold()
    out = []
    for slot, other in rows:
        if not (_weeks_meet(draft.weeks, slot.weeks)
                and _dates_meet(draft.valid_from, draft.valid_to, slot.valid_from, slot.valid_to)):
            continue
        if draft.joint and slot.joint == draft.joint and other.id != course.id:
            continue      # one joint lesson of several courses
        what = course_label(other)
        if other.id == course.id:
            out.append(_("This course already has a lesson at this time: %(lesson)s.", lesson=what))
        elif other.teacher_id == course.teacher_id:
            out.append(_("The teacher already has a lesson at this time: %(lesson)s.", lesson=what))
        elif room and (slot.room or "").strip().casefold() == room:
            out.append(_("Room %(room)s is taken at this time: %(other)s.", room=slot.room, other=what))
        elif other.class_id == course.class_id and (
                other.subgroup_id is None or course.subgroup_id is None or other.subgroup_id == course.subgroup_id):
            out.append(_("The class already has a lesson at this time: %(lesson)s.", lesson=what))
    return out


def _valid(draft: Draft) -> None:
    if draft.weekday not in range(1, 8):
        raise RegisterError(_("Choose a day of the week."))
    if draft.number not in NUMBERS:
        raise RegisterError(_("Choose a lesson number from 0 to 12."))
    if draft.weeks not in WEEKS:
        raise RegisterError(_("Choose every week, week A or week B."))
    if draft.room is not None and len(draft.room.strip()) > 20:
        raise RegisterError(_("The room is too long: at most %(n)d characters.", n=20))
    if draft.joint is not None and len(draft.joint) > 40:
        raise RegisterError(_("The joint lesson's key is too long: at most %(n)d characters.", n=40))
    closed = rules.year_closed_refusal(draft.course)
    if closed:
        raise RegisterError(closed)
    year = db.session.get(AcademicYear, draft.course.year_id)
    if not (year.first_day <= draft.valid_from <= year.last_day):
        raise RegisterError(_("The date the change starts from must lie in the school year."))


# -- editing the timetable ----------------------------------------------------------------------------------------
@dataclass
class Regeneration:
    created: int = 0
    removed: int = 0
    kept: list[Lesson] = field(default_factory=list)


def place(actor: User | None, draft: Draft) -> tuple[TimetableSlot, Regeneration]:
    """Put a course in the week from draft.valid_from; a clash is refused naming the other lesson. The lessons
    from that day are regenerated in the same transaction."""
    check_actor(actor)
    _valid(draft)
    found = clashes(draft)
    if found:
        raise RegisterError(" ".join(found))
    slot = TimetableSlot(course_id=draft.course.id, weekday=draft.weekday, lesson_number=draft.number,
                         room=(draft.room or "").strip() or None, weeks=draft.weeks, valid_from=draft.valid_from,
                         valid_to=draft.valid_to, joint=draft.joint or None)
    db.session.add(slot)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Someone else changed the timetable in the meantime. Look at it again."))
    _audit(actor, "timetable.place", slot)
    result = _regenerate([draft.course], draft.valid_from)
    db.session.commit()
    return slot, result


def remove(actor: User | None, slot: TimetableSlot, since: dt.date) -> Regeneration:
    """Take a slot out of the week from `since`: the lessons before stay as they were; a slot that had not begun
    by then is deleted."""
    check_actor(actor)
    course = slot.course
    closed = rules.year_closed_refusal(course)
    if closed:
        raise RegisterError(closed)
    year = db.session.get(AcademicYear, course.year_id)
    if not (year.first_day <= since <= year.last_day):
        raise RegisterError(_("The date the change starts from must lie in the school year."))
    if slot.valid_to is not None and slot.valid_to < since:
        return Regeneration()
    _audit(actor, "timetable.remove", slot, since=since.isoformat())
    if slot.valid_from >= since:
        db.session.delete(slot)
    else:
        slot.valid_to = since - dt.timedelta(days=1)
    db.session.flush()
    result = _regenerate([course], since)
    db.session.commit()
    return result


def _audit(actor: User | None, action: str, slot: TimetableSlot, **extra) -> None:
    details = dict(course=slot.course_id, weekday=slot.weekday, number=slot.lesson_number, weeks=slot.weeks,
                   room=slot.room, valid_from=slot.valid_from.isoformat(), **extra)
    audit.record(action, f"timetable_slot:{slot.id}", json.dumps(details, ensure_ascii=False),
                 user_id=actor.id if actor is not None else None)


# -- the calendar of lessons --------------------------------------------------------------------------------------
def generate(actor: User | None, year_id: int, since: dt.date | None = None,
             course_ids: list[int] | None = None) -> Regeneration:
    """Make the year's lessons (or those of some courses) what the timetable gives from `since` (default: the
    year's first day) to the year's last day, and commit."""
    check_actor(actor)
    year = db.session.get(AcademicYear, year_id)
    if year is None:
        raise NotFound()
    closed = rules.year_closed_refusal(SimpleNamespace(year_id=year.id))
    if closed:
        raise RegisterError(closed)
    query = select(Course).where(Course.year_id == year_id)
    if course_ids is not None:
        query = query.where(Course.id.in_(course_ids or [0]))
    courses = db.session.scalars(query).all()
    result = _regenerate(courses, max(since or year.first_day, year.first_day))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Someone else changed the timetable in the meantime. Look at it again."))
    return result


def planned(courses: list[Course], first: dt.date, last: dt.date) -> dict[tuple[int, dt.date, int], str | None]:
    """(course id, day, lesson number) → room of every lesson the timetable gives from first to last."""
    if not courses or last < first:
        return {}
    by_id = {c.id: c for c in courses}
    slots = db.session.scalars(select(TimetableSlot).where(
        TimetableSlot.course_id.in_(list(by_id)), TimetableSlot.valid_from <= last,
        or_(TimetableSlot.valid_to.is_(None), TimetableSlot.valid_to >= first))).all()
    if not slots:
        return {}
    year_ids = {c.year_id for c in courses}
    years = {y.id: y for y in db.session.scalars(select(AcademicYear).where(AcademicYear.id.in_(year_ids)))}
    periods = defaultdict(list)
    for p in db.session.scalars(select(Period).where(Period.year_id.in_(year_ids))):
        periods[(p.year_id, p.scheme)].append((p.first_day, p.last_day))
    holidays = defaultdict(list)
    for h in db.session.scalars(select(Holiday).where(Holiday.year_id.in_(year_ids))):
        holidays[h.year_id].append((h.first_day, h.last_day))
    # The slots of each (year, scheme) by weekday: the days are walked once per scheme, not once per course.
    groups: dict[tuple[int, str], dict[int, list[TimetableSlot]]] = defaultdict(lambda: defaultdict(list))
    for s in slots:
        c = by_id[s.course_id]
        groups[(c.year_id, c.school_class.period_scheme)][s.weekday].append(s)
    out: dict[tuple[int, dt.date, int], str | None] = {}
    for (year_id, scheme), by_weekday in groups.items():
        year = years[year_id]
        terms, breaks = periods[(year_id, scheme)], holidays[year_id]
        day = max(first, year.first_day)
        end = min(last, year.last_day)
        while day <= end:
            todays = by_weekday.get(day.isoweekday())
            if todays and any(a <= day <= b for a, b in terms) and not any(a <= day <= b for a, b in breaks):
                letter = week_letter(year.first_day, day)
                for s in todays:
                    if runs_on(s, day, letter):
                        out[(s.course_id, day, s.lesson_number)] = s.room
            day += dt.timedelta(days=1)
    return out


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _with_entries(lesson_ids: list[int]) -> set[int]:
    """Lessons holding marks, attendance or a change by the administration."""
    held: set[int] = set()
    for part in _chunks(lesson_ids):
        for model in (Mark, Attendance, LessonChange):
            held.update(db.session.scalars(select(model.lesson_id).where(model.lesson_id.in_(part)).distinct()))
    return held


def _has_own_entry(row) -> bool:
    return bool(row.topic_entered_at or row.homework or row.work_kind_id or row.substitute_id
                or row.state != "held" or row.extra or row.moved_from_day is not None)


def _lessons_from(course_ids: list[int], since: dt.date):
    return db.session.execute(select(
        Lesson.id, Lesson.course_id, Lesson.day, Lesson.number, Lesson.moved_from_day, Lesson.moved_from_number,
        Lesson.extra, Lesson.state, Lesson.topic_entered_at, Lesson.homework, Lesson.work_kind_id,
        Lesson.substitute_id).where(Lesson.course_id.in_(course_ids),
                                    or_(Lesson.day >= since, Lesson.moved_from_day >= since))).all()


def _unplanned(courses: list[Course], since: dt.date) -> tuple[dict, list, list]:
    """(planned places, lessons the timetable no longer gives, all lessons from since)."""
    if not courses:
        return {}, [], []
    last = max(db.session.get(AcademicYear, c.year_id).last_day for c in courses)
    plan = planned(courses, since, last)
    rows = _lessons_from([c.id for c in courses], since)
    gone = [r for r in rows if not r.extra
            and (r.course_id, r.moved_from_day or r.day, r.moved_from_number
                 if r.moved_from_number is not None else r.number) not in plan
            and (r.moved_from_day or r.day) >= since]
    return plan, gone, rows


def _regenerate(courses: list[Course], since: dt.date) -> Regeneration:
    """The work of generate() inside the caller's transaction (it flushes, the caller commits)."""
    result = Regeneration()
    plan, gone, rows = _unplanned(courses, since)
    # Lessons the timetable no longer gives: removed when nobody wrote anything in them, else kept and listed.
    entries = _with_entries([r.id for r in gone])
    doomed = [r.id for r in gone if r.id not in entries and not _has_own_entry(r)]
    kept_ids = [r.id for r in gone if r.id in entries or _has_own_entry(r)]
    for part in _chunks(doomed):
        db.session.execute(delete(Lesson).where(Lesson.id.in_(part)).execution_options(synchronize_session=False))
    result.removed = len(doomed)
    # The places the timetable gives that hold no lesson yet (a moved lesson holds its timetable place).
    occupied = {(r.course_id, r.day, r.number) for r in rows if r.id not in doomed}
    matched = {(r.course_id, r.moved_from_day or r.day,
                r.moved_from_number if r.moved_from_number is not None else r.number) for r in rows
               if r.id not in doomed}
    new = sorted(k for k in plan if k not in matched and k not in occupied)
    if new:
        topics = _topics_for(new)
        db.session.execute(insert(Lesson), [
            dict(course_id=c, day=d, number=n, room=plan[(c, d, n)], state="held", version=1, extra=False,
                 topic=topics.get((c, d, n))) for c, d, n in new])
    result.created = len(new)
    db.session.flush()
    if kept_ids:
        result.kept = db.session.scalars(select(Lesson).where(Lesson.id.in_(kept_ids))
                                         .order_by(Lesson.day, Lesson.number)).all()
    return result


def _topics_for(new: list[tuple[int, dt.date, int]]) -> dict[tuple[int, dt.date, int], str]:
    """The thematic plan's topic for each new lesson by its place among the course's lessons of the year (a plan
    item of n hours covers n lessons); cancelled lessons take no place."""
    course_ids = sorted({c for c, _d, _n in new})
    plans: dict[int, list[str]] = defaultdict(list)
    for item in db.session.scalars(select(PlanItem).where(PlanItem.course_id.in_(course_ids))
                                   .order_by(PlanItem.course_id, PlanItem.position)):
        plans[item.course_id].extend([item.topic] * item.hours)
    if not plans:
        return {}
    places: dict[int, list[tuple[dt.date, int, bool]]] = defaultdict(list)
    for c, d, n in new:
        if c in plans:
            places[c].append((d, n, True))
    for c, d, n in db.session.execute(select(Lesson.course_id, Lesson.day, Lesson.number).where(
            Lesson.course_id.in_(list(plans)), Lesson.state != "cancelled")):
        places[c].append((d, n, False))
    out = {}
    for c, items in places.items():
        for position, (d, n, is_new) in enumerate(sorted(items)):
            if is_new and position < len(plans[c]):
                out[(c, d, n)] = plans[c][position]
    return out


def orphans(year_id: int, since: dt.date | None = None) -> list[Lesson]:
    """Lessons the timetable no longer gives but that hold entries (kept by a regeneration): the administrator
    keeps each as an extra lesson or moves it. Reading only."""
    year = db.session.get(AcademicYear, year_id)
    if year is None:
        return []
    courses = db.session.scalars(select(Course).where(Course.year_id == year_id)).all()
    _plan, gone, _rows = _unplanned(courses, since or year.first_day)
    if not gone:
        return []
    return db.session.scalars(select(Lesson).where(Lesson.id.in_([r.id for r in gone]))
                              .order_by(Lesson.day, Lesson.number)).all()


def slots_of_class(school_class: SchoolClass, day: dt.date) -> list[tuple[TimetableSlot, Course]]:
    """The class's timetable in force on `day` (all weeks), its courses' slots with the courses."""
    return db.session.execute(select(TimetableSlot, Course).join(Course, Course.id == TimetableSlot.course_id).where(
        Course.class_id == school_class.id, TimetableSlot.valid_from <= day,
        or_(TimetableSlot.valid_to.is_(None), TimetableSlot.valid_to >= day))
        .order_by(TimetableSlot.weekday, TimetableSlot.lesson_number)).all()
