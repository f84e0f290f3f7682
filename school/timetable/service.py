"""What the timetable's pages show: a week as a table (lesson numbers with their bells × weekdays), for a class, a
teacher or a room, as the timetable stands on a date; who may read which; what a half-set-up school still lacks.
Writing is school.register.timetable's (place, remove, generate) and school.register.changes' (keep, move); the
one write here, `join`, gives an existing slot the key of a joint lesson, checked like them."""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from markupsafe import Markup
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from school import access, audit, clock, queries
from school.extensions import db
from school.i18n import by_subject, current_language, sort_key
from school.models import (AcademicYear, Attendance, BellTime, Course, Lesson, LessonChange, Mark, Person, SchoolClass,
                           Subject, TimetableSlot, User)
from school.register.errors import NotFound, RegisterError
from school.register.timetable import check_actor

WORKDAYS = (1, 2, 3, 4, 5)


# -- dates ----------------------------------------------------------------------------------------------------------
def default_day(year: AcademicYear) -> dt.date:
    """Today inside the year, else the year's nearer end."""
    return min(max(clock.today(), year.first_day), year.last_day)


def parse_day(value: str | None, year: AcademicYear) -> dt.date:
    """?day=YYYY-MM-DD, kept inside the year; anything else is the default day."""
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return default_day(year)
    return min(max(day, year.first_day), year.last_day)


def default_from(year: AcademicYear) -> dt.date:
    """The date a change starts from unless the administrator says otherwise: today once the year has begun, else
    its first day."""
    return default_day(year)


# -- who reads ------------------------------------------------------------------------------------------------------
def teaches_in(user: User, klass: SchoolClass) -> bool:
    return bool(db.session.scalar(select(exists().where(Course.class_id == klass.id, Course.teacher_id == user.id))))


def may_read_class(user: User, klass: SchoolClass) -> bool:
    """The administration every class; a teacher the classes they teach or lead."""
    return access.reads_everything(user) or klass.class_teacher_id == user.id or teaches_in(user, klass)


def may_read_teacher(user: User, teacher_id: int) -> bool:
    return access.reads_everything(user) or user.id == teacher_id


def may_read_rooms(user: User) -> bool:
    return access.reads_everything(user)


def is_reader(user: User) -> bool:
    """Staff who teach or lead the administration; families and the secretary read their timetable elsewhere."""
    return bool(access.user_roles(user) & (access.ADMINISTRATION | {"teacher", "class_teacher"}))


# -- what is missing --------------------------------------------------------------------------------------------------
@dataclass
class Missing:
    message: str
    url: str | None


def _first_url(*endpoints: str) -> str | None:
    from flask import url_for
    for e in endpoints:
        if e in current_app.view_functions:
            return url_for(e)
    return None


def courses_url() -> str | None:
    return _first_url("admin.courses", "admin.list_courses", "admin.setup")


def missing(year: AcademicYear | None, klass: SchoolClass | None = None) -> list[Missing]:
    """What the timetable needs that the school has not set up yet, each with where to set it."""
    setup = _first_url("admin.setup")
    if year is None:
        return [Missing(_("There is no current school year: set up the year, its periods and bell times first."),
                        setup)]
    out = []
    if not db.session.scalar(select(exists().where(BellTime.id.is_not(None)))):
        out.append(Missing(_("There are no bell times: set them in the year's settings."),
                           _first_url("admin.setup_year", "admin.setup")))
    if klass is None:
        if not db.session.scalar(select(exists().where(SchoolClass.year_id == year.id))):
            out.append(Missing(_("The year has no classes yet."), _first_url("people.list_classes", "admin.setup")))
        elif not db.session.scalar(select(exists().where(Course.year_id == year.id))):
            out.append(Missing(_("The year has no courses yet: a course is a subject, its teacher and its class."),
                               courses_url()))
    elif not db.session.scalar(select(exists().where(Course.class_id == klass.id))):
        out.append(Missing(_("This class has no courses yet: a course is a subject, its teacher and its class."),
                           courses_url()))
    return out


