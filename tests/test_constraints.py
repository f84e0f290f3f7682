"""The database itself refuses bad data (not only Python)."""
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from school.extensions import db
from school.models import (AcademicYear, Attendance, Course, Lesson, Mark, PeriodMark, School, SchoolClass, Student,
                           User, WorkKind)


def _lesson_and_student(ids):
    return db.session.get(Lesson, ids["lesson"]), ids["emil"]


def _mark(ids, **over):
    lesson, student = _lesson_and_student(ids)
    kind = db.session.scalar(select(WorkKind.id).where(WorkKind.code == "answer"))
    row = dict(lesson_id=lesson.id, student_id=student, slot=1, scale="five", code="5", work_kind_id=kind,
               weight=Decimal(1), author_id=ids["users"]["teacher"], created_at=dt.datetime(2026, 11, 24, 9),
               updated_at=dt.datetime(2026, 11, 24, 9), version=1)
    row.update(over)
    return row


def refused(stmt, rows):
    with pytest.raises(IntegrityError):
        db.session.execute(stmt, rows)
        db.session.flush()
    db.session.rollback()


def test_a_good_mark_is_accepted(ctx, ids):
    db.session.execute(insert(Mark), [_mark(ids)])
    db.session.commit()
    assert db.session.scalar(select(Mark.code)) == "5"


@pytest.mark.parametrize("over", [
    {"code": "X"}, {"code": "6"}, {"scale": "twelve", "code": "13"}, {"work_kind_id": None},
    {"slot": 0}, {"weight": Decimal(0)}, {"comment": "x" * 501}, {"student_id": 999999}, {"lesson_id": 999999},
])
def test_bad_marks_are_refused_by_the_database(ctx, ids, over):
    refused(insert(Mark), [_mark(ids, **over)])
    assert db.session.scalar(select(Mark.id)) is None


def test_two_marks_in_one_slot_are_refused(ctx, ids):
    db.session.execute(insert(Mark), [_mark(ids)])
    refused(insert(Mark), [_mark(ids, code="4")])


def test_twelve_point_scale_is_data(ctx, ids):
    db.session.execute(insert(Mark), [_mark(ids, scale="twelve", code="11")])
    db.session.commit()


@pytest.mark.parametrize("code", ["X", "н", "Н", ""])
def test_bad_attendance_code_is_refused(ctx, ids, code):
    lesson, student = _lesson_and_student(ids)
    refused(insert(Attendance), [dict(lesson_id=lesson.id, student_id=student, code=code,
                                      set_by=ids["users"]["teacher"], set_at=dt.datetime(2026, 11, 24, 9))])


def test_attendance_reason_needs_its_author(ctx, ids):
    lesson, student = _lesson_and_student(ids)
    refused(insert(Attendance), [dict(lesson_id=lesson.id, student_id=student, code="absent", reason="ill",
                                      set_by=ids["users"]["teacher"], set_at=dt.datetime(2026, 11, 24, 9))])


def test_long_topic_and_homework_are_refused(ctx, ids):
    lesson, _ = _lesson_and_student(ids)
    for column in ("topic", "homework"):
        with pytest.raises(IntegrityError):
            db.session.execute(text(f"UPDATE lessons SET {column} = :v WHERE id = :id"),
                               {"v": "я" * 10000, "id": lesson.id})
            db.session.flush()
        db.session.rollback()
    assert db.session.get(Lesson, lesson.id).topic == "Дроби"


def test_one_school_row(ctx):
    refused(insert(School), [dict(id=2, name_ru="x", name_uk="x", name_crh="x")])


def test_grade_range_and_unique_class(ctx, ids):
    refused(insert(SchoolClass), [dict(year_id=ids["year_id"], grade=12, letter="А", period_scheme="quarters")])
    refused(insert(SchoolClass), [dict(year_id=ids["year_id"], grade=5, letter="А", period_scheme="quarters")])
    refused(insert(SchoolClass), [dict(year_id=ids["year_id"], grade=1, letter="В", period_scheme="quarters",
                                       marks_from=dt.date(2026, 9, 1))])


def test_one_current_year(ctx):
    refused(insert(AcademicYear), [dict(name="2027/2028", first_day=dt.date(2027, 9, 1),
                                        last_day=dt.date(2028, 8, 31), is_current=True)])


def test_course_unique_per_class_and_subject(ctx, ids):
    course = db.session.get(Course, ids["math5"])
    refused(insert(Course), [dict(year_id=course.year_id, subject_id=course.subject_id, teacher_id=course.teacher_id,
                                  class_id=course.class_id, hours_per_week=Decimal(1), attested=True,
                                  assessment="scale")])


def test_username_lowercase_and_unique(ctx, ids):
    from school.models import Person

    def new_login(username):
        person = Person(surname="Новый", name="Пользователь")
        db.session.add(person)
        db.session.flush()
        return [dict(person_id=person.id, username=username, password_hash="x", language="ru",
                     must_change_password=False, active=True)]
    refused(insert(User), new_login("Teacher3"))      # the lowercase CHECK
    refused(insert(User), new_login("teacher"))       # unique
    db.session.execute(insert(User), new_login("teacher3"))
    db.session.commit()
    person_id = db.session.get(Student, ids["emil"]).person_id
    refused(insert(User), [dict(person_id=person_id, username="second.login", password_hash="x", language="ru",
                                must_change_password=False, active=True)])  # one login per person


def test_period_mark_codes_and_kinds(ctx, ids):
    base = dict(student_id=ids["emil"], course_id=ids["math5"], scale="five", set_by=ids["users"]["teacher"],
                set_at=dt.datetime(2026, 10, 26), version=1)
    refused(insert(PeriodMark), [dict(base, kind="year", period_id=None, code="7")])
    refused(insert(PeriodMark), [dict(base, kind="period", period_id=None, code="5")])
    db.session.execute(insert(PeriodMark), [dict(base, kind="year", period_id=None, code="осв")])
    refused(insert(PeriodMark), [dict(base, kind="year", period_id=None, code="5")])


def test_a_students_enrolments_never_overlap(ctx, ids):
    from school.integrity import OverlappingEnrolment
    from school.models import Enrolment
    # Emil is in 5-А from 1 September with no end: a second class at the same time is refused
    db.session.add(Enrolment(student_id=ids["emil"], class_id=ids["class6"], from_day=dt.date(2026, 11, 1)))
    with pytest.raises(OverlappingEnrolment):
        db.session.flush()
    db.session.rollback()
    # a transfer: the first stay ends, the next begins the day after
    first = db.session.scalar(select(Enrolment).where(Enrolment.student_id == ids["emil"]))
    first.to_day = dt.date(2026, 11, 10)
    db.session.add(Enrolment(student_id=ids["emil"], class_id=ids["class6"], from_day=dt.date(2026, 11, 11)))
    db.session.commit()
    # moving the first stay's end over the second is refused too
    first.to_day = dt.date(2026, 11, 20)
    with pytest.raises(OverlappingEnrolment):
        db.session.flush()
    db.session.rollback()
