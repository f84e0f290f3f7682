"""Courses: the curriculum of a class, a course's writes, and the copy of last year's courses into a new year.

Tested without HTTP. Every write checks its actor itself (the administrator only), checks the facts it is given and
raises CourseError with a translated message (the route shows it with 422); every write is audited here. The
database holds the same rules (courses' unique constraint and the partial index for whole-class courses, the hours
CHECK): an IntegrityError from a concurrent writer comes back as the same clear message.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from school import MAX_ID, access, audit
from school.extensions import db
from school.i18n import current_language, sort_key, subgroup_label
from school.models import (AcademicYear, Attendance, Course, Lesson, Mark, MarkChange, PeriodMark, PeriodMarkChange,
                           Person, SchoolClass, StaffRole, Subgroup, Subject, TimetableSlot, User)
from school.models.organisation import ASSESSMENT

HOURS_MIN, HOURS_MAX = Decimal("0.5"), Decimal("20")


class CourseError(ValueError):
    """A change refused, with the message the user reads."""


class NotAllowed(CourseError):
    """The actor may not change courses (the route answers 403)."""


def _id(value) -> int | None:
    """An id as sent, if it can be one (past the database's integer range it is none: never a 500)."""
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None


def _check_actor(actor) -> None:
    if actor is None or not access.is_admin(actor):
        raise NotAllowed(_("Only the administrator of the register changes courses."))


# ---------------------------------------------------------------- reading

def active_teachers() -> list[User]:
    return db.session.scalars(select(User).join(Person, Person.id == User.person_id)
                              .where(User.active, User.id.in_(select(StaffRole.user_id)
                                                              .where(StaffRole.role == "teacher")))
                              .order_by(Person.surname, Person.name, User.id)).all()


def _is_active_teacher(user_id: int | None) -> bool:
    if not _id(user_id):
        return False
    return bool(db.session.scalar(select(exists().where(
        User.id == user_id, User.active, User.id.in_(select(StaffRole.user_id).where(StaffRole.role == "teacher"))))))


def subjects() -> list[Subject]:
    lang = current_language()
    return sorted(db.session.scalars(select(Subject)).all(), key=lambda s: sort_key(s.name(lang), lang))


def classes_of(year_id: int | None) -> list[SchoolClass]:
    if year_id is None:
        return []
    return db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year_id)
                              .order_by(SchoolClass.grade, SchoolClass.letter)).all()


def subgroups_of(klass: SchoolClass) -> list[Subgroup]:
    return db.session.scalars(select(Subgroup).where(Subgroup.class_id == klass.id)
                              .order_by(Subgroup.subject_id, Subgroup.name)).all()


def years() -> list[AcademicYear]:
    return db.session.scalars(select(AcademicYear).order_by(AcademicYear.first_day)).all()


@dataclass
class Curriculum:
    courses: list[Course]
    class_hours: Decimal     # a student's week: whole-class courses plus, per split subject, its longest subgroup
    teacher_hours: Decimal   # every course counted: the hours teachers give the class


def curriculum(klass: SchoolClass) -> Curriculum:
    lang = current_language()
    courses = db.session.scalars(select(Course).where(Course.class_id == klass.id)).unique().all()
    groups = {g.id: g.name for g in subgroups_of(klass)}
    courses.sort(key=lambda c: (sort_key(c.subject.name(lang), lang), c.subgroup_id is not None,
                                sort_key(groups.get(c.subgroup_id, ""), lang)))
    whole = sum((c.hours_per_week for c in courses if c.subgroup_id is None), Decimal(0))
    # A student is in one subgroup of a split subject: the week counts the longest of its subgroups once.
    split: dict[int, Decimal] = defaultdict(Decimal)
    for c in courses:
        if c.subgroup_id is not None:
            split[c.subject_id] = max(split[c.subject_id], c.hours_per_week)
    return Curriculum(courses, whole + sum(split.values(), Decimal(0)),
                      sum((c.hours_per_week for c in courses), Decimal(0)))


def class_totals(year_id: int) -> dict[int, tuple[int, Decimal]]:
    """Per class of the year: (number of courses, teachers' hours per week)."""
    rows = db.session.execute(select(Course.class_id, func.count(Course.id), func.sum(Course.hours_per_week))
                              .where(Course.year_id == year_id).group_by(Course.class_id)).all()
    return {class_id: (n, Decimal(hours or 0)) for class_id, n, hours in rows}