# -- the week as a table ----------------------------------------------------------------------------------------------
@dataclass
class Entry:
    slot: TimetableSlot
    course: Course
    joint_with: list[str] = field(default_factory=list)     # the other classes of a joint lesson


@dataclass
class Week:
    day: dt.date
    weekdays: list[int]
    numbers: list[int]
    bells: dict[int, BellTime]
    cells: dict[tuple[int, int], list[Entry]]
    changes: list[dt.date]        # the dates the timetable shown changes on (to browse to)

    def entries(self, weekday: int, number: int) -> list[Entry]:
        return self.cells.get((weekday, number), [])


def _in_force(day: dt.date):
    return [TimetableSlot.valid_from <= day, or_(TimetableSlot.valid_to.is_(None), TimetableSlot.valid_to >= day)]


def _slots(year_id: int, day: dt.date, *where) -> list[tuple[TimetableSlot, Course]]:
    return db.session.execute(
        select(TimetableSlot, Course).join(Course, Course.id == TimetableSlot.course_id)
        .options(joinedload(Course.teacher).joinedload(User.person), joinedload(Course.subgroup))
        .where(Course.year_id == year_id, *_in_force(day), *where)
        .order_by(TimetableSlot.weekday, TimetableSlot.lesson_number, TimetableSlot.weeks, Course.id)).all()


def _change_dates(year: AcademicYear, *where) -> list[dt.date]:
    """The days the shown timetable changes on: each slot's first day and the day after its last."""
    rows = db.session.execute(select(TimetableSlot.valid_from, TimetableSlot.valid_to)
                              .join(Course, Course.id == TimetableSlot.course_id)
                              .where(Course.year_id == year.id, *where)).all()
    days = {year.first_day}
    for first, last in rows:
        days.add(first)
        if last is not None:
            days.add(last + dt.timedelta(days=1))
    return sorted(d for d in days if year.first_day <= d <= year.last_day)


def week(year: AcademicYear, day: dt.date, *where, saturday: bool = False) -> Week:
    rows = _slots(year.id, day, *where)
    bells = queries.bells()
    cells: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    keys = set()
    for slot, course in rows:
        cells[(slot.weekday, slot.lesson_number)].append(Entry(slot, course))
        if slot.joint:
            keys.add(slot.joint)
    if keys:      # the other courses of each joint lesson, by class
        partners = defaultdict(set)
        for slot, course in _slots(year.id, day, TimetableSlot.joint.in_(sorted(keys))):
            partners[(slot.joint, slot.weekday, slot.lesson_number)].add((course.id, course.school_class.label))
        for entries in cells.values():
            for e in entries:
                if e.slot.joint:
                    e.joint_with = sorted({label for cid, label in partners[(e.slot.joint, e.slot.weekday,
                                                                             e.slot.lesson_number)]
                                           if cid != e.course.id})
    used_days = {wd for wd, _n in cells}
    saturday = saturday or 6 in used_days or db.session.scalar(select(exists().where(
        TimetableSlot.weekday == 6, TimetableSlot.course_id.in_(select(Course.id).where(Course.year_id == year.id)))))
    weekdays = [*WORKDAYS, *([6] if saturday else []), *([7] if 7 in used_days else [])]
    numbers = sorted(set(bells) | {n for _wd, n in cells})
    return Week(day, weekdays, numbers, bells, dict(cells), _change_dates(year, *where))


def class_week(klass: SchoolClass, day: dt.date, saturday: bool = False) -> Week:
    return week(klass.year, day, Course.class_id == klass.id, saturday=saturday)


def teacher_week(year: AcademicYear, teacher: User, day: dt.date) -> Week:
    return week(year, day, Course.teacher_id == teacher.id)


