"""The teacher's to-do (issue 11): what a teacher still owes the register, oldest first.

Their lessons — their courses' lessons nobody substitutes, and the lessons they substitute — held up to today in
the current year, whose topic is missing past the topic deadline, whose homework is missing past the homework
deadline (classes given homework: not grade 1, not before the class's marks_from — 001 п. 3.9), or whose test
(a kind of work that is a test) has no mark past its kind's mark deadline. Attendance has no "taken" record to
miss: a lesson without absences is a lesson where everyone came. A class teacher also sees the absences (Н) of
their classes still without a reason. Two queries; one for a teacher who leads no class."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Date, bindparam, case, exists, or_, select, union_all

from school import clock, queries
from school.models import Attendance, Course, Lesson, Mark, Person, SchoolClass, Student, Subject, WorkKind
from school.models.organisation import SUBJECT_NAMES, SubjectNames
from school.models.register import unreasoned_absences
from school.queries import school_settings
from school.register import calendar
from school.reports.timeliness import end_of, last_day_past


@dataclass
class Item:
    lesson_id: int
    course_id: int
    day: dt.date
    class_label: str
    subject: SubjectNames
    missing: list[str] = field(default_factory=list)   # "topic", "homework", "marks"


@dataclass
class Absence:
    attendance_id: int
    class_id: int
    day: dt.date
    class_label: str
    subject: SubjectNames
    student: str

    @property
    def week(self) -> str:
        return calendar.iso_week(self.day)


@dataclass
class ToDo:
    lessons: list[Item] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.lessons or self.absences)


@cache
def _owed_statement():
    """The lessons owed (a topic, homework or a test's marks missing) of a teacher's own courses nobody
    substitutes, and of the lessons they substitute, oldest first; built once. Parameters: year_id, today,
    user_id."""
    # Whether a lesson has marks is asked of tests only: a probe of the marks' index for every owed lesson was
    # half of this statement's time on PostgreSQL.
    has_marks = case((WorkKind.is_test.is_(True), exists().where(Mark.lesson_id == Lesson.id)), else_=None)
    today, user_id = bindparam("today", type_=Date), bindparam("user_id")
    owed = (select(Lesson.id, Lesson.course_id, Lesson.day, Lesson.number, Lesson.topic.is_(None).label("no_topic"),
                   Lesson.homework.is_(None).label("no_homework"), SchoolClass.grade, SchoolClass.letter,
                   SchoolClass.marks_from, *SUBJECT_NAMES, WorkKind.is_test, WorkKind.mark_deadline_days,
                   has_marks.label("has_marks"))
            .join(Course, Course.id == Lesson.course_id).join(SchoolClass, SchoolClass.id == Course.class_id)
            .join(Subject, Subject.id == Course.subject_id).outerjoin(WorkKind, WorkKind.id == Lesson.work_kind_id)
            # A test's lessons come whether or not they have marks (todo() looks at has_marks): a NOT EXISTS
            # inside this OR made PostgreSQL hash every mark of the school for each teacher's home page.
            .where(Course.year_id == bindparam("year_id"), Lesson.state == "held", Lesson.day <= today,
                   or_(Lesson.topic.is_(None), Lesson.homework.is_(None), WorkKind.is_test.is_(True))))
    # Their own courses' lessons nobody substitutes, and the lessons they substitute: a UNION ALL of two whole
    # selects, each planned on its own index (one "teacher or substitute" condition made the database read every
    # lesson of the school's year; the two as ids under IN made PostgreSQL hash them all for a semi-join).
    both = union_all(owed.where(Course.teacher_id == user_id, Lesson.substitute_id.is_(None)),
                     owed.where(Lesson.substitute_id == user_id)).subquery()
    return select(both).order_by(both.c.day, both.c.number, both.c.id)


@cache
def _absences_statement():
    """The absences (Н) without a reason of the classes a teacher leads; built once."""
    return (select(Attendance.id, Course.class_id, Lesson.day, SchoolClass.grade, SchoolClass.letter,
                   *SUBJECT_NAMES, Person.surname, Person.name.label("student_name"))
            .join(Lesson, Lesson.id == Attendance.lesson_id).join(Course, Course.id == Lesson.course_id)
            .join(SchoolClass, SchoolClass.id == Course.class_id).join(Subject, Subject.id == Course.subject_id)
            .join(Student, Student.id == Attendance.student_id).join(Person, Person.id == Student.person_id)
            .where(SchoolClass.class_teacher_id == bindparam("user_id"), SchoolClass.year_id == bindparam("year_id"),
                   unreasoned_absences(),
                   Lesson.day <= bindparam("today", type_=Date))
            .order_by(Lesson.day, Lesson.number, Person.surname, Person.name))


def todo(user_id: int, year_id: int | None, leads: bool = True) -> ToDo:
    """leads: the user leads a class this year (the derived class_teacher role, access.user_roles); a teacher who
    leads none has no class's absences to read."""
    out = ToDo()
    s = school_settings()
    if year_id is None or s is None:
        return out
    now, today = clock.now(), clock.today()
    params = {"year_id": year_id, "today": today, "user_id": user_id}
    # Plain rows: nothing here is written, and a teacher behind with the register owes hundreds.
    rows = queries.plain(_owed_statement(), params).all()
    bells = {number: b.ends for number, b in queries.bells().items()} if rows else {}
    # Each deadline as the last day whose deadline has passed (and the homework's as the time its bell must have
    # rung by), worked out once rather than as a date and time per lesson.
    topic_until = last_day_past(now, s.topic_deadline_days)
    homework_rung_by = now - dt.timedelta(minutes=s.homework_deadline_minutes)
    for r in rows:
        missing = []
        if r.no_topic and r.day <= topic_until:
            missing.append("topic")
        if r.no_homework and r.marks_from is not None and r.day >= r.marks_from:
            ends = bells.get(r.number)
            if (dt.datetime.combine(r.day, ends) if ends else end_of(r.day, 0)) < homework_rung_by:
                missing.append("homework")
        if r.is_test and not r.has_marks and r.day <= last_day_past(now, r.mark_deadline_days):
            missing.append("marks")
        if missing:
            out.lessons.append(Item(r.id, r.course_id, r.day, f"{r.grade}-{r.letter}",
                                    SubjectNames.of(r), missing))
    for r in (queries.plain(_absences_statement(), params).all() if leads else ()):
        out.absences.append(Absence(r.id, r.class_id, r.day, f"{r.grade}-{r.letter}",
                                    SubjectNames.of(r), f"{r.surname} {r.student_name}"))
    return out
