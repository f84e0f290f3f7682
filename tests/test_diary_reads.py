"""How the family diary reads (issue 14): each page reads each thing once, never once per row it shows."""
from __future__ import annotations

import datetime as dt

import pytest

from school.extensions import db
from school.models import Attendance
from school.queries import clear_settings_cache
from tests import factory
from tests.conftest import statements_during

PAGES = ["/diary/{emil}", "/diary/{emil}?week=2026-W40", "/diary/{emil}/marks", "/diary/{emil}/attendance",
         "/diary/{emil}/class", "/diary/{lenur}/marks", "/diary/settings"]


def statements_of(app, client, url: str) -> list[str]:
    seen, response = statements_during(app, lambda: client.get(url))
    assert response.status_code == 200
    return seen


@pytest.mark.parametrize("page", PAGES)
def test_no_diary_page_runs_a_statement_twice(app, auth, client, ids, page):
    auth.login("parent")
    url = page.format(emil=ids["emil"], lenur=ids["lenur"])
    client.get(url)  # the school's settings and the scale are cached after the first request
    seen = statements_of(app, client, url)
    repeated = {s for s in seen if seen.count(s) > 1}
    assert not repeated, repeated


def test_the_week_keeps_the_bells_and_the_holidays_between_pages(app, auth, client, ids):
    """Pages only show them and an administrator seldom changes them: the first week page reads them, the next
    ones (in this process, within SETTINGS_TTL_SECONDS) do not; saving the year clears them
    (test_admin_setup.py::test_a_holiday_and_a_bell_saved_show_on_the_next_page_though_pages_keep_them)."""
    def reads(seen: list[str], table: str) -> int:
        return sum(1 for s in seen if f"FROM {table}" in s)

    auth.login("parent")
    url = f"/diary/{ids['emil']}"
    with app.app_context():
        clear_settings_cache()
    first = statements_of(app, client, url)
    assert reads(first, "bell_times") == 1 and reads(first, "holidays") == 1
    again = statements_of(app, client, url)
    assert reads(again, "bell_times") == 0 and reads(again, "holidays") == 0


def test_the_attendance_page_reads_as_much_for_many_absences_as_for_none(app, auth, client, ids):
    auth.login("parent")
    url = f"/diary/{ids['emil']}/attendance"
    client.get(url)
    before = len(statements_of(app, client, url))
    with app.app_context():
        for course, day, code in ((ids["math5"], factory.TODAY, "absent"),
                                  (ids["rus5"], factory.TODAY - dt.timedelta(days=1), "late"),
                                  (ids["rus5"], factory.TODAY - dt.timedelta(days=7), "ill")):
            lesson = factory.lesson_at(course, day, 3)
            db.session.add(Attendance(lesson_id=lesson.id, student_id=ids["emil"], code=code,
                                      set_by=ids["users"]["teacher"], set_at=dt.datetime.combine(day, dt.time(9)),
                                      version=1))
        db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert html.count("<li>") >= 3  # the three rows are shown…
    assert len(statements_of(app, client, url)) == before  # …without a read per row or per subject


def test_a_familys_children_are_looked_up_not_searched_for_among_all_students(app):
    """The diary's first statement, on every family page: the person's own student record and their children.
    Written with EXISTS inside the OR, it made SQLite test every student of the school (a scan that grows with
    the school); with the children as an IN list both sides are index lookups."""
    from school.access import _family_statement

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's plan; PostgreSQL plans by the table's size")
        compiled = _family_statement().compile(db.engine)
        plan = db.session.connection().exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", tuple(1 for _ in compiled.positiontup)).all()
    details = [row[-1] for row in plan]
    assert not any(d.startswith("SCAN students") for d in details), details
    assert any("students" in d and d.startswith("SEARCH") for d in details), details


def test_the_week_reads_its_lessons_and_the_homework_due_before_them_in_one_statement(app, auth, client, ids):
    """The homework due at each course's first lesson of the week is that of its last lesson before the week: the
    same statement as the week's lessons reads it (a UNION ALL), not one of its own."""
    auth.login("parent")
    url = f"/diary/{ids['emil']}"
    client.get(url)
    seen = statements_of(app, client, url)
    lessons = [s for s in seen if " ".join(s.split()).startswith("SELECT lessons.")]
    assert len(lessons) == 1, lessons
    assert "UNION ALL" in lessons[0] and "LIMIT 1" in lessons[0]


def test_postgresql_looks_up_a_familys_children_not_every_student(app):
    """The same statement on PostgreSQL, as the prepared statement's kept (generic) plan runs it in a school of
    some size: the person's own record and their children are index lookups, not a read of every student and
    every person (the plan of one select with an OR guessed half the school)."""
    import re

    from sqlalchemy import select
    from sqlalchemy.dialects.postgresql import psycopg

    from school.access import _family_statement
    from school.models import User

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's generic plan")
        connection = db.session.connection()
        connection.exec_driver_sql("""
            WITH people AS (INSERT INTO persons (surname, name)
                            SELECT 'Ученик' || n, 'Тест' FROM generate_series(1, 600) AS n RETURNING id)
            INSERT INTO students (person_id, delivery, statement_language) SELECT id, 'electronic', 'ru' FROM people""")
        connection.exec_driver_sql("ANALYZE")
        person_id = db.session.scalar(select(User.person_id).where(User.username == "parent"))
        sql = re.sub(r"%\((\w+)\)s", "$1", str(_family_statement().compile(dialect=psycopg.dialect())))
        connection.exec_driver_sql("PREPARE family_probe(integer) AS " + sql)
        connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        plan = "\n".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN EXECUTE family_probe({person_id})"))
        assert "Seq Scan on students" not in plan and "Seq Scan on persons" not in plan, plan
        db.session.rollback()


def test_the_marks_and_attendance_pages_keep_the_periods_between_pages(app, auth, client, ids):
    """They only show which period today is in: the first page reads the periods, the next ones (in this process,
    within SETTINGS_TTL_SECONDS) do not; saving the year clears them
    (test_admin_setup.py::test_a_holiday_and_a_bell_saved_show_on_the_next_page_though_pages_keep_them)."""
    auth.login("parent")
    with app.app_context():
        clear_settings_cache()
    for page in ("marks", "attendance"):
        url = f"/diary/{ids['emil']}/{page}"
        reads = [sum(1 for s in statements_of(app, client, url) if "FROM periods" in s) for _ in range(2)]
        assert reads == ([1, 0] if page == "marks" else [0, 0]), (page, reads)