def room_week(year: AcademicYear, room: str, day: dt.date) -> Week:
    wanted = room.strip().casefold()
    ids = [sid for sid, r in db.session.execute(
        select(TimetableSlot.id, TimetableSlot.room).join(Course, Course.id == TimetableSlot.course_id)
        .where(Course.year_id == year.id, TimetableSlot.room.is_not(None))) if (r or "").strip().casefold() == wanted]
    return week(year, day, TimetableSlot.id.in_(ids or [0]))


def weekday_names(day: dt.date, weekdays: list[int]) -> dict[int, str]:
    """Each weekday's name in the reader's language (from a date of that weekday)."""
    from flask_babel import format_date
    start = day - dt.timedelta(days=day.isoweekday() - 1)
    return {wd: format_date(start + dt.timedelta(days=wd - 1), "EEEE").capitalize() for wd in weekdays}


# -- lists for the index and the editor ---------------------------------------------------------------------------------
def classes_for(user: User, year_id: int) -> list[SchoolClass]:
    query = select(SchoolClass).where(SchoolClass.year_id == year_id).order_by(SchoolClass.grade, SchoolClass.letter)
    if not access.reads_everything(user):
        query = query.where(or_(SchoolClass.class_teacher_id == user.id, SchoolClass.id.in_(
            select(Course.class_id).where(Course.teacher_id == user.id, Course.year_id == year_id))))
    return db.session.scalars(query).all()


def teachers_for(user: User, year_id: int) -> list[User]:
    if not access.reads_everything(user):
        return [user]
    teachers = db.session.scalars(select(User).options(joinedload(User.person)).where(
        User.id.in_(select(Course.teacher_id).where(Course.year_id == year_id)))).all()
    lang = current_language()
    return sorted(teachers, key=lambda u: sort_key(u.person.full_name, lang))


def rooms_of(year_id: int) -> list[str]:
    rooms: dict[str, str] = {}
    for (room,) in db.session.execute(select(TimetableSlot.room).join(Course, Course.id == TimetableSlot.course_id)
                                      .where(Course.year_id == year_id, TimetableSlot.room.is_not(None)).distinct()):
        rooms.setdefault(room.strip().casefold(), room.strip())
    return sorted(rooms.values(), key=lambda r: (len(r), r) if r.isdigit() else (99, r.casefold()))


def class_courses(klass: SchoolClass) -> list[Course]:
    courses = db.session.scalars(select(Course).options(joinedload(Course.teacher).joinedload(User.person),
                                                        joinedload(Course.subgroup))
                                 .where(Course.class_id == klass.id)).all()
    return sorted(by_subject(courses), key=lambda c: (sort_key(c.subject.name(current_language()),
                                                               current_language()), c.subgroup_id or 0))


def course_choice(course: Course) -> str:
    from school.i18n import subgroup_label
    label = course.subject.name(current_language())
    if course.subgroup is not None:
        label += f" ({subgroup_label(course.subgroup.name)})"
    return f"{label} — {course.teacher.person.short_name}"


