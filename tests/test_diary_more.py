"""What a parent, a student and a class teacher stumbled on (issue 8 §8): the diary's numbering, weeks to
come, homework due on a day, the home pages, subgroup names, subject order and the attendance week's heads."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from school import week
from school.extensions import db
from school.models import DiaryView, Lesson, TimetableSlot, User
from tests.factory import TODAY


def set_language(app, username: str, language: str) -> None:
    with app.app_context():
        db.session.scalar(select(User).where(User.username == username)).language = language
        db.session.commit()


def add_lesson(app, course_id: int, day: dt.date, number: int = 1, **fields) -> int:
    with app.app_context():
        lesson = Lesson(course_id=course_id, day=day, number=number, **fields)
        db.session.add(lesson)
        db.session.commit()
        return lesson.id


def set_homework(app, lesson_id: int, text: str) -> None:
    with app.app_context():
        db.session.get(Lesson, lesson_id).homework = text
        db.session.commit()


# ---------------------------------------------------------------- 1. numbered once

@pytest.mark.parametrize("page", ["", "/class"])
def test_the_timetable_is_numbered_once(app, auth, client, ids, page):
    """The lesson's own number is written out (lesson 3 may be the first of a day), so the list itself
    must not number the lessons again: no <ol> around them ("1. 1. Математика")."""
    set_language(app, "student", "ru")
    auth.login("student")
    html = client.get(f"/diary/{ids['emil']}{page}").get_data(as_text=True)
    assert "Математика" in html
    assert "<ol" not in html


# ---------------------------------------------------------------- 2. weeks to come

def ack_form(html: str) -> bool:
    return "/acknowledge" in html


def test_the_current_week_is_this_week_and_may_be_acknowledged(auth, client, ids):
    auth.login("parent2")  # Russian
    html = client.get(f"/diary/{ids['other6']}").get_data(as_text=True)
    assert "<h2>Эта неделя</h2>" in html and ack_form(html)
    html = client.get(f"/diary/{ids['other6']}?week=2026-W47").get_data(as_text=True)
    assert "<h2>Прошлая неделя</h2>" in html and ack_form(html)


def test_a_week_to_come_is_titled_by_its_dates_and_offers_no_acknowledgement(auth, client, ids):
    auth.login("parent2")
    html = client.get(f"/diary/{ids['other6']}?week=2026-W49").get_data(as_text=True)
    assert "<h2>Следующая неделя</h2>" in html and "<h2>Эта неделя</h2>" not in html
    assert not ack_form(html)
    html = client.get(f"/diary/{ids['other6']}?week=2026-W51").get_data(as_text=True)
    assert "<h2>Неделя 14 дек. – 20 дек. 2026</h2>" in html
    assert not ack_form(html)


def test_acknowledging_a_week_to_come_is_refused(app, auth, client, ids):
    auth.login("parent2")
    r = auth.post(f"/diary/{ids['other6']}/acknowledge?week=2026-W49", page=f"/diary/{ids['other6']}")
    assert r.status_code == 422
    assert "Неделю, которая ещё не началась, подтвердить нельзя." in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(DiaryView.id).where(DiaryView.acknowledged_at.is_not(None))) is None
        # the refusal is not a view of that week either
        assert db.session.scalar(select(DiaryView.id).where(
            DiaryView.week_start == dt.date(2026, 11, 30))) is None
    r = auth.post(f"/diary/{ids['other6']}/acknowledge?week=2026-W48", page=f"/diary/{ids['other6']}")
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(DiaryView.week_start).where(DiaryView.acknowledged_at.is_not(None))) \
            == dt.date(2026, 11, 23)


# ---------------------------------------------------------------- 3. homework due for a lesson

def homework_fixture(app, ids):
    """Math 5-А on Tuesdays (the timetable) and these lessons: Fri 20 Nov sets «упр. 3»; Mon 23 Nov is
    cancelled; Tue 24 Nov (the factory's lesson) sets «упр. 7»."""
    add_lesson(app, ids["math5"], dt.date(2026, 11, 13), homework="упр. 1")
    add_lesson(app, ids["math5"], dt.date(2026, 11, 20), homework="упр. 3")
    add_lesson(app, ids["math5"], dt.date(2026, 11, 23), state="cancelled", homework="отменённое")
    set_homework(app, ids["lesson"], "упр. 7")


def test_each_lesson_carries_the_homework_due_for_it(app, ids):
    homework_fixture(app, ids)
    with app.test_request_context():
        days = {d.date: d for d in week.days(ids["emil"], dt.date(2026, 11, 23), dt.date(2026, 12, 6))}
        monday = [i for i in days[dt.date(2026, 11, 23)].lessons if i.course.id == ids["math5"]]
        tuesday = [i for i in days[TODAY].lessons if i.course.id == ids["math5"]]
        next_tuesday = [i for i in days[dt.date(2026, 12, 1)].lessons if i.course.id == ids["math5"]]
        assert monday[0].cancelled and monday[0].homework_due is None
        # set before the week, passed over the cancelled lesson
        assert tuesday[0].homework_due.homework == "упр. 3"
        # a lesson to come (only in the timetable) gets what the last held lesson set
        assert next_tuesday[0].lesson is None and next_tuesday[0].homework_due.homework == "упр. 7"


def test_homework_due_is_read_without_a_query_per_lesson(app, ids):
    def count(first, last):
        queries = []
        with app.test_request_context():
            listen = lambda *a: queries.append(a[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listen)
            try:
                week.days(ids["emil"], first, last)
            finally:
                event.remove(db.engine, "before_cursor_execute", listen)
        return len(queries)

    homework_fixture(app, ids)
    few = count(dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    for n, day in enumerate((dt.date(2026, 11, 25), dt.date(2026, 11, 26), dt.date(2026, 11, 27))):
        add_lesson(app, ids["math5"], day, homework=f"упр. {10 + n}")
    assert count(dt.date(2026, 11, 23), dt.date(2026, 11, 29)) == few


def test_the_diary_shows_the_homework_due_under_the_lesson(app, auth, client, ids):
    homework_fixture(app, ids)
    set_language(app, "student", "ru")
    auth.login("student")
    html = client.get(f"/diary/{ids['emil']}").get_data(as_text=True)
    tuesday = html[html.index("вторник"):]
    tuesday = tuesday[:tuesday.index("</section>")]
    assert "К этому уроку:</span> упр. 3" in tuesday
    assert "упр. 7" in tuesday  # set at this lesson, shown as before
    html = client.get(f"/diary/{ids['emil']}?week=2026-W49").get_data(as_text=True)
    assert "К этому уроку:</span> упр. 7" in html


def test_the_weekly_statement_shows_the_homework_due(app, auth, client, ids):
    homework_fixture(app, ids)
    auth.login("teacher")
    html = client.get(f"/statements/classes/{ids['class5']}?week=2026-W48&all=1").get_data(as_text=True)
    assert "К этому уроку: упр. 3" in html and "Задано: упр. 7" in html


# ---------------------------------------------------------------- 4. home pages

def test_the_parents_home_links_each_child_to_their_diary(auth, client, ids):
    auth.login("parent")
    html = client.get("/").get_data(as_text=True)
    for sid in (ids["emil"], ids["lenur"]):
        assert f'href="/diary/{sid}"' in html


def test_the_students_home_links_the_diary_and_lists_todays_lessons(app, auth, client, ids):
    homework_fixture(app, ids)
    set_language(app, "student", "ru")
    auth.login("student")
    html = client.get("/").get_data(as_text=True)
    assert f'href="/diary/{ids["emil"]}"' in html
    assert "Уроки сегодня" in html and "Математика" in html and "упр. 3" in html


def test_the_students_home_on_a_weekend_shows_the_next_school_day(app, auth, client, ids, monkeypatch):
    homework_fixture(app, ids)
    set_language(app, "student", "ru")
    monkeypatch.setenv("DEFTER_TODAY", "2026-11-28")  # a Saturday: the next lessons are on Tuesday
    auth.login("student")
    html = client.get("/").get_data(as_text=True)
    assert "Уроки: вторник, 1 декабря" in html and "Математика" in html and "упр. 7" in html
