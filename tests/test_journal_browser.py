"""The journal in a real browser: Debian's chromium on a 1024 × 768 touch screen."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from school.extensions import db
from school.register import timetable
from school.models import Lesson, Mark, TimetableSlot
from sqlalchemy import select
from tests.grid_page import cell_selector
from tests.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def _more_lessons(app, ids):
    """Two more weekly slots so the grid has several columns."""
    with app.app_context():
        for weekday, number in ((1, 2), (3, 2)):
            db.session.add(TimetableSlot(course_id=ids["math5"], weekday=weekday, lesson_number=number,
                                         valid_from=dt.date(2026, 9, 1)))
        db.session.commit()
        timetable.generate(None, ids["year_id"], course_ids=[ids["math5"]])


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
    log_in(page, live_server, "teacher")
    page.goto(f"{live_server}/journal/courses/{ids['math5']}")
    page.wait_for_selector("#grid")
    with app.app_context():
        lessons = db.session.scalars(select(Lesson).where(Lesson.course_id == ids["math5"])
                                     .order_by(Lesson.day, Lesson.number)).all()
        today = next(les for les in lessons if les.day == dt.date(2026, 11, 24) and les.number == 1)
        earlier = next(les for les in lessons if les.day == dt.date(2026, 11, 23))
    rows = page.locator("#grid tbody tr")
    student_ids = [int(rows.nth(i).get_attribute("id")[1:]) for i in range(rows.count())]

    # keyboard: today's column, top to bottom
    page.click(cell_selector(page, today.id, student_ids[0]))
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
        page.tap(cell_selector(page, earlier.id, sid))
        page.tap(f"#picker button[data-a='{code}']")
        _settled(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "journal-grid-tablet.png"))

    page.reload()
    page.wait_for_selector("#grid")
    texts = {sid: page.locator(cell_selector(page, today.id, sid)).inner_text().strip() for sid in student_ids}
    # the second student was already marked absent today (the test school): the mark joins the absence
    assert [texts[s] for s in student_ids] == ["5", "Н 4", "Н", "3"]
    tapped = [page.locator(cell_selector(page, earlier.id, sid)).inner_text().strip() for sid in student_ids]
    assert tapped == ["2", "3", "4", "5"]
    with app.app_context():
        stored = db.session.execute(select(Mark.lesson_id, Mark.code)).all()
    assert len(stored) == 7
    assert errors == []
    context.close()


def test_a_save_lost_to_the_network_is_retried_not_dropped(app, ids, live_server, browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    log_in(page, live_server, "teacher")
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
    cell = cell_selector(page, ids["lesson"], ids["emil"])
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


def _mark_behind_the_page(app, lesson_id, student_id, code):
    """A mark another device wrote (as the course teacher), straight into the database."""
    with app.app_context():
        kind = db.session.scalar(select(Lesson.work_kind_id).where(Lesson.id == lesson_id))
        teacher = db.session.scalar(select(Lesson).where(Lesson.id == lesson_id)).course.teacher_id
        now = dt.datetime(2026, 11, 24, 9)
        db.session.add(Mark(lesson_id=lesson_id, student_id=student_id, slot=1, scale="five", code=code,
                            work_kind_id=kind, weight=Decimal(1), author_id=teacher, created_at=now, updated_at=now,
                            version=7))
        db.session.commit()


def _stored(app, lesson_id, student_id):
    with app.app_context():
        return db.session.scalar(select(Mark.code).where(Mark.lesson_id == lesson_id, Mark.student_id == student_id))


def test_a_save_waiting_on_the_device_is_sent_when_the_grid_opens_again(app, ids, live_server, browser):
    """The queue kept on the device names a cell c<lesson>-<student>; the page's cells have no id, and the
    script finds the cell by its row and column to send it and to put the answer in place."""
    context, page = _grid(browser, live_server, ids)
    name = f"c{ids['lesson']}-{ids['emil']}"
    page.evaluate("([k, v]) => localStorage.setItem(k, v)",
                  [f"defter-pending-{ids['math5']}", json.dumps({name: {"action": "3", "slot": 1, "v": "0-0",
                                                                        "extra": None}})])
    page.reload()
    page.wait_for_selector("#grid")
    cell = cell_selector(page, ids["lesson"], ids["emil"])
    page.wait_for_function(f"() => document.querySelector('{cell}').textContent.trim() === '3'", timeout=10000)
    _settled(page)
    assert _stored(app, ids["lesson"], ids["emil"]) == "3"
    assert page.evaluate(f"() => localStorage.getItem('defter-pending-{ids['math5']}')") == "{}"
    context.close()


def test_a_conflict_shows_the_current_value_and_the_next_save_goes_through(app, ids, live_server, browser):
    context, page = _grid(browser, live_server, ids)
    _mark_behind_the_page(app, ids["lesson"], ids["emil"], "2")
    cell = cell_selector(page, ids["lesson"], ids["emil"])
    page.click(cell)
    page.keyboard.press("Escape")
    page.keyboard.press("4")  # sent with the version the page showed: refused, 409
    page.wait_for_function("() => document.querySelector('#status').className === 'err'")
    assert "кто-то другой изменил эту ячейку" in page.locator("#status").inner_text()
    assert page.locator(cell).inner_text().strip() == "2"  # what is there now, in place of the page's cell
    assert page.evaluate("() => document.activeElement.id") == f"c{ids['lesson']}-{ids['emil']}"
    page.keyboard.press("5")  # with the version of the answer: saved
    page.wait_for_function(f"() => document.querySelector('{cell}').textContent.trim() === '5'")
    _settled(page)
    assert _stored(app, ids["lesson"], ids["emil"]) == "5"
    assert page.locator("#status").get_attribute("class") != "err"
    context.close()


@pytest.mark.parametrize("username", ["teacher", "director"])
def test_a_reports_link_to_a_cell_brings_it_into_view_focused(app, ids, live_server, browser, username):
    """Reports link to a cell as …/journal/courses/<id>#c<lesson>-<student>: the cell has no such id, so the
    script finds it by row and column and focuses it, for its teacher and for a reader alike."""
    _big_class(app, ids)
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="ru-RU")
    page = context.new_page()
    log_in(page, live_server, username)
    page.goto(f"{live_server}/journal/courses/{ids['math5']}")
    last = int(page.locator("#grid tbody tr").last.get_attribute("id")[1:])  # below the screen
    _mark_behind_the_page(app, ids["lesson"], last, "4")
    page.goto(f"{live_server}/journal/")
    page.goto(f"{live_server}/journal/courses/{ids['math5']}#c{ids['lesson']}-{last}")
    page.wait_for_function(f"() => document.activeElement.parentElement.id === 'r{last}'")
    cell = page.locator(cell_selector(page, ids["lesson"], last))
    assert cell.evaluate("td => td === document.activeElement") and cell.inner_text().strip() == "4"
    box = cell.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= TABLET["height"]
    if username == "teacher":  # it is the cell the keys work on, described in the status line
        assert page.locator("#status").inner_text().startswith("4: ")
    context.close()


# ---------------------------------------------------------------- a real class on a tablet (issue 8 §8)

TABLET = {"width": 1024, "height": 768}
BAD = "rgb(164, 22, 26)"  # --bad: the colour of errors


def _big_class(app, ids, n=22):
    """A class of 26, as schools have them: the grid is taller than the screen. Lessons are added as rows
    (not from the timetable): the closed 5 November, 23 November and today."""
    from school.models import Enrolment, Person, Student
    with app.app_context():
        for i in range(n):
            st = Student(person=Person(surname=f"Ученик{i:02d}", name="Тест"))
            db.session.add(st)
            db.session.flush()
            db.session.add(Enrolment(student_id=st.id, class_id=ids["class5"], from_day=dt.date(2026, 9, 1)))
        closed = Lesson(course_id=ids["math5"], day=dt.date(2026, 11, 5), number=2, state="held")
        open_ = Lesson(course_id=ids["math5"], day=dt.date(2026, 11, 23), number=2, state="held")
        db.session.add_all([closed, open_])
        db.session.commit()
        return closed.id, open_.id


def _grid(browser, live_server, ids, viewport=TABLET, course=None):
    context = browser.new_context(viewport=viewport, has_touch=True, locale="ru-RU")
    page = context.new_page()
    log_in(page, live_server, "teacher")
    page.goto(f"{live_server}/journal/courses/{course or ids['math5']}")
    page.wait_for_selector("#grid")
    return context, page


def _saves(page):
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    return sent


def test_a_locked_cell_says_why_and_who_can_open_it(app, ids, live_server, browser):
    closed, _ = _big_class(app, ids)
    context, page = _grid(browser, live_server, ids)
    sent = _saves(page)
    page.tap(cell_selector(page, closed, ids["emil"]))
    status = page.locator("#status")
    assert "14" in status.inner_text() and "05.11.2026" in status.inner_text()
    assert "администратор" in status.inner_text()
    assert page.locator("#picker").is_hidden()
    page.locator("#status").evaluate("el => el.textContent = ''")
    page.keyboard.press("4")  # typing on it says the same
    assert "05.11.2026" in status.inner_text()
    page.wait_for_timeout(300)
    assert sent == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "journal-locked-tablet.png"))
    context.close()


def test_a_description_is_not_an_error_and_an_error_goes_after_the_next_save(app, ids, live_server, browser):
    context, page = _grid(browser, live_server, ids)
    cell, other = (cell_selector(page, ids["lesson"], ids["emil"]),
                   cell_selector(page, ids["lesson"], ids["other5"][1]))
    page.tap(cell)
    page.tap("#picker summary")
    page.fill("#pk-comment", "у доски")
    page.tap("#picker button[data-a='5']")
    _settled(page)
    page.tap(cell_selector(page, ids["lesson"], ids["other5"][2]))  # elsewhere, then back: the description is shown
    page.keyboard.press("Escape")
    page.tap(cell)
    status = page.locator("#status")
    assert "у доски" in status.inner_text()
    assert status.get_attribute("class") != "err" and status.evaluate("el => getComputedStyle(el).color") != BAD
    page.keyboard.press("Escape")

    # a save the server refuses: said in red ...
    page.route("**/journal/lessons/*/students/*", lambda route: route.fulfill(status=500, body="boom"))
    page.focus(other)
    page.keyboard.press("3")
    page.wait_for_function("() => document.querySelector('#status').className === 'err'")
    page.unroute("**/journal/lessons/*/students/*")
    # ... and gone after the next successful one
    page.keyboard.press("ArrowDown")
    page.keyboard.press("4")
    _settled(page)
    assert status.get_attribute("class") != "err"
    assert status.evaluate("el => getComputedStyle(el).color") != BAD
    context.close()


def test_the_lesson_form_opens_in_view_with_its_first_field_focused(app, ids, live_server, browser):
    _, open_ = _big_class(app, ids)
    context, page = _grid(browser, live_server, ids)
    page.tap(f"#h{open_} a")
    page.wait_for_selector("#panel form")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'topic'")
    box = page.locator("#topic").bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= TABLET["height"]
    page.screenshot(path=str(SHOTS / "journal-lesson-form-tablet.png"))
    context.close()


@pytest.mark.parametrize("viewport", [TABLET, {"width": 360, "height": 640}], ids=["tablet", "phone"])
def test_the_picker_of_the_last_row_stays_on_the_screen(app, ids, live_server, browser, viewport):
    _big_class(app, ids)
    context, page = _grid(browser, live_server, ids, viewport)
    last_row = page.locator("#grid tbody tr").last.get_attribute("id")
    last = page.locator(cell_selector(page, ids["lesson"], int(last_row[1:])))
    last.scroll_into_view_if_needed()
    last.tap()
    page.wait_for_selector("#picker:not([hidden])")
    box = page.locator("#picker").evaluate("el => { const r = el.getBoundingClientRect(); "
                                           "return {top: r.top, left: r.left, bottom: r.bottom, right: r.right}; }")
    assert box["top"] >= 0 and box["left"] >= 0
    assert box["bottom"] <= viewport["height"] and box["right"] <= viewport["width"]
    page.screenshot(path=str(SHOTS / f"journal-picker-last-row-{viewport['width']}.png"))
    context.close()


def test_grade_one_digits_say_there_are_no_marks_and_send_nothing(app, ids, live_server, browser):
    from decimal import Decimal

    from school.models import Course, Subject
    with app.app_context():
        subject = db.session.scalar(select(Subject).where(Subject.short == "math"))
        course = Course(year_id=ids["year_id"], subject_id=subject.id, teacher_id=ids["users"]["teacher"],
                        class_id=ids["class1"], hours_per_week=Decimal(4))
        db.session.add(course)
        db.session.flush()
        lesson = Lesson(course_id=course.id, day=dt.date(2026, 11, 24), number=3, state="held")
        db.session.add(lesson)
        db.session.commit()
        course_id, lesson_id = course.id, lesson.id
    context, page = _grid(browser, live_server, ids, course=course_id)
    sent = _saves(page)
    first = page.locator("#grid tbody tr").first.get_attribute("id")
    page.locator(cell_selector(page, lesson_id, int(first[1:]))).focus()
    page.keyboard.press("5")
    assert "без отметок" in page.locator("#status").inner_text()
    page.wait_for_timeout(300)
    assert sent == []
    page.keyboard.press("Space")  # the picker offers attendance only
    assert page.locator("#picker button[data-a='absent']").is_visible()
    assert page.locator("#picker button[data-a='5']").count() == 0
    context.close()