def joint_choices(klass: SchoolClass, day: dt.date, courses: list[Course]) -> dict[tuple[int, int], list[tuple[int, str]]]:
    """For each cell, the other classes' lessons at that time that may make a joint lesson with one of this class's
    courses: a lesson of one of its teachers (a subgroup of pupils of two classes), or one of its subjects in a
    parallel class (two classes' physical education)."""
    out: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
    if not courses:
        return out
    lang = current_language()
    subjects = sorted({c.subject_id for c in courses})
    teachers = sorted({c.teacher_id for c in courses})
    grade = select(SchoolClass.id).where(SchoolClass.year_id == klass.year_id, SchoolClass.grade == klass.grade)
    Teacher = aliased(Person)
    rows = db.session.execute(
        select(TimetableSlot.id, TimetableSlot.weekday, TimetableSlot.lesson_number, TimetableSlot.weeks,
               Subject.name_ru, getattr(Subject, f"name_{lang}"), SchoolClass.grade, SchoolClass.letter,
               Teacher.surname, Teacher.name, Teacher.patronymic)
        .join(Course, Course.id == TimetableSlot.course_id).join(Subject, Subject.id == Course.subject_id)
        .join(SchoolClass, SchoolClass.id == Course.class_id).join(User, User.id == Course.teacher_id)
        .join(Teacher, Teacher.id == User.person_id)
        .where(Course.year_id == klass.year_id, *_in_force(day), Course.class_id != klass.id,
               or_(Course.teacher_id.in_(teachers), and_(Course.subject_id.in_(subjects), Course.class_id.in_(grade))))
        .order_by(TimetableSlot.weekday, TimetableSlot.lesson_number, SchoolClass.grade, SchoolClass.letter)).all()
    week_names = {"A": _("week A"), "B": _("week B")}
    for sid, wd, n, weeks, name_ru, name, grade_, letter, surname, first, patronymic in rows:
        who = f"{surname} {''.join(f'{p[0]}.' for p in (first, patronymic) if p)}".strip()   # Person.short_name
        label = f"{name or name_ru} ({grade_}-{letter}) — {who}"
        if weeks != "every":
            label += " · " + week_names[weeks]
        out[(wd, n)].append((sid, label))
    return out


def options(choices) -> Markup:
    """<option>s rendered once for every cell's select (the first one chosen)."""
    return Markup("").join(Markup('<option value="{}"{}>{}</option>').format(value, Markup(" selected") if i == 0
                                                                              else "", label)
                           for i, (value, label) in enumerate(choices))


# -- joint lessons --------------------------------------------------------------------------------------------------
def joint_key(actor: User, course: Course, weekday: int, number: int, other_id: int) -> str:
    """The key of the joint lesson the new slot makes with another class's slot at the same time: the other slot's
    own key, else a new one given to it now (in the caller's transaction: the editor's save commits it with the
    new slot, or rolls both back)."""
    check_actor(actor)
    other = db.session.get(TimetableSlot, other_id)
    if (other is None or other.course.year_id != course.year_id or other.course_id == course.id
            or (other.weekday, other.lesson_number) != (weekday, number)):
        raise RegisterError(_("Choose a lesson at the same time for the joint lesson."))
    if other.joint:
        return other.joint
    other.joint = f"slot-{other.id}"
    audit.record("timetable.joint", f"timetable_slot:{other.id}",
                 json.dumps({"joint": other.joint}, ensure_ascii=False), user_id=actor.id if actor else None)
    return other.joint


# -- lessons the timetable no longer gives ----------------------------------------------------------------------------
@dataclass
class Held:
    lesson: Lesson
    marks: int
    attendance: int
    changes: int


def holdings(lessons: list[Lesson]) -> list[Held]:
    """What each lesson holds (marks, attendance, changes by the administration), for the orphans' list."""
    ids = [les.id for les in lessons] or [0]
    counts = {}
    for model in (Mark, Attendance, LessonChange):
        counts[model] = dict(db.session.execute(select(model.lesson_id, func.count()).where(
            model.lesson_id.in_(ids)).group_by(model.lesson_id)).all())
    return [Held(les, counts[Mark].get(les.id, 0), counts[Attendance].get(les.id, 0),
                 counts[LessonChange].get(les.id, 0)) for les in lessons]


def orphan_or_404(lesson_id: int, year_id: int) -> Lesson:
    """A lesson the timetable no longer gives (one of timetable.orphans, checked for this lesson alone: not an
    extra lesson, and its timetable place is not among the places the timetable gives on that day)."""
    from school.register.timetable import planned
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.course.year_id != year_id or lesson.extra:
        raise NotFound()
    day = lesson.moved_from_day or lesson.day
    number = lesson.moved_from_number if lesson.moved_from_number is not None else lesson.number
    if (lesson.course_id, day, number) in planned([lesson.course], day, day):
        raise NotFound()
    return lesson