@dataclass
class Entries:
    marks: int = 0
    attendance: int = 0
    topics: int = 0          # lessons with a topic or homework entered
    period_marks: int = 0

    @property
    def any(self) -> bool:
        return bool(self.marks or self.attendance or self.topics or self.period_marks)


def entries(course: Course) -> Entries:
    """What the register holds for the course: a course with entries is part of the legal record."""
    lessons = select(Lesson.id).where(Lesson.course_id == course.id).scalar_subquery()
    marks, attendance, topics, period_marks, changes = db.session.execute(select(
        select(func.count(Mark.id)).where(Mark.lesson_id.in_(lessons)).scalar_subquery(),
        select(func.count(Attendance.id)).where(Attendance.lesson_id.in_(lessons)).scalar_subquery(),
        select(func.count(Lesson.id)).where(Lesson.course_id == course.id,
                                            (Lesson.topic.is_not(None) & (Lesson.topic != ""))
                                            | (Lesson.homework.is_not(None) & (Lesson.homework != ""))
                                            ).scalar_subquery(),
        select(func.count(PeriodMark.id)).where(PeriodMark.course_id == course.id).scalar_subquery(),
        # a mark given and removed again leaves its change in the log: that log is part of the record too
        (select(func.count(MarkChange.id)).where(MarkChange.lesson_id.in_(lessons)).scalar_subquery()
         + select(func.count(PeriodMarkChange.id)).where(PeriodMarkChange.course_id == course.id)
         .scalar_subquery()))).one()
    return Entries(marks + changes, attendance, topics, period_marks)


def lesson_count(course: Course) -> int:
    return db.session.scalar(select(func.count(Lesson.id)).where(Lesson.course_id == course.id)) or 0


# ---------------------------------------------------------------- writing one course

@dataclass
class CourseData:
    subject_id: int
    teacher_id: int
    class_id: int
    subgroup_id: int | None
    hours_per_week: Decimal
    attested: bool = True
    assessment: str = "scale"


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        hours = None
    if hours is None or not hours.is_finite() or not HOURS_MIN <= hours <= HOURS_MAX or hours != round(hours, 1):
        raise CourseError(_("Hours per week are a number from 0.5 to 20 (one decimal)."))
    return hours


def label(course_id: int, klass: SchoolClass, subject: Subject, group: Subgroup | None) -> str:
    return f"course {course_id} {klass.label} {subject.short}" + (f" / {group.name}" if group else "")


def course_label(course: Course) -> str:
    return label(course.id, course.school_class, course.subject, course.subgroup)


def _duplicate_message(klass: SchoolClass, subject: Subject, group: Subgroup | None) -> str:
    name = subject.name(current_language())
    if group is None:
        return _("Class %(label)s already has a whole-class course of %(subject)s.", label=klass.label, subject=name)
    return _("Class %(label)s already has a course of %(subject)s for the subgroup %(group)s.",
             label=klass.label, subject=name, group=group.name)


def _duplicate(year_id: int, class_id: int, subject_id: int, subgroup_id: int | None, except_id: int | None) -> bool:
    stmt = select(Course.id).where(Course.year_id == year_id, Course.class_id == class_id,
                                   Course.subject_id == subject_id,
                                   Course.subgroup_id.is_(None) if subgroup_id is None
                                   else Course.subgroup_id == subgroup_id)
    if except_id:
        stmt = stmt.where(Course.id != except_id)
    return db.session.scalar(stmt.limit(1)) is not None


