"""The administrator puts a class, a student and a parent into Defter and prints the slips; the parent logs in with
the slip's password, is made to change it and reads the child's diary. Debian's chromium; screenshots in
screenshots/ at 1024 × 768 and 360 × 640 in ru, uk and crh."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from school.extensions import db
from school.models import User
from tests.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def _submit(page, form_selector):
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")


def test_admin_adds_a_class_and_a_family_prints_slips_and_the_parent_logs_in(app, ids, live_server, browser):
    base = live_server
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="ru-RU")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "admin", lands_on=None)
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/admin/people/classes/new")
    page.fill("#grade", "7")
    page.fill("#letter", "В")
    page.select_option("#class_teacher", label="Иванова Анна")
    page.fill("#marks_from", "2026-09-01")
    _submit(page, "form[action$='/classes/new']")
    assert "7-В" in page.inner_text("h1")

    page.goto(f"{base}/admin/people/students/new")
    page.fill("#surname", "Сейдаметова")
    page.fill("#name", "Эсма")
    page.fill("#birth_date", "2013-04-01")
    page.fill("#consent_date", "2026-09-01")
    page.select_option("#statement_language", "crh")
    _submit(page, "form[action$='/students/new']")
    student_url = page.url
    page.fill("#guardian-surname", "Сейдаметов")
    page.fill("#guardian-name", "Рустем")
    page.select_option("#guardian-relation", "father")
    _submit(page, "form[action$='/guardians']")
    assert "Сейдаметов Рустем" in page.inner_text("main")

    page.goto(student_url + "/movement")
    page.select_option("#admit-school_class", label="7-В")
    page.fill("#admit-day", "2026-09-01")
    page.fill("#admit-order", "12-у")
    _submit(page, "form[action$='/movement/admit']")
    assert "12-у" in page.inner_text("main")

    with app.app_context():
        from school.models import SchoolClass
        class_id = db.session.scalar(select(SchoolClass.id).where(SchoolClass.grade == 7))
    page.goto(f"{base}/admin/people/classes/{class_id}/slips")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "people-slips-form-ru-1024.png"), full_page=True)
    with page.expect_navigation():
        page.click(".slips-form button.primary")
    slips = page.locator(".slip")
    assert slips.count() == 2
    page.screenshot(path=str(SHOTS / "people-slips-print-1024.png"), full_page=True)
    parent_slip = slips.filter(has_text="Рустем")
    assert parent_slip.get_attribute("lang") == "crh" and "Къулланыджы ады" in parent_slip.inner_text()
    username, password = [c.inner_text() for c in parent_slip.locator("td.code").all()][1:]
    assert username == "seydametov.rustem" and re.fullmatch(r"[a-z0-9]{10}", password)
    context.close()

    family = browser.new_context(viewport={"width": 360, "height": 640}, locale="ru-RU")
    phone = family.new_page()
    log_in(phone, base, username, password, lands_on=None)
    phone.wait_for_url(re.compile(r".*/profile/password.*"))
    phone.fill("#pw-old_password", password)
    phone.fill("#pw-new_password", "a-new-family-pass")
    phone.fill("#pw-confirm", "a-new-family-pass")
    with phone.expect_navigation():
        phone.click("button.primary")
    phone.goto(f"{base}/diary/")
    assert "Эсма" in phone.inner_text("main")
    phone.screenshot(path=str(SHOTS / "people-parent-diary-360.png"), full_page=True)
    family.close()
    with app.app_context():
        assert not db.session.scalar(select(User.must_change_password).where(User.username == username))
    assert errors == []


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_screens_in_three_languages_and_two_sizes(app, ids, live_server, browser, lang):
    with app.app_context():
        db.session.get(User, ids["users"]["admin"]).language = lang
        db.session.commit()
    for width, height in ((1024, 768), (360, 640)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        log_in(page, live_server, "admin", lands_on=None)
        page.wait_for_url(f"{live_server}/")
        for name, url in (("staff", "/admin/people/staff"), ("student", f"/admin/people/students/{ids['emil']}"),
                          ("movement", f"/admin/people/students/{ids['emil']}/movement"),
                          ("class", f"/admin/people/classes/{ids['class5']}")):
            page.goto(live_server + url)
            page.screenshot(path=str(SHOTS / f"people-{name}-{lang}-{width}.png"), full_page=True)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1, (name, width)
        context.close()
