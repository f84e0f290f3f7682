"""Statements a page runs on every request are planned once on PostgreSQL.

psycopg prepares a statement after its fifth run on a connection; PostgreSQL then keeps one generic plan for it
unless that plan looks dearer than planning anew with the values. A constant written as a bound parameter can
make it so: a partial index's condition (code = 'absent') cannot be proven for a parameter, and a bound LIMIT or
state makes the generic estimate worse. Then the statement was planned on every home page (0.5 ms of planning
for 0.2 ms of running it) or diary page (0.1 ms).
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from school.extensions import db
from school.models import AcademicYear, User
from school.reports import todo
from school import week


def _sql_and_values(statement) -> tuple[str, list]:
    compiled = statement.compile(dialect=postgresql.dialect())
    return str(compiled), [v for v in compiled.params.values() if v is not None]


def test_the_todo_absences_name_the_partial_indexs_condition_in_their_sql():
    sql, values = _sql_and_values(todo._absences_statement())
    assert "attendance.code = 'absent'" in sql
    assert "attendance.reason IS NULL" in sql
    assert "absent" not in values


def test_the_diarys_homework_before_names_its_constants_in_its_sql():
    """The week's lessons statement, whose second part is each course's last lesson before the days."""
    sql, values = _sql_and_values(week._statements().lessons)
    assert "!= 'cancelled'" in sql
    assert "LIMIT 1" in sql
    assert "cancelled" not in values and 1 not in values


def test_postgresql_keeps_one_plan_for_the_todo_absences(app, ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements and their plans are PostgreSQL's")
    user_id = db.session.scalar(select(User.id).where(User.username == "teacher"))
    year_id = db.session.scalar(select(AcademicYear.id).where(AcademicYear.is_current.is_(True)))
    params = {"user_id": user_id, "year_id": year_id, "today": dt.date(2026, 11, 24)}
    connection = db.session.connection()  # psycopg prepares per connection: one for all the runs
    # A term of lessons and attendance as a school has them, mostly absences with their reason (the factory's school
    # has one absence: on a table that small every plan reads it all, and the generic one was chosen even bound).
    connection.exec_driver_sql("""
        INSERT INTO lessons (course_id, day, number, state, version, extra)
        SELECT courses.id, day::date, number, 'held', 1, false
        FROM courses, generate_series('2026-09-01'::date, '2026-11-24'::date, '1 day') AS day,
             generate_series(3, 10) AS number""")
    connection.exec_driver_sql("""
        INSERT INTO attendance (lesson_id, student_id, code, set_by, set_at, reason, reason_by, reason_at, version)
        SELECT lessons.id, enrolments.student_id,
               CASE WHEN lessons.id %% 3 = 0 THEN 'late' ELSE 'absent' END, %(user)s, now(),
               CASE WHEN lessons.id %% 3 = 0 THEN NULL ELSE 'ill' END,
               CASE WHEN lessons.id %% 3 = 0 THEN NULL ELSE %(user)s END,
               CASE WHEN lessons.id %% 3 = 0 THEN NULL ELSE now() END, 1
        FROM lessons JOIN courses ON courses.id = lessons.course_id
        JOIN enrolments ON enrolments.class_id = courses.class_id
        ON CONFLICT DO NOTHING""", {"user": user_id})
    connection.exec_driver_sql("ANALYZE")
    for _ in range(20):
        connection.execute(todo._absences_statement(), params).all()
    plans = connection.exec_driver_sql(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
        "WHERE strpos(statement, 'attendance.reason IS NULL') > 0").all()
    assert len(plans) == 1
    generic, custom = plans[0]
    # psycopg prepares it at its sixth run; PostgreSQL plans it five times with the values to compare, then keeps
    # the generic plan (a bound 'absent': custom plans all fifteen times).
    assert custom <= 5 and generic >= 10, plans


def test_the_grids_marks_and_attendance_are_read_by_the_course_and_its_days_not_a_list_of_lessons():
    """With the lessons' ids as an IN list the statement had as many parameters as the period has lessons: another
    statement (prepared anew) for every other number of lessons, and PostgreSQL planned it on every grid (0.4 ms
    of the attendance's 0.76). By the course and the days shown it is one statement, planned once."""
    from school.register import grid

    _lessons, marks, attendance, _period_marks = grid._grid_statements()
    for statement in (marks, attendance):
        sql, _values = _sql_and_values(statement)
        assert " IN " not in sql and "POSTCOMPILE" not in sql, sql
        assert "lessons.course_id = %(course_id)s" in sql and "lessons.day >= %(first)s" in sql, sql


def test_postgresql_keeps_one_plan_for_the_grids_marks_and_attendance(app, ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements and their plans are PostgreSQL's")
    from school.models import Course
    from school.register import grid

    course_id = db.session.scalar(select(Course.id).order_by(Course.id))
    params = {"course_id": course_id, "first": dt.date(2026, 9, 1), "last": dt.date(2026, 11, 24)}
    connection = db.session.connection()
    _lessons, marks, attendance, _period_marks = grid._grid_statements()
    for _ in range(20):
        connection.execute(marks, params).all()
        connection.execute(attendance, params).all()
    plans = connection.exec_driver_sql(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
        "WHERE strpos(statement, 'JOIN lessons ON lessons.id =') > 0 AND strpos(statement, 'lessons.course_id') > 0"
    ).all()
    assert len(plans) == 2, plans
    assert all(custom <= 5 and generic >= 10 for generic, custom in plans), plans


def test_postgresql_plans_the_teachers_todo_by_their_courses_not_every_lesson_of_the_school(app, ctx):
    """The to-do's generic plan (the one a prepared statement keeps) read every held lesson of the school up to
    today by the lessons' day index and hashed them against the teacher's few courses: with the server's default
    random_page_cost of 4 an index range per course looked dearer, though a school's database is all in memory.
    The app's connections set 1.1 (school/__init__.py, PG_SESSION_OPTIONS): the plan walks the teacher's courses."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner costs and generic plans")
    import re

    from sqlalchemy.dialects.postgresql import psycopg

    connection = db.session.connection()
    assert connection.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"
    user_id = db.session.scalar(select(User.id).where(User.username == "teacher"))
    year_id = db.session.scalar(select(AcademicYear.id).where(AcademicYear.is_current.is_(True)))
    # A school's year: thirty teachers more, forty subjects more in every class, each course a lesson a school day.
    from school.models import Person
    teachers = [User(person=Person(surname=f"Учитель{n}", name="Тест"), username=f"extra{n}", password_hash="-")
                for n in range(30)]
    db.session.add_all(teachers)
    db.session.flush()
    connection.exec_driver_sql("""
        INSERT INTO subjects (short, name_ru, name_uk, name_crh)
        SELECT 'extra' || n, 'Предмет ' || n, 'Предмет ' || n, 'Ders ' || n FROM generate_series(1, 40) AS n""")
    connection.exec_driver_sql("""
        INSERT INTO courses (year_id, subject_id, teacher_id, class_id, hours_per_week, attested, assessment)
        SELECT %(year)s, subjects.id, (%(teachers)s)[1 + (subjects.id + classes.id) %% 30], classes.id, 1, true,
               'scale'
        FROM subjects, classes WHERE subjects.short LIKE 'extra%%' AND classes.year_id = %(year)s""",
                                 {"year": year_id, "teachers": [t.id for t in teachers]})
    connection.exec_driver_sql("""
        INSERT INTO lessons (course_id, day, number, state, version, extra)
        SELECT courses.id, day::date, 1 + courses.id %% 8, 'held', 1, false
        FROM courses, generate_series('2026-09-01'::date, '2027-05-25'::date, '1 day') AS day
        WHERE extract(isodow FROM day) < 6
        ON CONFLICT DO NOTHING""")
    connection.exec_driver_sql("ANALYZE")
    names: list[str] = []

    def positional(match: re.Match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"
    compiled = todo._owed_statement().compile(dialect=psycopg.dialect())
    sql = re.sub(r"%\((\w+)\)s", positional, str(compiled))
    values = {**{k: f"'{v}'" for k, v in compiled.params.items() if isinstance(v, str)},
              "year_id": year_id, "today": "'2026-11-24'::date", "user_id": user_id}
    connection.exec_driver_sql("PREPARE owed_probe AS " + sql.replace("%%", "%"))
    connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    plan = "\n".join(row[0] for row in connection.exec_driver_sql(
        f"EXPLAIN EXECUTE owed_probe({', '.join(str(values[n]) for n in names)})"))
    assert "ix_lessons_day" not in plan, plan
    assert "uq_lessons_course_id_day_number" in plan, plan