def save_course(actor, course: Course | None, data: CourseData) -> Course:
    """Add a course (course None) or change one. The teacher of a course with lessons may change: the lessons stay
    the course's. Class, subject and subgroup of a course with entries stay: its marks belong to them."""
    _check_actor(actor)
    subject = db.session.get(Subject, data.subject_id) if _id(data.subject_id) else None
    klass = db.session.get(SchoolClass, data.class_id) if _id(data.class_id) else None
    if subject is None:
        raise CourseError(_("Choose a subject from the list."))
    if klass is None:
        raise CourseError(_("Choose a class from the list."))
    if klass.year.closed_at is not None:
        raise CourseError(_("The year %(name)s is closed: its courses no longer change.", name=klass.year.name))
    group = None
    if data.subgroup_id:
        group = db.session.get(Subgroup, data.subgroup_id) if _id(data.subgroup_id) else None
        if group is None or group.class_id != klass.id or group.subject_id != subject.id:
            raise CourseError(_("The subgroup must be a subgroup of class %(label)s for %(subject)s.",
                                label=klass.label, subject=subject.name(current_language())))
    keeps_teacher = course is not None and course.teacher_id == data.teacher_id
    if not keeps_teacher and not _is_active_teacher(data.teacher_id):
        raise CourseError(_("Choose the teacher from the list of active teachers."))
    if data.assessment not in ASSESSMENT:
        raise CourseError(_("Choose how the course is assessed from the list."))
    hours = _hours(data.hours_per_week)
    if course is not None and (course.class_id, course.subject_id, course.subgroup_id) != (
            klass.id, subject.id, group.id if group else None) and entries(course).any:
        raise CourseError(_("The course already has entries in the register: its class, subject and subgroup stay "
                            "as they are. Its teacher, hours and assessment may change."))
    if _duplicate(klass.year_id, klass.id, subject.id, group.id if group else None, course.id if course else None):
        raise CourseError(_duplicate_message(klass, subject, group))
    values = dict(year_id=klass.year_id, subject_id=subject.id, teacher_id=data.teacher_id, class_id=klass.id,
                  subgroup_id=group.id if group else None, hours_per_week=hours, attested=bool(data.attested),
                  assessment=data.assessment)
    created = course is None
    if created:
        course = Course(**values)
        db.session.add(course)
        changes = [f"{k}: {v}" for k, v in values.items()]
    else:
        changes = []
        for key, new in values.items():
            old = getattr(course, key)
            if old != new:
                changes.append(f"{key}: {'' if old is None else old} → {'' if new is None else new}")
                setattr(course, key, new)
    try:
        db.session.flush()
    except IntegrityError:  # another administrator saved the same course a moment ago
        db.session.rollback()
        raise CourseError(_duplicate_message(klass, subject, group)) from None
    if created:
        audit.record("course_added", label(course.id, klass, subject, group), "; ".join(changes))
    elif changes:
        audit.record("course_edited", label(course.id, klass, subject, group), "; ".join(changes))
    db.session.expire(course, ["school_class", "subject", "subgroup"])
    return course


def delete_course(actor, course: Course) -> None:
    """Only a course whose lessons hold nothing: its empty lessons and timetable slots go with it."""
    _check_actor(actor)
    held = entries(course)
    if held.any:
        parts = []
        if held.marks:
            parts.append(_("marks: %(num)d", num=held.marks))
        if held.attendance:
            parts.append(_("attendance entries: %(num)d", num=held.attendance))
        if held.topics:
            parts.append(_("lessons with a topic or homework: %(num)d", num=held.topics))
        if held.period_marks:
            parts.append(_("period marks: %(num)d", num=held.period_marks))
        raise CourseError(_("The course cannot be deleted: the register holds its entries (%(entries)s).",
                            entries="; ".join(parts)))
    lessons = lesson_count(course)
    slots = db.session.scalar(select(func.count(TimetableSlot.id)).where(TimetableSlot.course_id == course.id)) or 0
    audit.record("course_deleted", course_label(course),
                 f"teacher {course.teacher_id}; hours {course.hours_per_week}; empty lessons {lessons}; "
                 f"timetable slots {slots}")
    # lessons, slots, plan items and unlocks go by their foreign keys' ON DELETE CASCADE
    db.session.delete(course)
    db.session.flush()


# ---------------------------------------------------------------- copying last year's courses

NEW, PRESENT, SKIPPED = "new", "present", "skipped"


@dataclass
class CopyRow:
    source: Course
    state: str
    target_class: SchoolClass | None = None
    target_subgroup: Subgroup | None = None
    teacher_id: int | None = None     # pre-selected: last year's teacher while they are an active teacher
    reason: str = ""


@dataclass
class CopyPlan:
    source: AcademicYear
    target: AcademicYear
    rows: list[CopyRow] = field(default_factory=list)
    skipped_classes: list[SchoolClass] = field(default_factory=list)

    def of(self, state: str) -> list[CopyRow]:
        return [r for r in self.rows if r.state == state]


