"""Messages in Debian's chromium: a parent on a 360 × 640 phone with JavaScript off writes to the class teacher, the
class teacher answers on a tablet, the parent sees the answer and the read receipt."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def language(page, code: str) -> None:
    button = page.locator(f"footer button[value={code}]")
    if button.count():
        button.click()
        page.wait_for_load_state()


def test_parent_on_a_phone_and_the_class_teacher_on_a_tablet(live_server, browser, ids):
    SHOTS.mkdir(exist_ok=True)
    phone = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False, is_mobile=True,
                                has_touch=True, locale="ru-RU")
    parent = phone.new_page()
    requests = []
    parent.on("request", lambda r: requests.append(r.url))
    log_in(parent, live_server, "parent", lands_on=None)
    language(parent, "ru")
    parent.click("header a[href='/messages/']")
    parent.wait_for_url(f"{live_server}/messages/")
    parent.click("a[href='/messages/new']")
    parent.click(f"a[href='/messages/new?student_id={ids['emil']}']")
    # the class teacher is the first choice
    assert parent.locator("select#teacher option").first.get_attribute("value") == str(ids["users"]["teacher"])
    parent.fill("#topic", "Экскурсия в пятницу")
    parent.fill("#body", "Здравствуйте! Эмиль сможет поехать. Маршрут: https://example.org/route")
    assert parent.evaluate("() => document.documentElement.scrollWidth") <= 360
    parent.screenshot(path=str(SHOTS / "messages-new-phone-ru.png"), full_page=True)
    parent.click("form button.primary")
    parent.wait_for_url(re.compile(r".*/messages/\d+$"))
    thread_url = parent.url
    assert parent.locator(".msgs .rcpt").inner_text() == "не прочитано"
    assert parent.locator(".msgs a[href='https://example.org/route']").count() == 1

    tablet = browser.new_context(viewport={"width": 1024, "height": 768}, locale="ru-RU")
    teacher = tablet.new_page()
    log_in(teacher, live_server, "teacher", lands_on=None)
    language(teacher, "ru")
    teacher.goto(f"{live_server}/messages/")
    assert teacher.locator("header a[href='/messages/'] .count").inner_text() == "1"
    teacher.screenshot(path=str(SHOTS / "messages-inbox-tablet-ru.png"), full_page=True)
    teacher.click("ul.threads a")
    teacher.fill("#body", "Спасибо, записала Эмиля.")
    teacher.click("form button.primary")
    teacher.wait_for_load_state()
    assert "Спасибо, записала Эмиля." in teacher.locator(".msgs").inner_text()
    assert teacher.locator("header a[href='/messages/'] .count").count() == 0
    teacher.screenshot(path=str(SHOTS / "messages-thread-tablet-ru.png"), full_page=True)

    parent.goto(f"{live_server}/messages/")
    assert parent.locator("header a[href='/messages/'] .count").inner_text() == "1"
    parent.goto(thread_url)
    assert "Спасибо, записала Эмиля." in parent.locator(".msgs").inner_text()
    assert re.fullmatch(r"прочитано \d+ ноября в \d\d:\d\d", parent.locator(".msgs li.mine .rcpt").inner_text())
    assert parent.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert parent.locator("script").count() == 0
    parent.screenshot(path=str(SHOTS / "messages-thread-phone-ru.png"), full_page=True)
    for code in ("uk", "crh"):
        language(parent, code)
        parent.goto(thread_url)
        assert parent.evaluate("() => document.documentElement.scrollWidth") <= 360
        parent.screenshot(path=str(SHOTS / f"messages-thread-phone-{code}.png"), full_page=True)
        parent.goto(f"{live_server}/messages/")
        parent.screenshot(path=str(SHOTS / f"messages-inbox-phone-{code}.png"), full_page=True)
        language(teacher, code)
        teacher.goto(thread_url)
        teacher.screenshot(path=str(SHOTS / f"messages-thread-tablet-{code}.png"), full_page=True)
    parent.goto(f"{live_server}/notices/")
    parent.screenshot(path=str(SHOTS / "notices-preferences-phone-crh.png"), full_page=True)
    assert not [u for u in requests if u.endswith(".js") or "htmx" in u]
    phone.close()
    tablet.close()
