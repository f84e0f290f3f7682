"""The timetable import's preview in a browser: uploaded through the form, a teacher matched by hand with a select,
the preview shown again, written; at 1024 × 768 in ru, uk and crh, without a horizontal scroll of the page and
with 44 px controls. Screenshots in screenshots/asc-*.png."""
from __future__ import annotations

from pathlib import Path

import pytest

from school.extensions import db
from school.models import User
from tests.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
FIXTURE = Path(__file__).parent / "fixtures" / "asc_small.xml"


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_the_preview_in_three_languages(app, ids, live_server, browser, lang):
    with app.app_context():
        db.session.get(User, ids["users"]["admin"]).language = lang
        db.session.commit()
    base = live_server
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "admin")
    page.goto(f"{base}/admin/import/")
    page.select_option("#kind", "timetable")
    page.set_input_files("#file", str(FIXTURE))
    with page.expect_navigation():
        page.click("form[action$='/admin/import/'] button[type=submit]")
    assert "/admin/import/runs/" in page.url
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"asc-preview-{lang}-1024.png"), full_page=False)
    page.screenshot(path=str(SHOTS / f"asc-preview-{lang}-1024-full.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1025
    small = page.evaluate("""() => [...document.querySelectorAll('main select, main button, main input')]
        .filter(e => e.offsetParent && e.type !== 'hidden')
        .map(e => e.getBoundingClientRect()).filter(r => r.height < 44).length""")
    assert small == 0
    # Коваль is the register's Иванова: chosen by hand, the preview is made again with the choice.
    page.select_option("select[name='teacher-6EE94A6C299E0C01']", str(ids["users"]["teacher2"]))
    with page.expect_navigation():
        page.click("form[action$='/choices'] button[type=submit]")
    assert page.eval_on_selector("select[name='teacher-6EE94A6C299E0C01']", "e => e.value") == \
        str(ids["users"]["teacher2"])
    with page.expect_navigation():
        page.click("form[action$='/apply'] button[type=submit]")
    page.screenshot(path=str(SHOTS / f"asc-written-{lang}-1024.png"), full_page=True)
    assert not page.query_selector("form[action$='/apply']")
    assert not errors
    context.close()
