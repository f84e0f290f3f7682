"""The diary on a cheap phone: 360 × 640, JavaScript off, in Debian's chromium."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def test_parent_reads_the_week_switches_child_and_opens_marks_without_javascript(live_server, browser, ids):
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False,
                                  is_mobile=True, has_touch=True, locale="ru-RU")
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    log_in(page, live_server, "parent", lands_on=None)
    page.click("header a[href='/diary/']")
    page.wait_for_url(f"{live_server}/diary/")
    assert page.locator("h1").inner_text().startswith("Эмиль")
    assert page.locator("script").count() == 0
    # no horizontal scrolling on a 360-px screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "diary-week-phone.png"), full_page=True)

    page.click(f"nav.kids a[href='/diary/{ids['lenur']}']")
    page.wait_for_url(f"{live_server}/diary/{ids['lenur']}")
    assert page.locator("h1").inner_text().startswith("Ленур")
    page.click(f"nav.tabs a[href='/diary/{ids['lenur']}/marks']")
    page.wait_for_url(f"{live_server}/diary/{ids['lenur']}/marks")
    assert page.locator("nav.tabs a[aria-current=page]").get_attribute("href").endswith("/marks")
    page.screenshot(path=str(SHOTS / "diary-marks-phone.png"), full_page=True)
    assert not [u for u in requests if u.endswith(".js") or "htmx" in u]
    context.close()
