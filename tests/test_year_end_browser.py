"""Closing the year in Debian's chromium at 1024 × 768 in ru, uk and crh: the list of what is missing, closing
with the confirmation, the next year's form (a class teacher changed, a student leaving), the leavers' order
numbers and the year switch; every page with 44 × 44 targets and no sideways scrolling.
DEFTER_SHOTS=folder saves a screenshot of each page to look at."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select, text

from school.extensions import db
from school.models import AcademicYear, Enrolment, PeriodMark
from tests.test_touch_targets import TABLET, _all_big
from tests.test_year_end import CLOSING_DAY, give_every_mark
from tests.conftest import log_in

pytestmark = pytest.mark.browser


def _look(page, lang: str, name: str) -> None:
    _all_big(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    shots = os.environ.get("DEFTER_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/yearend-{lang}-{name}.png", full_page=True)


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_closing_the_year_in_a_browser(app, ids, live_server, browser, monkeypatch, lang):
    monkeypatch.setenv("DEFTER_TODAY", CLOSING_DAY)
    with app.app_context():
        give_every_mark(ids, skip={(ids["rus5"], ids["emil"]), (ids["math6"], ids["lenur"])})
        db.session.execute(text("UPDATE users SET language = :l"), {"l": lang})
        db.session.commit()
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="uk-UA" if lang == "uk" else "ru-RU")
    page = context.new_page()
    log_in(page, live_server, "admin")
    page.click("main a[href='/admin/year-end']")
    assert page.locator("#missing tbody tr").count() == 2
    assert page.locator("form[action$='/close']").count() == 0  # nothing to confirm while marks are missing
    _look(page, lang, "1-missing")
    with app.app_context():
        for course, student in ((ids["rus5"], ids["emil"]), (ids["math6"], ids["lenur"])):
            db.session.add(PeriodMark(student_id=student, course_id=course, kind="year", scale="five", code="5",
                                      set_by=ids["users"]["teacher"], set_at=db.func.now()))
        db.session.commit()
    page.reload()
    _look(page, lang, "1b-ready")
    page.check("#confirm")
    page.click("form[action$='/close'] button.primary")
    page.wait_for_load_state()
    assert page.locator(".flash.ok").count() == 1
    _look(page, lang, "2-closed")
    page.click(f"a[href='/admin/year-end/years/{ids['year_id']}/next']")
    page.select_option(f"#teacher_{ids['class5']}", str(ids["users"]["teacher2"]))
    page.select_option(f"#outcome_{ids['other5'][2]}", "leave")
    _look(page, lang, "3-next")
    page.click("form.setup > button.primary")
    page.wait_for_url(f"{live_server}/admin/year-end/years/{ids['year_id']}/leavers")
    page.fill("#rows-0-order_out", "115-о")
    page.fill("#rows-0-reason", "перевод в другую школу")
    _look(page, lang, "4-leavers")
    page.click("main form button.primary")
    page.wait_for_load_state()
    assert page.locator(".flash.ok").count() == 1
    page.goto(f"{live_server}/admin/year-end/years/{ids['year_id']}")
    _look(page, lang, "5-old-year")
    page.goto(f"{live_server}/admin/year-end")
    _look(page, lang, "6-after")
    context.close()
    with app.app_context():
        new = db.session.scalar(select(AcademicYear).where(AcademicYear.is_current.is_(True)))
        assert new.name == "2027/2028"
        assert db.session.scalar(select(Enrolment.order_out).where(Enrolment.student_id == ids["other5"][2])) == "115-о"
