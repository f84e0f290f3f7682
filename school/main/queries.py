"""Data for the home pages."""
from __future__ import annotations

import datetime as dt
from functools import cache

from sqlalchemy import Date, Integer, and_, bindparam, case, cast, false, func, null, or_, select, true, union_all
from sqlalchemy.orm import aliased

from school import queries, week
from school.extensions import db
from school.models import (Course, Enrolment, Guardianship, Lesson, LessonChange, Mark, Person, SchoolClass,
                           StaffRole, Student, Subgroup, Subject, User)
from school.models.organisation import SUBJECT_NAMES, SubjectNames
from school.models.people import StaffName
from school.register.roster import enrolled_on


def _day_columns():
    """What the day's table shows of a lesson's course, as plain columns: its id, class, subgroup and subject."""
    return (Course.id.label("course_id"), Course.teacher_id, SchoolClass.grade, SchoolClass.letter,
            Subgroup.name.label("subgroup"), *SUBJECT_NAMES)


def _course_joins(statement):
    return (statement.join(Course, Course.id == Lesson.course_id).join(SchoolClass, SchoolClass.id == Course.class_id)
            .join(Subject, Subject.id == Course.subject_id).outerjoin(Subgroup, Subgroup.id == Course.subgroup_id))


@cache
def _teacher_day_statement():
    """The day's lessons of a teacher (theirs and those they substitute) and, as rows with `away` set, their
    lessons moved away from the day (with the day and number they moved to), as plain rows (the page only shows
    them), in one statement: two before, and the second, almost always empty, still cost a round trip on every
    teacher's home page. Built once. Parameters: day, user_id."""
    day, user_id = bindparam("day", type_=Date), bindparam("user_id")
    # The other teacher: the substitute of one's own lesson, or the course's teacher of a lesson one substitutes.
    other_user, other = aliased(User), aliased(Person)
    other_id = case((Course.teacher_id == user_id, Lesson.substitute_id), else_=Course.teacher_id)
    on_the_day = (_course_joins(select(
        false().label("away"), Lesson.number, Lesson.room, Lesson.state, Lesson.moved_from_day,
        Lesson.moved_from_number, Lesson.extra, cast(null(), Date).label("moved_to_day"),
        cast(null(), Integer).label("moved_to_number"), *_day_columns(), other_user.id.label("other_id"),
        other.surname, other.name, other.patronymic))
        .outerjoin(other_user, other_user.id == other_id).outerjoin(other, other.id == other_user.person_id)
        .where(Lesson.day == day, or_(Course.teacher_id == user_id, Lesson.substitute_id == user_id)))
    moved_away = (_course_joins(select(
        true().label("away"), LessonChange.from_number, null(), null(), null(), null(), null(), Lesson.day,
        Lesson.number, *_day_columns(), null(), null(), null(), null())
        .select_from(LessonChange).join(Lesson, Lesson.id == LessonChange.lesson_id))
        .where(LessonChange.kind == "moved", LessonChange.from_day == day, Lesson.day != day,
               Course.teacher_id == user_id))
    return union_all(on_the_day, moved_away)


def _row(r, **fields) -> dict:
    return dict(course_id=r.course_id, class_label=f"{r.grade}-{r.letter}", subgroup=r.subgroup,
                subject=SubjectNames.of(r), **fields)


def teacher_day(user_id: int, day: dt.date) -> list[dict]:
    """A teacher's lessons of the day from the calendar of lessons: their own courses' and those they substitute,
    with the day's changes (substituted, moved here or away, cancelled, extra)."""
    bells = queries.bells()
    rows = []
    for r in queries.plain(_teacher_day_statement(), {"day": day, "user_id": user_id}).all():
        if r.away:
            rows.append(_row(r, number=r.number, bell=bells.get(r.number), room=None, cancelled=False,
                             substituted_by=None, substitute_for=None, moved_from=None,
                             moved_to=(r.moved_to_day, r.moved_to_number), extra=False))
            continue
        mine = r.teacher_id == user_id
        other = StaffName(r.other_id, r.surname, r.name, r.patronymic) if r.other_id is not None else None
        rows.append(_row(r, number=r.number, bell=bells.get(r.number), room=r.room, cancelled=r.state == "cancelled",
                         substituted_by=other if mine else None, substitute_for=None if mine else other,
                         moved_from=(r.moved_from_day, r.moved_from_number)
                         if r.moved_from_day is not None and (r.moved_from_day, r.moved_from_number)
                         != (day, r.number) else None,
                         moved_to=None, extra=r.extra))
    return sorted(rows, key=lambda r: (r["number"], r["course_id"]))


def current_class(student_id: int, day: dt.date) -> SchoolClass | None:
    return db.session.scalar(select(SchoolClass).join(Enrolment, Enrolment.class_id == SchoolClass.id)
                             .where(Enrolment.student_id == student_id, enrolled_on(day)))


def next_school_day(student_id: int, day: dt.date, horizon: int = 21) -> week.Day | None:
    """The day's lessons, or those of the next day that has any (after a weekend or the holidays), from the
    diary's own data path."""
    return next((d for d in week.days(student_id, day, day + dt.timedelta(days=horizon)) if d.lessons), None)


def children_of(person_id: int, day: dt.date) -> list[tuple[Student, SchoolClass | None]]:
    """A guardian's children, each with their class on the day (None: not enrolled then), in one statement
    however many children."""
    rows = db.session.execute(
        select(Student, SchoolClass).join(Guardianship, Guardianship.student_id == Student.id)
        .outerjoin(Enrolment, and_(Enrolment.student_id == Student.id, enrolled_on(day)))
        .outerjoin(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(Guardianship.guardian_id == person_id).order_by(Student.id, Enrolment.from_day)).all()
    children: dict[int, tuple[Student, SchoolClass | None]] = {}
    for student, klass in rows:  # one class a day (ops.checks finds overlapping stays); then the earlier one's
        children.setdefault(student.id, (student, klass))
    return list(children.values())


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
