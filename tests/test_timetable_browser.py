"""The timetable's editor in Debian's chromium on a 1024 × 768 tablet: the administrator enters two lessons of a
class's week with the keyboard and a finger, a clash is refused in its cell naming the other lesson, and every
control keeps its 44 × 44 target, in ru, uk and crh. DEFTER_SHOTS=folder saves screenshots to look at."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select, text

from school.extensions import db
from school.models import TimetableSlot, User
from school.register import timetable
from tests.factory import TODAY
from tests.test_touch_targets import PHONE, TABLET, _all_big, _page
from tests.conftest import log_in

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    shots = os.environ.get("DEFTER_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/{name}.png", full_page=True)


def _fill_cell(page, cell: str, course_id: int, room: str) -> None:
    """Open the cell's "add a lesson" with the keyboard and fill its plain form."""
    page.focus(f"#{cell} details.add summary")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{cell}-course", state="visible")
    page.select_option(f"#{cell}-course", str(course_id))
    page.fill(f"#{cell}-room", room)


LABELS = {"ru": ("Русский язык", "Математика"), "uk": ("Російська мова", "Математика"),
          "crh": ("Рус тили", "Риязиет")}


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_the_administrator_enters_a_week_and_a_clash_is_refused(app, live_server, browser, ids, lang):
    with app.app_context():
        db.session.execute(text("UPDATE users SET language = :l"), {"l": lang})
        db.session.commit()
    rus, math = LABELS[lang]
    context, page = _page(browser, TABLET, locale="uk-UA" if lang == "uk" else "ru-RU")
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/timetable/classes/{ids['class5']}")
    page.wait_for_selector("#tt")
    _all_big(page)
    _shot(page, f"{lang}-tablet-class-week")
    # Monday's first lesson: Russian in room 12, sent with the keyboard (Enter in the room's field).
    _fill_cell(page, "c1-1", ids["rus5"], "12")
    page.press("#c1-1-room", "Enter")
    page.wait_for_selector("#c1-1 .note-ok")
    assert rus in page.inner_text("#c1-1 .slots")
    # Monday's second lesson: mathematics in room 21, tapped.
    _fill_cell(page, "c1-2", ids["math5"], "21")
    page.tap("#c1-2 button.primary")
    page.wait_for_selector("#c1-2 .note-ok")
    assert math in page.inner_text("#c1-2 .slots")
    # Tuesday's second: the 5-А's mathematics teacher already teaches the 6-А then: refused, naming that lesson.
    _fill_cell(page, "c2-2", ids["math5"], "22")
    page.tap("#c2-2 button.primary")
    alert = page.wait_for_selector("#c2-2 [role=alert]")
    assert f"{math} (6-А)" in alert.inner_text()
    assert page.is_visible("#c2-2-course")          # the form stays open with what was chosen
    assert page.input_value("#c2-2-room") == "22"
    _all_big(page)
    _shot(page, f"{lang}-tablet-class-week-clash")
    with app.app_context():
        slots = db.session.scalars(select(TimetableSlot).where(TimetableSlot.course_id.in_(
            [ids["rus5"], ids["math5"]]))).all()
        assert sorted((s.weekday, s.lesson_number, s.room) for s in slots) == [(1, 1, "12"), (1, 2, "21"),
                                                                              (2, 1, "21")]
    # Without htmx's help the page is whole again and shows the same two lessons.
    page.reload()
    assert rus in page.inner_text("#c1-1 .slots") and math in page.inner_text("#c1-2 .slots")
    # Tuesday's mathematics taken out from today: today's lesson holds attendance, so it waits for a decision.
    with app.app_context():
        slot = db.session.scalar(select(TimetableSlot).where(TimetableSlot.course_id == ids["math5"],
                                                             TimetableSlot.weekday == 2))
        timetable.remove(db.session.scalar(select(User).where(User.username == "admin")), slot, TODAY)
    for url in ("/timetable/", f"/timetable/teachers/{ids['users']['teacher']}", "/timetable/rooms?room=21",
                "/timetable/orphans"):
        page.goto(f"{live_server}{url}")
        _all_big(page)
        if url == "/timetable/orphans":
            assert page.locator(f"#l{ids['lesson']}").is_visible()
            page.tap(f"#l{ids['lesson']} summary")
            _all_big(page)
        _shot(page, f"{lang}-tablet{url.split('?')[0].replace('/', '_')}")
    context.close()
    # The teacher reads the class's week on a phone too.
    context, page = _page(browser, PHONE)
    log_in(page, live_server, "teacher")
    page.goto(f"{live_server}/timetable/classes/{ids['class5']}")
    _all_big(page)
    _shot(page, f"{lang}-phone-teacher-class-week")
    context.close()
