"""The teacher's home page on a phone: today's lessons fit the screen (the table scrolls inside its card)."""
from __future__ import annotations

import pytest

from tests.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["ru", "uk", "crh"])
def test_todays_lessons_do_not_widen_the_page_on_a_phone(live_server, browser, language):
    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, live_server, "teacher")
    if language != "ru":
        page.click(f"button[name=language][value={language}]")
        page.wait_for_load_state()
    table = page.locator("section.card table.list").first
    assert table.locator("tbody tr").count() >= 1
    assert table.locator("thead th").count() == 6  # room and note are there, to be scrolled to
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    context.close()
