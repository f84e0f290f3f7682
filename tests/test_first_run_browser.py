"""From an empty install to a family reading the diary, in Debian's chromium: the administrator made by
`create-admin` goes through the first run (school, year with its periods, subjects), imports a classes file and then
a people file (XLSX written here with openpyxl; preview, confirm), prints the class's slips, and the parent logs in
with the slip's password, is made to change it and sees the child's diary. Screenshots of the previews at
1024 × 768 in screenshots/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from school.extensions import db
from school.imports.columns import headers
from school.models import SchoolClass, Student, User
from tests.conftest import log_in, serve
from tests.test_admin_first_run import PASSWORD, SCHOOL, fresh_app  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"


@pytest.fixture
def fresh_server(fresh_app):  # noqa: F811
    yield from serve(fresh_app)


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _import(page, base, kind: str, path: Path, shot: str) -> None:
    page.goto(f"{base}/admin/import/")
    page.select_option("#kind", kind)
    page.set_input_files("#file", str(path))
    with page.expect_navigation():
        page.click("form[enctype] button.primary")
    main = page.inner_text("main")
    assert "Предпросмотр" in main and path.name in main, main
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    with page.expect_navigation():
        page.click(f"form[action$='/apply'] button.primary")


def test_from_an_empty_install_to_the_family_diary(fresh_app, fresh_server, browser, tmp_path):  # noqa: F811
    base = fresh_server
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="ru-RU")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "boss", PASSWORD, lands_on=None)
    page.wait_for_url(f"{base}/admin/setup/school")  # the first login leads to the set-up

    for name, value in SCHOOL.items():
        if name != "scale" and value:
            page.fill(f"#{name}", value)
    with page.expect_navigation():
        page.click("form.setup > button.primary")
    page.wait_for_url(f"{base}/admin/setup/year")
    assert page.locator("#periods fieldset").count() == 6  # the usual quarters and halves, dated in this year
    with page.expect_navigation():
        page.click("form.setup > button.primary")
    page.wait_for_url(f"{base}/admin/setup/subjects")
    with page.expect_navigation():  # the usual subjects as offered
        page.click("form.setup > button.primary")
    page.wait_for_url(re.compile(r".*/admin(/setup/work-kinds)?$"))
    page.goto(f"{base}/")
    assert page.url == f"{base}/"  # the first run is done: home is home

    classes = _xlsx(tmp_path / "классы.xlsx", [headers("classes", "ru"), ["5", "А", "", "четверти", "01.09.2026"]])
    _import(page, base, "classes", classes, "first-run-import-classes-preview-ru-1024.png")
    assert "Записано" in page.inner_text("main")
    people_headers = headers("people", "ru")
    row = dict.fromkeys(people_headers, "")
    row.update({"Класс": "5-А", "Фамилия": "Сейдаметова", "Имя": "Эсма", "Дата рождения": "01.04.2015",
                "Родитель 1: фамилия": "Сейдаметов", "Родитель 1: имя": "Рустем", "Родитель 1: кем приходится": "отец",
                "Способ получения": "электронно", "Язык ведомости": "crh", "Дата согласия": "01.09.2026"})
    people = _xlsx(tmp_path / "ученики.xlsx", [people_headers, [row[h] for h in people_headers]])
    _import(page, base, "people", people, "first-run-import-people-preview-ru-1024.png")
    assert "Записано" in page.inner_text("main")

    with fresh_app.app_context():
        class_id = db.session.scalar(select(SchoolClass.id).where(SchoolClass.grade == 5))
        assert db.session.scalar(select(Student.id)) is not None
    page.goto(f"{base}/admin/people/classes/{class_id}/slips")
    with page.expect_navigation():
        page.click(".slips-form button.primary")
    slips = page.locator(".slip")
    assert slips.count() == 2  # the student and the parent
    parent_slip = slips.filter(has_text="Рустем")
    username, password = [c.inner_text() for c in parent_slip.locator("td.code").all()][1:]
    assert username == "seydametov.rustem" and re.fullmatch(r"[a-z0-9]{10}", password)
    context.close()

    family = browser.new_context(viewport={"width": 360, "height": 640}, locale="ru-RU")
    phone = family.new_page()
    phone.on("pageerror", lambda e: errors.append(str(e)))
    log_in(phone, base, username, password, lands_on=None)
    phone.wait_for_url(re.compile(r".*/profile/password.*"))  # made to change the slip's password
    phone.goto(f"{base}/diary/")
    phone.wait_for_url(re.compile(r".*/profile/password.*"))  # not even the diary before it is changed
    phone.fill("#pw-old_password", password)
    phone.fill("#pw-new_password", "a-new-family-pass")
    phone.fill("#pw-confirm", "a-new-family-pass")
    with phone.expect_navigation():
        phone.click("button.primary")
    phone.goto(f"{base}/diary/")
    assert phone.url == f"{base}/diary/"
    assert "Эсма" in phone.inner_text("main")
    phone.screenshot(path=str(SHOTS / "first-run-parent-diary-ru-360.png"), full_page=True)
    family.close()
    with fresh_app.app_context():
        assert not db.session.scalar(select(User.must_change_password).where(User.username == username))
    assert errors == []
