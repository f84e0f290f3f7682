"""A substitution in Debian's chromium on a 1024 × 768 tablet: the administrator opens the day's changes, records a
substitute for 5-А's mathematics with the reason, and the substitute's own day shows the lesson they take, in ru, uk
and crh; every control keeps its 44 × 44 target. DEFTER_SHOTS=folder saves screenshots to look at."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from school.extensions import db
from tests.factory import TODAY
from tests.test_timetable_browser import _shot
from tests.test_touch_targets import TABLET, _all_big, _page
from tests.conftest import log_in

pytestmark = pytest.mark.browser

SUBSTITUTING = {"ru": "вы заменяете учителя", "uk": "ви замінюєте вчителя", "crh": "ерине дерс бересинъиз"}
SAVED = {"ru": "Замена сохранена", "uk": "Заміну збережено", "crh": "сакъланды"}


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_a_substitution_is_recorded_and_the_substitute_sees_it(app, live_server, browser, ids, lang):
    with app.app_context():
        db.session.execute(text("UPDATE users SET language = :l"), {"l": lang})
        db.session.commit()
    context, page = _page(browser, TABLET, locale="uk-UA" if lang == "uk" else "ru-RU")
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/changes/?day={TODAY.isoformat()}")
    _all_big(page)
    _shot(page, f"{lang}-tablet-changes-day")
    page.click(f"a[href$='/admin/changes/lessons/{ids['lesson']}']")
    page.wait_for_selector("select[name=substitute]")
    _all_big(page)
    page.select_option("select[name=substitute]", str(ids["users"]["teacher2"]))
    page.fill(f"form[action$='/lessons/{ids['lesson']}/substitute'] input[name=reason]", "Больничный")
    page.tap(f"form[action$='/lessons/{ids['lesson']}/substitute'] button[type=submit]")
    page.wait_for_selector("text=Больничный")
    body = page.inner_text("body")
    assert SAVED[lang].casefold() in body.casefold() and "Иванова" in body
    _shot(page, f"{lang}-tablet-changes-recorded")
    context.close()
    # The substitute's own day: the lesson they take for its teacher.
    context, page = _page(browser, TABLET, locale="uk-UA" if lang == "uk" else "ru-RU")
    log_in(page, live_server, "teacher2")
    page.goto(f"{live_server}/")
    body = page.inner_text("body")
    assert SUBSTITUTING[lang] in body and "5-А" in body
    _shot(page, f"{lang}-tablet-substitute-day")
    context.close()
