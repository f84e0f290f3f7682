"""Data for the home pages."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select

from school import week
from school.extensions import db
from school.models import (BellTime, Course, Enrolment, Guardianship, Lesson, Mark, SchoolClass, StaffRole, Student,
                           TimetableSlot, User)


def enrolled_on(day: dt.date):
    return and_(Enrolment.from_day <= day, or_(Enrolment.to_day.is_(None), Enrolment.to_day >= day))


def teacher_day(user_id: int, day: dt.date) -> list[dict]:
    """Today's lessons of a teacher: the timetable, with substitutions and cancellations from the lessons."""
    slots = db.session.execute(
        select(TimetableSlot, Course).join(Course, TimetableSlot.course_id == Course.id)
        .where(Course.teacher_id == user_id, TimetableSlot.weekday == day.isoweekday(),
               TimetableSlot.valid_from <= day,
               or_(TimetableSlot.valid_to.is_(None), TimetableSlot.valid_to >= day))).all()
    lessons = {(les.course_id, les.number): les for les in db.session.scalars(
        select(Lesson).where(Lesson.day == day, or_(
            Lesson.course_id.in_([c.id for _, c in slots] or [0]), Lesson.substitute_id == user_id)))}
    bells = {b.number: b for b in db.session.scalars(select(BellTime))}
    rows = []
    for slot, course in slots:
        lesson = lessons.pop((course.id, slot.lesson_number), None)
        rows.append(dict(number=slot.lesson_number, bell=bells.get(slot.lesson_number), course=course,
                         room=slot.room, lesson=lesson,
                         substituted_by=lesson.substitute if lesson and lesson.substitute_id not in (None, user_id)
                         else None, substitute_for=None))
    for lesson in lessons.values():  # lessons this teacher substitutes for someone else
        if lesson.substitute_id == user_id:
            rows.append(dict(number=lesson.number, bell=bells.get(lesson.number), course=lesson.course, room=None,
                             lesson=lesson, substituted_by=None, substitute_for=lesson.course.teacher))
    return sorted(rows, key=lambda r: r["number"])


def current_class(student_id: int, day: dt.date) -> SchoolClass | None:
    return db.session.scalar(select(SchoolClass).join(Enrolment, Enrolment.class_id == SchoolClass.id)
                             .where(Enrolment.student_id == student_id, enrolled_on(day)))


def next_school_day(student_id: int, day: dt.date, horizon: int = 21) -> week.Day | None:
    """The day's lessons, or those of the next day that has any (after a weekend or the holidays), from the
    diary's own data path."""
    return next((d for d in week.days(student_id, day, day + dt.timedelta(days=horizon)) if d.lessons), None)


def children_of(person_id: int, day: dt.date) -> list[tuple[Student, SchoolClass | None]]:
    students = db.session.scalars(
        select(Student).join(Guardianship, Guardianship.student_id == Student.id)
        .where(Guardianship.guardian_id == person_id).order_by(Student.id)).all()
    return [(s, current_class(s.id, day)) for s in students]


def school_overview(year_id: int | None, day: dt.date) -> dict:
    week_start = day - dt.timedelta(days=day.weekday())
    return dict(
        classes=db.session.scalar(select(func.count(SchoolClass.id)).where(SchoolClass.year_id == year_id)) or 0,
        students=db.session.scalar(select(func.count(func.distinct(Enrolment.student_id)))
                                   .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
                                   .where(SchoolClass.year_id == year_id, enrolled_on(day))) or 0,
        teachers=db.session.scalar(select(func.count(StaffRole.id)).where(StaffRole.role == "teacher")) or 0,
        users=db.session.scalar(select(func.count(User.id)).where(User.active.is_(True))) or 0,
        lessons_today=db.session.scalar(select(func.count(Lesson.id)).where(Lesson.day == day)) or 0,
        marks_week=db.session.scalar(select(func.count(Mark.id)).join(Lesson, Lesson.id == Mark.lesson_id)
                                     .where(Lesson.day >= week_start, Lesson.day <= day)) or 0,
    )
