"""Data for the home pages."""
from __future__ import annotations

import datetime as dt
from functools import cache

from sqlalchemy import Date, and_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from school import queries, week
from school.extensions import db
from school.models import (Course, Enrolment, Guardianship, Lesson, LessonChange, Mark, SchoolClass,
                           StaffRole, Student, User)


def enrolled_on(day: dt.date):
    return and_(Enrolment.from_day <= day, or_(Enrolment.to_day.is_(None), Enrolment.to_day >= day))


@cache
def _teacher_day_statements():
    """The day's lessons of a teacher (theirs and those they substitute) and their lessons moved away from the
    day; built once (every teacher's home page runs them). Parameters: day, user_id."""
    day, user_id = bindparam("day", type_=Date), bindparam("user_id")
    lessons = (select(Lesson).options(joinedload(Lesson.course)).join(Course, Course.id == Lesson.course_id)
               .where(Lesson.day == day, or_(Course.teacher_id == user_id, Lesson.substitute_id == user_id)))
    moved_away = (select(LessonChange, Lesson).join(Lesson, Lesson.id == LessonChange.lesson_id)
                  .join(Course, Course.id == Lesson.course_id)
                  .where(LessonChange.kind == "moved", LessonChange.from_day == day, Lesson.day != day,
                         Course.teacher_id == user_id))
    return lessons, moved_away


def teacher_day(user_id: int, day: dt.date) -> list[dict]:
    """A teacher's lessons of the day from the calendar of lessons: their own courses' and those they substitute,
    with the day's changes (substituted, moved here or away, cancelled, extra)."""
    lessons_of_day, moved_away_from_day = _teacher_day_statements()
    params = {"day": day, "user_id": user_id}
    lessons = db.session.scalars(lessons_of_day, params).all()
    moved_away = db.session.execute(moved_away_from_day, params).all()
    bells = queries.bells()
    rows = []
    for lesson in lessons:
        course = lesson.course
        mine = course.teacher_id == user_id
        rows.append(dict(number=lesson.number, bell=bells.get(lesson.number), course=course, room=lesson.room,
                         lesson=lesson,
                         substituted_by=lesson.substitute if mine and lesson.substitute_id is not None else None,
                         substitute_for=course.teacher if not mine else None,
                         moved_from=(lesson.moved_from_day, lesson.moved_from_number)
                         if lesson.moved_from_day is not None and (lesson.moved_from_day, lesson.moved_from_number)
                         != (lesson.day, lesson.number) else None,
                         moved_to=None, extra=lesson.extra))
    for change, lesson in moved_away:
        rows.append(dict(number=change.from_number, bell=bells.get(change.from_number), course=lesson.course,
                         room=None, lesson=None, substituted_by=None, substitute_for=None, moved_from=None,
                         moved_to=(lesson.day, lesson.number), extra=False))
    return sorted(rows, key=lambda r: (r["number"], r["course"].id))


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
