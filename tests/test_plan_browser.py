"""The thematic plan in Debian's chromium on a 1024 × 768 tablet: a row edited in place with htmx (the running
totals and the hours check follow), moved and deleted; the page and the import preview keep their touch targets
at 44 × 44 in ru, uk and crh. DEFTER_SHOTS=folder saves a screenshot of each page to look at."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from school.extensions import db
from school.models import PlanItem
from tests.imports_files import xlsx
from tests.test_plan import _year_of_lessons, stored
from tests.test_touch_targets import TABLET, _all_big
from tests.conftest import log_in

pytestmark = pytest.mark.browser


def _fixture(app, ids, lang="ru"):
    _year_of_lessons(app, ids)
    with app.app_context():
        db.session.execute(text("UPDATE users SET language = :l WHERE username = 'teacher'"), {"l": lang})
        topics = {"ru": ("Натуральные числа и шкалы: сравнение, округление, действия с многозначными числами",
                         "Обыкновенные дроби", "Проценты"),
                  "uk": ("Натуральні числа та шкали", "Звичайні дроби", "Відсотки"),
                  "crh": ("Табиий сайылар", "Адий кесирлер", "Процентлер")}[lang]
        db.session.add_all(PlanItem(course_id=ids["math5"], position=n, topic=t, hours=h)
                           for n, (t, h) in enumerate(zip(topics, (3, 5, 4)), 1))
        db.session.commit()


def _shot(page, name):
    shots = os.environ.get("DEFTER_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/{name}.png", full_page=True)


def test_a_row_is_edited_moved_and_deleted_in_place(app, ids, live_server, browser):
    _fixture(app, ids)
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="ru-RU")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())
    log_in(page, live_server, "teacher")
    url = f"{live_server}/journal/courses/{ids['math5']}/plan"
    page.goto(url)
    assert "В плане 12 часов, расписание даёт 14 уроков." in page.inner_text("#plan")

    row = page.locator("#plan tbody tr").nth(1)
    row.get_by_role("link", name="Изменить").click()
    page.wait_for_selector("#plan tr.editing textarea")
    assert page.url == url                               # swapped in place, no navigation
    page.fill("#plan tr.editing textarea", "Дроби и смешанные числа")
    page.fill("#plan tr.editing input[type=number]", "7")
    page.click("#plan tr.editing button[type=submit]")
    page.wait_for_selector("#plan tr.editing", state="detached")
    assert page.url == url
    assert "План совпадает с расписанием: 14 часов, 14 уроков." in page.inner_text("#plan")
    totals = [page.locator("#plan tbody tr").nth(i).locator("td.num").nth(2).inner_text() for i in range(3)]
    assert totals == ["3", "10", "14"]

    # A refused save keeps the row open with the reason.
    page.locator("#plan tbody tr").nth(0).get_by_role("link", name="Изменить").click()
    page.wait_for_selector("#plan tr.editing textarea")
    page.fill("#plan tr.editing input[type=number]", "0")
    page.evaluate("() => document.querySelector('#plan tr.editing input[type=number]').removeAttribute('min')")
    page.click("#plan tr.editing button[type=submit]")
    page.wait_for_selector("#plan tr.editing .error")
    page.click("#plan tr.editing a.button")                 # cancel
    page.wait_for_selector("#plan tr.editing", state="detached")

    page.click("#plan tbody tr:nth-child(3) button[aria-label^='Выше']")
    page.wait_for_function("() => document.querySelector('#plan tbody tr:nth-child(2) td.topic')"
                           ".textContent.startsWith('Проценты')")
    page.click("#plan tbody tr:nth-child(1) button[aria-label^='Удалить']")
    page.wait_for_function("() => document.querySelectorAll('#plan tbody tr').length === 2")
    assert [(p, t) for p, t, _h in stored(app, ids["math5"])] == [(1, "Проценты"), (2, "Дроби и смешанные числа")]

    page.fill("#add-topic", "Повторение")
    page.fill("#add-hours", "2")
    page.click("form.plan-add button[type=submit]")
    page.wait_for_function("() => document.querySelectorAll('#plan tbody tr').length === 3")
    assert stored(app, ids["math5"])[-1] == (3, "Повторение", 2)
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_plan_pages_have_big_targets(app, ids, live_server, browser, lang, tmp_path):
    _fixture(app, ids, lang)
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="uk-UA" if lang == "uk" else "ru-RU")
    page = context.new_page()
    log_in(page, live_server, "teacher")
    base = f"{live_server}/journal/courses/{ids['math5']}/plan"
    page.goto(base)
    _all_big(page)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    _shot(page, f"{lang}-plan")
    page.locator("#plan tbody tr").nth(0).locator("a.button").click()
    page.wait_for_selector("#plan tr.editing textarea")
    _all_big(page)
    _shot(page, f"{lang}-plan-edit")

    # The import: upload, the preview with an error row, a changed row and a removed one.
    path = tmp_path / "plan.xlsx"
    path.write_bytes(xlsx([["№", "Тема", "Часы"], [1, "Натуральные числа", 3], [2, "Дроби", 0]]))
    page.goto(base + "/import")
    _all_big(page)
    _shot(page, f"{lang}-plan-import")
    page.set_input_files("input[type=file]", str(path))
    page.click("form button[type=submit].primary")
    page.wait_for_url(re.compile(r".*/plan/import\?file="))
    assert page.locator("tr.outcome-error").count() == 1
    _all_big(page)
    _shot(page, f"{lang}-plan-preview")
    context.close()
