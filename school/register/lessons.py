"""Lessons: the lesson header (topic, homework, kind of work, state) and substitutions, which are the
administration's. Lessons themselves come from the timetable (register.timetable.generate) or the
administration's changes (register.changes), never from viewing a page."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select, update

from school import access, audit, clock
from school.extensions import db
from school.models import Attendance, Course, Lesson, LessonChange, Mark, Person, StaffRole, User
from school.models.register import HOMEWORK_MAX, TOPIC_MAX
from school.register import calendar, rules, scales
from school.register.timetable import course_label
from school.register.errors import Conflict, Forbidden, NotFound, RegisterError


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
    # A coming lesson's topic, homework and kind of work may be prepared ahead (an announced test shows in the
    # diary); its state, marks and attendance wait for the day.
    ahead = lesson.day > clock.today() and "state" not in changes
    refusal = rules.year_closed_refusal(course) if ahead else rules.edit_window_refusal(course, lesson.day)
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
    closed = rules.year_closed_refusal(lesson.course)
    if closed:
        raise RegisterError(closed)
    if substitute_id == lesson.substitute_id:
        return lesson
    if substitute_id is not None and (substitute_id == lesson.course.teacher_id or substitute_id not in {
            t.id for t in teachers()}):
        raise RegisterError(_("Choose a substitute teacher from the list."))
    if substitute_id is not None:
        # A teacher is never in two places at once: not while giving their own lesson, nor substituting another.
        busy = db.session.execute(select(Lesson, Course).join(Course, Course.id == Lesson.course_id).where(
            Lesson.day == lesson.day, Lesson.number == lesson.number, Lesson.state == "held", Lesson.id != lesson.id,
            or_(and_(Course.teacher_id == substitute_id, Lesson.substitute_id.is_(None)),
                Lesson.substitute_id == substitute_id))).first()
        if busy is not None:
            raise RegisterError(_("The teacher already has a lesson at this time: %(lesson)s.",
                                  lesson=course_label(busy[1])))
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise RegisterError(_("The reason is too long: at most %(n)d characters.", n=300))
    db.session.add(LessonChange(lesson_id=lesson.id, day=lesson.day, number=lesson.number, kind="substitution",
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
