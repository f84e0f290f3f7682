"""The first run in Debian's chromium: an administrator on a fresh install fills the school's form without
JavaScript help, adds a row to the year's editor, and every set-up page keeps its touch targets at 44 × 44 on a
tablet and a phone in ru, uk and crh. DEFTER_SHOTS=folder saves a screenshot of each page to look at."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from school.extensions import db
from tests.conftest import log_in, serve
from tests.test_admin_first_run import PASSWORD, SCHOOL, fresh_app  # noqa: F401 (a fixture)
from tests.test_touch_targets import PHONE, TABLET, _all_big

pytestmark = pytest.mark.browser
PAGES = ("/admin", "/admin/setup/school", "/admin/setup/year", "/admin/setup/subjects", "/admin/setup/work-kinds")


@pytest.fixture
def fresh_server(fresh_app):  # noqa: F811
    yield from serve(fresh_app)


def test_the_first_run_in_a_browser(fresh_server, browser):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="ru-RU")
    page = context.new_page()
    log_in(page, fresh_server, "boss", PASSWORD, lands_on=None)
    page.wait_for_url(f"{fresh_server}/admin/setup/school")  # the first login leads to the set-up
    for name, value in SCHOOL.items():
        if name != "scale" and value:
            page.fill(f"#{name}", value)
    page.click("form.setup button.primary")
    page.wait_for_url(f"{fresh_server}/admin/setup/year")
    assert "Сохранено." in page.inner_text("main")
    periods = page.locator("#periods fieldset").count()
    assert periods == 6  # the usual quarters and halves offered
    expect = pytest.importorskip("playwright.sync_api").expect
    # "add" and "remove" send the form and the page comes back: expect() waits for it (a count taken at once may
    # read the page while it is being replaced).
    page.click("#periods > button[name=add]")
    expect(page.locator("#periods fieldset")).to_have_count(periods + 1)
    page.click("#periods fieldset:last-of-type button.remove")
    expect(page.locator("#periods fieldset")).to_have_count(periods)
    page.click("form.setup > button.primary")
    page.wait_for_url(f"{fresh_server}/admin/setup/subjects")
    context.close()


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_set_up_pages_have_big_targets(fresh_app, fresh_server, browser, lang):  # noqa: F811
    with fresh_app.app_context():
        db.session.execute(text("UPDATE users SET language = :l"), {"l": lang})
        db.session.commit()
    shots = os.environ.get("DEFTER_SHOTS")
    for name, viewport in (("tablet", TABLET), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, has_touch=True, is_mobile=viewport is PHONE,
                                      locale="uk-UA" if lang == "uk" else "ru-RU")
        page = context.new_page()
        log_in(page, fresh_server, "boss", PASSWORD, lands_on=None)
        page.wait_for_load_state()
        for url in PAGES:
            page.goto(f"{fresh_server}{url}")
            _all_big(page)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (url, name)
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"{shots}/{lang}-{name}{url.replace('/', '_')}.png", full_page=True)
        context.close()
