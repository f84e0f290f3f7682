"""Changes of the timetable for a date (замены, переносы): a lesson moved to another day or lesson number, a lesson
cancelled (and restored), an extra lesson, each with its reason, recorded by the administrator or the deputy and
logged in lesson_changes. Substitutions are register.lessons.set_substitute. Every change is a compare-and-set on
the lesson's version, so a teacher's tablet holding the old header gets a conflict, never an overwrite."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from school import access, audit, clock
from school.extensions import db
from school.models import (Attendance, Course, Holiday, Lesson, LessonChange, Mark, Period, User)
from school.register import rules
from school.register.errors import Conflict, NotFound, RegisterError
from school.register.timetable import NUMBERS, course_label, planned

REASON_MAX = 300


def _check(actor: User, lesson_or_course) -> None:
    if not access.may_assign_substitutes(actor):
        raise NotFound()
    course = lesson_or_course if isinstance(lesson_or_course, Course) else lesson_or_course.course
    closed = rules.year_closed_refusal(course)
    if closed:
        raise RegisterError(closed)


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RegisterError(_("Give the reason of the change."))
    if len(reason) > REASON_MAX:
        raise RegisterError(_("The reason is too long: at most %(n)d characters.", n=REASON_MAX))
    return reason


def _has_marks_or_attendance(lesson: Lesson) -> bool:
    return bool(db.session.scalar(select(exists().where(Mark.lesson_id == lesson.id)
                                         | exists().where(Attendance.lesson_id == lesson.id))))


def school_day_refusal(course: Course, day: dt.date) -> str | None:
    """None when the class is taught on that day (in one of its periods, not in a holiday)."""
    klass = course.school_class
    in_term = db.session.scalar(select(exists().where(
        Period.year_id == course.year_id, Period.scheme == klass.period_scheme, Period.first_day <= day,
        Period.last_day >= day)))
    if not in_term:
        return _("The class has no lessons on this date: it is outside its periods.")
    if db.session.scalar(select(exists().where(Holiday.year_id == course.year_id, Holiday.first_day <= day,
                                               Holiday.last_day >= day))):
        return _("This date is in the holidays.")
    return None


def busy_refusal(course: Course, day: dt.date, number: int, teacher_id: int, ignore: int | None = None) -> str | None:
    """None when the course's teacher (or the substitute) and its class (or subgroup) are free at that time."""
    others = db.session.execute(select(Lesson, Course).join(Course, Course.id == Lesson.course_id).where(
        Lesson.day == day, Lesson.number == number, Lesson.state == "held", Lesson.id != (ignore or 0),
        or_(Course.teacher_id == teacher_id, Lesson.substitute_id == teacher_id, Course.class_id == course.class_id)
    )).all()
    for les, other in others:
        if other.id == course.id:
            return _("This course already has a lesson at this time.")
        if other.teacher_id == teacher_id or les.substitute_id == teacher_id:
            return _("The teacher already has a lesson at this time: %(lesson)s.", lesson=course_label(other))
        if other.subgroup_id is None or course.subgroup_id is None or other.subgroup_id == course.subgroup_id:
            return _("The class already has a lesson at this time: %(lesson)s.", lesson=course_label(other))
    return None


def _log(actor: User, lesson: Lesson, kind: str, reason: str, **values) -> None:
    db.session.add(LessonChange(lesson_id=lesson.id, kind=kind, reason=reason, changed_by=actor.id,
                                changed_at=clock.now(), **values))


def _cas(lesson: Lesson, version: int, **values) -> None:
    try:
        result = db.session.execute(update(Lesson).where(Lesson.id == lesson.id, Lesson.version == version)
                                    .values(**values, version=Lesson.version + 1)
                                    .execution_options(synchronize_session=False))
    except IntegrityError:      # the course's place is taken (by a cancelled lesson of it, say)
        db.session.rollback()
        raise RegisterError(_("This course already has a lesson at this time."))
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(_("Someone else changed this lesson in the meantime. Look at it again."))


