"""The journal in a real browser: Debian's chromium on a 1024 × 768 touch screen."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from school.extensions import db
from school.models import Lesson, Mark, TimetableSlot
from sqlalchemy import select

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def _more_lessons(app, ids):
    """Two more weekly slots so the grid has several columns."""
    with app.app_context():
        for weekday, number in ((1, 2), (3, 2)):
            db.session.add(TimetableSlot(course_id=ids["math5"], weekday=weekday, lesson_number=number,
                                         valid_from=dt.date(2026, 9, 1)))
        db.session.commit()


def _login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", "secret-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _settled(page):
    # Functions, not bare expressions: Playwright evals a bare expression, which the page's CSP forbids.
    page.wait_for_function("() => !document.querySelector('#grid td.saving')")
    page.wait_for_load_state("networkidle")


def test_enter_a_column_by_keyboard_and_another_by_tapping(app, ids, live_server, browser):
    _more_lessons(app, ids)
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, locale="ru-RU")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live_server, "teacher")
    page.goto(f"{live_server}/journal/courses/{ids['math5']}")
    page.wait_for_selector("#grid")
    with app.app_context():
        lessons = db.session.scalars(select(Lesson).where(Lesson.course_id == ids["math5"])
                                     .order_by(Lesson.day, Lesson.number)).all()
        today = next(les for les in lessons if les.day == dt.date(2026, 11, 24) and les.number == 1)
        earlier = next(les for les in lessons if les.day == dt.date(2026, 11, 23))
    rows = page.locator("#grid tbody tr")
    student_ids = [int(rows.nth(i).locator("td[id^=c]").first.get_attribute("id").split("-")[1])
                   for i in range(rows.count())]

    # keyboard: today's column, top to bottom
    page.click(f"#c{today.id}-{student_ids[0]}")
    page.keyboard.press("Escape")
    for key in ("5", "4", "н", "3"):
        if key.isascii():
            page.keyboard.press(key)
        else:  # a Cyrillic layout's key: Playwright's US keyboard cannot press it, so dispatch it as one would
            page.evaluate("k => document.activeElement.dispatchEvent(new KeyboardEvent('keydown', "
                          "{key: k, bubbles: true, cancelable: true}))", key)
        page.keyboard.press("Enter")
    _settled(page)

    # tapping: the column of 23 November
    for sid, code in zip(student_ids, ("2", "3", "4", "5")):
        page.tap(f"#c{earlier.id}-{sid}")
        page.tap(f"#picker button[data-a='{code}']")
        _settled(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "journal-grid-tablet.png"))

    page.reload()
    page.wait_for_selector("#grid")
    texts = {sid: page.locator(f"#c{today.id}-{sid}").inner_text().strip() for sid in student_ids}
    # the second student was already marked absent today (the test school): the mark joins the absence
    assert [texts[s] for s in student_ids] == ["5", "Н 4", "Н", "3"]
    tapped = [page.locator(f"#c{earlier.id}-{sid}").inner_text().strip() for sid in student_ids]
    assert tapped == ["2", "3", "4", "5"]
    with app.app_context():
        stored = db.session.execute(select(Mark.lesson_id, Mark.code)).all()
    assert len(stored) == 7
    assert errors == []
    context.close()


def test_a_save_lost_to_the_network_is_retried_not_dropped(app, ids, live_server, browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    _login(page, live_server, "teacher")
    page.goto(f"{live_server}/journal/courses/{ids['math5']}")
    page.wait_for_selector("#grid")
    failed = []

    def drop_first(route):
        if not failed:
            failed.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()
    page.route("**/journal/lessons/*/students/*", drop_first)
    cell = f"#c{ids['lesson']}-{ids['emil']}"
    page.click(cell)
    page.keyboard.press("Escape")
    page.keyboard.press("4")
    page.wait_for_function(f"() => document.querySelector('{cell}').textContent.trim() === '4'", timeout=10000)
    assert failed, "the first attempt should have been dropped"
    with app.app_context():
        assert db.session.scalar(select(Mark.code).where(Mark.lesson_id == ids["lesson"])) == "4"
    # nothing is left waiting on the device
    assert page.evaluate(f"() => localStorage.getItem('defter-pending-{ids['math5']}')") == "{}"
    context.close()
