"""What a reviewer's screenshots of the family diary (360 × 640 and 1024 × 768, ru/uk/crh) found: the move note's
year, the attendance card with nothing to count, the lowercase weekdays, the average of a subject without marks."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from school.extensions import db
from school.models import Attendance, Lesson
from tests import factory
from tests.test_diary_more import set_language

MOVED = {"ru": "Перенесён с 23.11.2026, 5-й урок.", "uk": "Перенесено з 23.11.2026, 5-й урок.",
         "crh": "23.11.2026, 5-нджи дерстен кочюрильди."}


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_the_move_note_gives_the_full_year_in_every_language(app, auth, client, ids, lang):
    """uk's "short" date format has a two-digit year (23.11.26): the note uses dd.MM.y like the other diary dates."""
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson"])
        lesson.moved_from_day, lesson.moved_from_number = dt.date(2026, 11, 23), 5
        db.session.commit()
    set_language(app, "parent", lang)
    auth.login("parent")
    html = client.get(f"/diary/{ids['emil']}").get_data(as_text=True)
    assert MOVED[lang] in html


def mark_attendance(app, ids, code: str, day: dt.date = dt.date(2026, 11, 24)) -> None:
    with app.app_context():
        lesson = factory.lesson_at(ids["math5"], day, 1)
        db.session.add(Attendance(lesson_id=lesson.id, student_id=ids["emil"], code=code,
                                  set_by=ids["users"]["teacher"], set_at=dt.datetime.combine(day, dt.time(8, 10))))
        db.session.commit()


def attendance_page(app, auth, client, ids, lang: str = "ru") -> str:
    set_language(app, "parent", lang)
    auth.login("parent")
    return client.get(f"/diary/{ids['emil']}/attendance").get_data(as_text=True)


NOTHING = {"ru": "Пропусков и опозданий нет.", "uk": "Пропусків і запізнень немає.",
           "crh": "Къачырылгъан дерслер ве кеч кельмелер ёкъ."}
ZERO = {"ru": ("0 пропущенных", "болел(а) 0"), "uk": ("0 пропущених", "хворів(ла) 0"),
        "crh": ("0 къачырылгъан", "хаста эди 0")}


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_attendance_without_absences_says_so_once_without_a_zero_breakdown(app, auth, client, ids, lang):
    html = attendance_page(app, auth, client, ids, lang)
    assert NOTHING[lang] in html
    assert '<section class="card">' not in html
    for zero in ZERO[lang]:
        assert zero not in html


def test_attendance_with_only_a_late_arrival_counts_it_without_the_reasons_of_no_absence(app, auth, client, ids):
    mark_attendance(app, ids, "late")
    html = attendance_page(app, auth, client, ids)
    assert "0 пропущенных уроков. 1 опоздание." in html
    assert "болел(а)" not in html and "Пропусков и опозданий нет." not in html


def test_attendance_with_an_absence_gives_its_reasons(app, auth, client, ids):
    mark_attendance(app, ids, "absent")
    html = attendance_page(app, auth, client, ids)
    assert "1 пропущенный урок: болел(а) 0, уважительная причина 0, без уважительной причины 1." in html


def test_attendance_rows_are_capitalised_like_the_weeks_day_headings(app, auth, client, ids):
    """Babel's ru and uk weekdays are lowercase ("вт 24 нояб."): the rows take the day headings' ::first-letter
    rule (the browser test below sees the result)."""
    mark_attendance(app, ids, "absent")
    html = attendance_page(app, auth, client, ids)
    assert '<ul class="plain absences"><li>вт 24 нояб.' in html
    css = (Path(__file__).resolve().parent.parent / "static/css/app.css").read_text()
    assert ".absences li::first-letter" in css


@pytest.mark.browser
@pytest.mark.parametrize("lang, row", [("ru", "Вт 24 нояб."), ("uk", "Вт 24 лист.")])
def test_attendance_rows_start_with_a_capital_in_the_browser(app, live_server, browser, ids, lang, row):
    mark_attendance(app, ids, "absent")
    set_language(app, "parent", lang)
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", "parent")
    page.fill("#password", "secret-pass")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/diary/{ids['emil']}/attendance")
    assert page.locator(".absences li").first.inner_text().startswith(row)
    context.close()