def move(actor: User, lesson: Lesson, day: dt.date, number: int, reason: str, version: int) -> Lesson:
    """Move a lesson to another day or lesson number. A lesson with marks or attendance stays where it was held."""
    _check(actor, lesson)
    reason = _reason(reason)
    course = lesson.course
    if number not in NUMBERS:
        raise RegisterError(_("Choose a lesson number from 0 to 12."))
    if (day, number) == (lesson.day, lesson.number):
        raise RegisterError(_("The lesson is already at this time."))
    if lesson.state != "held":
        raise RegisterError(_("A cancelled lesson is not moved: restore it first."))
    if _has_marks_or_attendance(lesson):
        raise RegisterError(_("This lesson has marks or attendance: it was held and cannot be moved."))
    refusal = school_day_refusal(course, day) or busy_refusal(
        course, day, number, lesson.substitute_id or course.teacher_id, ignore=lesson.id)
    if refusal:
        raise RegisterError(refusal)
    from_day, from_number = lesson.day, lesson.number
    values = dict(day=day, number=number)
    if not lesson.extra:
        place_day = lesson.moved_from_day or from_day
        place_number = lesson.moved_from_number if lesson.moved_from_number is not None else from_number
        if (course.id, place_day, place_number) not in planned([course], place_day, place_day):
            values.update(extra=True)   # the timetable no longer gives it (an orphan): moved, it is an extra lesson
        elif lesson.moved_from_day is None:
            values.update(moved_from_day=from_day, moved_from_number=from_number)
    _cas(lesson, version, **values)
    _log(actor, lesson, "moved", reason, day=day, number=number, from_day=from_day, from_number=from_number)
    audit.record("lesson.move", f"lesson:{lesson.id}", f"{from_day}/{from_number} → {day}/{number}: {reason[:200]}",
                 user_id=actor.id)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("This course already has a lesson at this time."))
    db.session.refresh(lesson)
    return lesson


def cancel(actor: User, lesson: Lesson, reason: str, version: int) -> Lesson:
    _check(actor, lesson)
    reason = _reason(reason)
    if lesson.state == "cancelled":
        return lesson
    if _has_marks_or_attendance(lesson):
        raise RegisterError(_("This lesson has marks or attendance: remove them before cancelling it."))
    _cas(lesson, version, state="cancelled")
    _log(actor, lesson, "cancelled", reason, day=lesson.day, number=lesson.number)
    audit.record("lesson.cancel", f"lesson:{lesson.id}", reason[:200], user_id=actor.id)
    db.session.commit()
    db.session.refresh(lesson)
    return lesson


def restore(actor: User, lesson: Lesson, reason: str, version: int) -> Lesson:
    _check(actor, lesson)
    reason = _reason(reason)
    if lesson.state != "cancelled":
        return lesson
    refusal = busy_refusal(lesson.course, lesson.day, lesson.number,
                           lesson.substitute_id or lesson.course.teacher_id, ignore=lesson.id)
    if refusal:
        raise RegisterError(refusal)
    _cas(lesson, version, state="held")
    _log(actor, lesson, "restored", reason, day=lesson.day, number=lesson.number)
    audit.record("lesson.restore", f"lesson:{lesson.id}", reason[:200], user_id=actor.id)
    db.session.commit()
    db.session.refresh(lesson)
    return lesson


def add_extra(actor: User, course: Course, day: dt.date, number: int, reason: str,
              room: str | None = None) -> Lesson:
    """An extra lesson of a course (one the timetable does not give); regenerating never removes it."""
    _check(actor, course)
    reason = _reason(reason)
    if number not in NUMBERS:
        raise RegisterError(_("Choose a lesson number from 0 to 12."))
    room = (room or "").strip() or None
    if room is not None and len(room) > 20:
        raise RegisterError(_("The room is too long: at most %(n)d characters.", n=20))
    refusal = school_day_refusal(course, day) or busy_refusal(course, day, number, course.teacher_id)
    if refusal:
        raise RegisterError(refusal)
    lesson = Lesson(course_id=course.id, day=day, number=number, state="held", extra=True, room=room)
    db.session.add(lesson)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("This course already has a lesson at this time."))
    _log(actor, lesson, "extra", reason, day=day, number=number)
    audit.record("lesson.extra", f"lesson:{lesson.id}", reason[:200], user_id=actor.id)
    db.session.commit()
    return lesson


def keep(actor: User, lesson: Lesson, version: int) -> Lesson:
    """Keep a lesson the timetable no longer gives (it holds entries) as an extra lesson."""
    _check(actor, lesson)
    if lesson.extra:
        return lesson
    _cas(lesson, version, extra=True)
    _log(actor, lesson, "extra", _("Kept after the timetable changed."), day=lesson.day, number=lesson.number)
    audit.record("lesson.keep", f"lesson:{lesson.id}", None, user_id=actor.id)
    db.session.commit()
    db.session.refresh(lesson)
    return lesson


def of_day(day: dt.date, class_ids: list[int] | None = None) -> list[tuple[LessonChange, Lesson]]:
    """The changes that concern a date: lessons moved to or from it, cancelled, extra or substituted on it."""
    query = select(LessonChange, Lesson).join(Lesson, Lesson.id == LessonChange.lesson_id).where(
        or_(LessonChange.day == day, LessonChange.from_day == day))
    if class_ids is not None:
        query = query.join(Course, Course.id == Lesson.course_id).where(Course.class_id.in_(class_ids or [0]))
    return db.session.execute(query.order_by(Lesson.number, LessonChange.changed_at)).all()


def history(lesson: Lesson) -> list[LessonChange]:
    return db.session.scalars(select(LessonChange).where(LessonChange.lesson_id == lesson.id)
                              .order_by(LessonChange.changed_at, LessonChange.id)).all()
