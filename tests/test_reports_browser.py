"""The reports and the director's page in Debian's chromium at 1024 × 768 in ru, uk and crh: every control at least
44 × 44, the filters swapped by htmx with the URL pushed, the printed report rendered as paper; the teacher's to-do
on a phone. DEFTER_SHOTS=folder (default screenshots/) keeps a PNG of each page to look at."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from school.extensions import db
from tests.test_reports import school  # noqa: F401 (a fixture)
from tests.test_touch_targets import PHONE, TABLET, _all_big
from tests.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("DEFTER_SHOTS") or Path(__file__).resolve().parent.parent / "screenshots")
REPORTS = ("timeliness", "accumulation", "results", "attendance", "unsatisfactory", "curriculum", "changes",
           "mark_changes", "activity")


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_reports_in_a_browser(app, live_server, browser, ids, school, lang):  # noqa: F811
    with app.app_context():
        db.session.execute(text("UPDATE users SET language = :l"), {"l": lang})
        db.session.commit()
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="uk-UA" if lang == "uk" else "ru-RU")
    page = context.new_page()
    log_in(page, live_server, "director")
    for url in ["/reports/overview", "/reports/"] + [f"/reports/{name}" for name in REPORTS]:
        page.goto(f"{live_server}{url}")
        _all_big(page)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
        page.screenshot(path=str(SHOTS / f"reports-{lang}{url.rstrip('/').replace('/', '_')}.png"), full_page=True)
    # The filters: choosing a class swaps the report alone and pushes its URL (shareable, bookmarkable).
    page.goto(f"{live_server}/reports/attendance")
    page.select_option("#class_id", str(ids["class5"]))
    page.wait_for_url(f"**/reports/attendance?*class_id={ids['class5']}*")
    page.wait_for_selector("#att-students")
    assert page.locator("h1").count() == 1
    page.screenshot(path=str(SHOTS / f"reports-{lang}_attendance-class.png"), full_page=True)
    # The printed report: paper, the school's name, no navigation.
    page.goto(f"{live_server}/reports/timeliness/print")
    page.emulate_media(media="print")
    assert page.locator("nav").count() == 0 and page.locator("script").count() == 0
    page.screenshot(path=str(SHOTS / f"reports-{lang}_timeliness-print.png"), full_page=True)
    context.close()


def test_the_teachers_todo_on_a_phone(live_server, browser, school):  # noqa: F811
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="ru-RU")
    page = context.new_page()
    log_in(page, live_server, "teacher")
    links = page.locator("#todo a.todo-link")
    assert links.count() >= 3
    for i in range(links.count()):  # the to-do's own links (the rest of the home page is not this test's)
        box = links.nth(i).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, links.nth(i).inner_text()
    # The to-do scrolls inside its card rather than widening the page.
    assert page.evaluate("document.querySelector('#todo').getBoundingClientRect().right <= window.innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "todo-phone.png"), full_page=True)
    context.close()
