"""Lessons: created from the timetable by a saved action (never by viewing a page), the lesson header (topic,
homework, kind of work, state) and substitutions, which are the administration's."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from school import access, audit, clock
from school.extensions import db
from school.models import (Attendance, Course, Holiday, Lesson, LessonChange, Mark, Person, PlanItem, StaffRole,
                           TimetableSlot, User)
from school.models.register import HOMEWORK_MAX, TOPIC_MAX
from school.register import calendar, rules, scales
from school.register.errors import Conflict, Forbidden, NotFound, RegisterError


def timetabled_days(course: Course, last: dt.date) -> list[tuple[dt.date, int, int]]:
    """(day, lesson number, place in the year) of every timetabled lesson of the course from the year's first
    school day to `last`, on school days of the class's periods (never in holidays or the summer)."""
    slots = sorted(db.session.scalars(select(TimetableSlot).where(TimetableSlot.course_id == course.id)).all(),
                   key=lambda s: s.lesson_number)
    periods = calendar.periods_of(course.school_class)
    if not slots or not periods:
        return []
    holidays = db.session.execute(select(Holiday.first_day, Holiday.last_day).where(
        Holiday.year_id == course.year_id)).all()
    out, day, position = [], periods[0].first_day, 0
    while day <= last:
        if any(p.first_day <= day <= p.last_day for p in periods) and not any(a <= day <= b for a, b in holidays):
            for slot in slots:
                if slot.weekday == day.isoweekday() and slot.valid_from <= day and (
                        slot.valid_to is None or day <= slot.valid_to):
                    out.append((day, slot.lesson_number, position))
                    position += 1
        day += dt.timedelta(days=1)
    return out


def missing_lessons(course: Course, first: dt.date, last: dt.date) -> list[tuple[dt.date, int, int]]:
    """Timetabled lessons between first and last (up to today) that the register does not hold yet."""
    last = min(last, clock.today())
    if last < first:
        return []
    existing = set(db.session.execute(select(Lesson.day, Lesson.number).where(
        Lesson.course_id == course.id, Lesson.day >= first, Lesson.day <= last)).all())
    return [(d, n, pos) for d, n, pos in timetabled_days(course, last) if d >= first and (d, n) not in existing]


def create_from_timetable(user: User, course: Course, first: dt.date, last: dt.date) -> int:
    """The teacher (or the administrator) adds the timetable's lessons up to today to the register, with their
    topics from the thematic plan by place among the year's timetabled lessons (a plan item of n hours covers
    n). Returns how many were added; running it twice adds nothing."""
    if not (course.teacher_id == user.id or access.is_admin(user)):
        raise Forbidden() if access.may_read_course(user, course) else NotFound()
    missing = missing_lessons(course, first, last)
    if not missing:
        return 0
    plan = [item.topic for item in db.session.scalars(select(PlanItem).where(PlanItem.course_id == course.id)
                                                      .order_by(PlanItem.position)) for _ in range(item.hours)]
    db.session.add_all(Lesson(course_id=course.id, day=d, number=n, state="held",
                              topic=plan[pos] if pos < len(plan) else None) for d, n, pos in missing)
    try:
        db.session.commit()
    except IntegrityError:  # another request added them at the same moment: theirs stand
        db.session.rollback()
        return 0
    return len(missing)


FIELDS = ("topic", "homework", "work_kind_id", "state")


def update_lesson(user: User, lesson: Lesson, changes: dict, version: int) -> Lesson:
    """Change the fields of the lesson header named in `changes` (and only those: what the author did not touch
    is never overwritten), with the version the author saw."""
    course = lesson.course
    if not access.may_write_lesson(user, lesson):
        raise Forbidden() if access.may_read_course(user, course) else NotFound()
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise RegisterError(_("Please correct the errors in the form."))
    refusal = rules.edit_window_refusal(course, lesson.day)
    if refusal:
        raise RegisterError(refusal)
    values: dict = {}
    now = clock.now()
    if "topic" in changes:
        topic = (changes["topic"] or "").strip()
        if len(topic) > TOPIC_MAX:
            raise RegisterError(_("The topic is too long: at most %(n)d characters.", n=TOPIC_MAX))
        if topic != (lesson.topic or ""):
            values.update(topic=topic or None, topic_entered_at=now)
    if "homework" in changes:
        homework = (changes["homework"] or "").strip()
        if len(homework) > HOMEWORK_MAX:
            raise RegisterError(_("The homework is too long: at most %(n)d characters.", n=HOMEWORK_MAX))
        if homework and not calendar.class_is_marked(course.school_class, lesson.day):
            raise RegisterError(_("No homework is set in this class on this date."))
        if homework != (lesson.homework or ""):
            values.update(homework=homework or None, homework_entered_at=now)
    if "work_kind_id" in changes:
        kind_id = changes["work_kind_id"]
        if kind_id is not None and kind_id not in scales.work_kinds_by_id():
            raise RegisterError(_("Choose the kind of work for this mark."))
        values["work_kind_id"] = kind_id
    if "state" in changes:
        state = changes["state"]
        if state not in ("held", "cancelled"):
            raise RegisterError(_("Unknown lesson state."))
        if state != lesson.state and lesson.substitute_id == user.id:
            raise RegisterError(_("A substitute enters the lesson; only the course's teacher or the administration "
                                  "cancels it."))
        if state == "cancelled" and db.session.scalar(select(
                exists().where(Mark.lesson_id == lesson.id) | exists().where(Attendance.lesson_id == lesson.id))):
            raise RegisterError(_("This lesson has marks or attendance: remove them before cancelling it."))
        values["state"] = state
    result = db.session.execute(update(Lesson).where(Lesson.id == lesson.id, Lesson.version == version)
                                .values(**values, version=Lesson.version + 1)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(_("Someone else changed this lesson in the meantime. The current text is shown; "
                         "enter yours again if it is still right."))
    db.session.commit()
    return lesson


def teachers() -> list[User]:
    return db.session.scalars(select(User).join(StaffRole, StaffRole.user_id == User.id).join(
        Person, Person.id == User.person_id).where(StaffRole.role == "teacher", User.active.is_(True))
        .order_by(Person.surname, Person.name)).all()


def set_substitute(user: User, lesson: Lesson, substitute_id: int | None, reason: str) -> Lesson:
    """The administrator or the deputy names (or removes) the substitute of a lesson; every change is logged
    (000 Регламент п. 5: a substitution is recorded when the lesson is entered)."""
    if not access.may_assign_substitutes(user):
        raise NotFound()
    if substitute_id == lesson.substitute_id:
        return lesson
    if substitute_id is not None and (substitute_id == lesson.course.teacher_id or substitute_id not in {
            t.id for t in teachers()}):
        raise RegisterError(_("Choose a substitute teacher from the list."))
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise RegisterError(_("The reason is too long: at most %(n)d characters.", n=300))
    db.session.add(LessonChange(lesson_id=lesson.id, day=lesson.day, kind="substitution",
                                old_substitute_id=lesson.substitute_id, substitute_id=substitute_id,
                                reason=reason or None, changed_by=user.id, changed_at=clock.now()))
    # The substitute only: the header's other fields and their version move on in the same UPDATE, so a
    # teacher's tablet holding the old version gets a conflict rather than overwriting the new state.
    db.session.execute(update(Lesson).where(Lesson.id == lesson.id)
                       .values(substitute_id=substitute_id, version=Lesson.version + 1)
                       .execution_options(synchronize_session=False))
    audit.record("substitute", f"lesson:{lesson.id}", f"{substitute_id or '-'}: {reason[:200]}", user_id=user.id)
    db.session.commit()
    return lesson