def plan_copy(source: AcademicYear, target: AcademicYear) -> CopyPlan:
    """Each course of the source year, mapped to the class one grade up with the same letter in the target year
    (5-А → 6-А): new, already present (left as it is) or skipped with the reason. Reads only."""
    if source.id == target.id:
        raise CourseError(_("Choose two different years: the courses are copied from one year into another."))
    targets = {(c.grade, c.letter): c for c in classes_of(target.id)}
    if not targets:
        raise CourseError(_("The year %(name)s has no classes yet: add its classes first.", name=target.name))
    groups = defaultdict(dict)
    for g in db.session.scalars(select(Subgroup).where(Subgroup.class_id.in_([c.id for c in targets.values()]))):
        groups[g.class_id][(g.subject_id, g.name)] = g
    present = {(c.class_id, c.subject_id, c.subgroup_id)
               for c in db.session.scalars(select(Course).where(Course.year_id == target.id)).unique()}
    teachers = {u.id for u in active_teachers()}
    lang = current_language()
    plan = CopyPlan(source, target)
    courses = db.session.scalars(select(Course).where(Course.year_id == source.id)).unique().all()
    courses.sort(key=lambda c: (c.school_class.grade, c.school_class.letter, sort_key(c.subject.name(lang), lang),
                                c.subgroup.name if c.subgroup_id else ""))
    for klass in classes_of(source.id):
        if (klass.grade + 1, klass.letter) not in targets:
            plan.skipped_classes.append(klass)
    for course in courses:
        klass = course.school_class
        target_class = targets.get((klass.grade + 1, klass.letter))
        if target_class is None:
            continue  # listed once among the skipped classes
        group = None
        if course.subgroup_id is not None:
            group = groups[target_class.id].get((course.subject_id, course.subgroup.name))
            if group is None:
                plan.rows.append(CopyRow(course, SKIPPED, target_class, reason=_(
                    "Class %(label)s has no subgroup %(group)s for this subject: add it on the class's page, "
                    "then copy again.", label=target_class.label, group=subgroup_label(course.subgroup.name))))
                continue
        key = (target_class.id, course.subject_id, group.id if group else None)
        state = PRESENT if key in present else NEW
        plan.rows.append(CopyRow(course, state, target_class, group,
                                 course.teacher_id if course.teacher_id in teachers else None))
    return plan


def copy_courses(actor, source: AcademicYear, target: AcademicYear, teachers: dict[int, int | None]) -> list[Course]:
    """Write the plan's new courses, each with the teacher the administrator confirmed (teachers: source course id →
    teacher id; a row not in it keeps its pre-selected teacher). All of them or none; a second run creates nothing."""
    _check_actor(actor)
    if target.closed_at is not None:
        raise CourseError(_("The year %(name)s is closed: its courses no longer change.", name=target.name))
    plan = plan_copy(source, target)
    rows = plan.of(NEW)
    missing = []
    for row in rows:
        if row.source.id in teachers:
            row.teacher_id = teachers[row.source.id]
        if not _is_active_teacher(row.teacher_id):
            missing.append(f"{row.target_class.label} {row.source.subject.name(current_language())}")
    if missing:
        raise CourseError(_("Choose an active teacher for every course to be created: %(courses)s.",
                            courses=", ".join(missing)))
    created = []
    for row in rows:
        s = row.source
        course = Course(year_id=target.id, subject_id=s.subject_id, teacher_id=row.teacher_id,
                        class_id=row.target_class.id, subgroup_id=row.target_subgroup.id if row.target_subgroup else None,
                        hours_per_week=s.hours_per_week, attested=s.attested, assessment=s.assessment)
        db.session.add(course)
        created.append((row, course))
    try:
        db.session.flush()
    except IntegrityError:  # another administrator copied (or added) the same courses a moment ago
        db.session.rollback()
        raise CourseError(_("Some of these courses were added meanwhile by someone else. Nothing was copied: "
                            "look at the preview again.")) from None
    for row, course in created:
        audit.record("course_copied", label(course.id, row.target_class, row.source.subject, row.target_subgroup),
                     f"from course {row.source.id} ({source.name}); "
                     f"teacher {course.teacher_id}; hours {course.hours_per_week}")
    return [c for _row, c in created]
