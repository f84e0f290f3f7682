"""The administrator adds a course from a class's curriculum and copies last year's courses into a new year, changing
one teacher in the preview. Debian's chromium at 1024 × 768; screenshots in screenshots/ in ru, uk and crh; every
control at least 44 × 44."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text

from school.extensions import db
from school.models import AcademicYear, Course, SchoolClass, Subgroup, Subject
from tests.test_touch_targets import SMALL
from tests.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
TABLET = {"width": 1024, "height": 768}


def _all_big(page):
    small = page.evaluate(SMALL)
    assert not small, "smaller than 44 × 44 on " + page.url + ":\n" + "\n".join(small)


def _next_year(app, ids) -> int:
    with app.app_context():
        eng = Subject(short="eng", name_ru="Английский язык", name_uk="Англійська мова", name_crh="Инглиз тили")
        db.session.add(eng)
        db.session.flush()
        for name in ("1 группа", "2 группа"):
            group = Subgroup(class_id=ids["class5"], subject_id=eng.id, name=name)
            db.session.add(group)
            db.session.flush()
            db.session.add(Course(year_id=ids["year_id"], subject_id=eng.id, teacher_id=ids["users"]["teacher2"],
                                  class_id=ids["class5"], subgroup_id=group.id, hours_per_week=Decimal("1.5")))
        year = AcademicYear(name="2027/2028", first_day=dt.date(2027, 9, 1), last_day=dt.date(2028, 8, 31))
        db.session.add(year)
        db.session.flush()
        six = SchoolClass(year_id=year.id, grade=6, letter="А", marks_from=year.first_day)
        db.session.add_all([six, SchoolClass(year_id=year.id, grade=7, letter="А", marks_from=year.first_day)])
        db.session.flush()
        db.session.add(Subgroup(class_id=six.id, subject_id=eng.id, name="1 группа"))
        db.session.commit()
        return year.id


def test_admin_adds_a_course_and_copies_last_years_courses(app, ids, live_server, browser):
    base = live_server
    year_id = _next_year(app, ids)
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=TABLET, locale="ru-RU")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "admin")

    page.goto(f"{base}/admin")
    page.click("a[href='/admin/courses']")
    page.click(f"a[href='/admin/courses/classes/{ids['class6']}']")
    assert "Учебный план класса 6-А" in page.inner_text("h1")
    page.click("text=Добавить курс")
    page.select_option("#subject", label="Русский язык")
    page.select_option("#teacher", label="Иванова Анна")
    page.fill("#hours_per_week", "1,5")
    page.select_option("#assessment", "pass_fail")
    _all_big(page)
    page.screenshot(path=str(SHOTS / "courses-form-ru-1024.png"), full_page=True)
    with page.expect_navigation():
        page.click("form[action*='/admin/courses/new'] button[type=submit]")
    assert page.url.endswith(f"/admin/courses/classes/{ids['class6']}")
    table = page.inner_text("table.courses")
    assert "Русский язык" in table and "1,5" in table and "Зачёт / незачёт" in table
    assert "Курс добавлен." in page.inner_text("main")

    page.goto(f"{base}/admin/courses/classes/{ids['class5']}")
    _all_big(page)
    page.screenshot(path=str(SHOTS / "courses-curriculum-ru-1024.png"), full_page=True)

    page.goto(f"{base}/admin/courses/copy")
    assert page.locator("#source").input_value() == str(ids["year_id"])
    assert page.locator("#target").input_value() == str(year_id)
    page.click("form.years button[type=submit]")
    selects = page.locator("select[name^=teacher-]")
    assert selects.count() == 5  # 5-А math, rus, English group 1 → 6-А; 6-А math and the rus just added → 7-А
    assert "2 группа" in page.inner_text("main") and "1-А" in page.inner_text("main")
    _all_big(page)
    page.screenshot(path=str(SHOTS / "courses-copy-ru-1024.png"), full_page=True)
    page.select_option(f"select[name=teacher-{ids['math5']}]", label="Иванова Анна")
    with page.expect_navigation():
        page.click("form[method=post][action$='/admin/courses/copy'] button[type=submit]")
    assert "Скопировано 5 курсов." in page.inner_text("main")
    with app.app_context():
        six = db.session.scalar(select(SchoolClass.id).where(SchoolClass.year_id == year_id, SchoolClass.grade == 6))
        math = db.session.scalar(select(Course).join(Subject).where(Course.class_id == six, Subject.short == "math"))
        assert math.teacher_id == ids["users"]["teacher2"]
    _all_big(page)
    page.screenshot(path=str(SHOTS / "courses-index-ru-1024.png"), full_page=True)
    assert not errors
    context.close()

    for lang, heading in (("uk", "Навчальний план класу 5-А"), ("crh", "5-А сыныфынынъ окъув планы")):
        with app.app_context():
            db.session.execute(text("UPDATE users SET language = :l WHERE username = 'admin'"), {"l": lang})
            db.session.commit()
        context = browser.new_context(viewport=TABLET, locale="ru-RU")
        page = context.new_page()
        log_in(page, base, "admin")
        page.goto(f"{base}/admin/courses/classes/{ids['class5']}")
        assert heading in page.inner_text("h1")
        page.screenshot(path=str(SHOTS / f"courses-curriculum-{lang}-1024.png"), full_page=True)
        page.goto(f"{base}/admin/courses/{ids['math5']}")
        _all_big(page)
        page.screenshot(path=str(SHOTS / f"courses-form-{lang}-1024.png"), full_page=True)
        page.goto(f"{base}/admin/courses/copy?source={ids['year_id']}&target={year_id}")
        page.screenshot(path=str(SHOTS / f"courses-copy-{lang}-1024.png"), full_page=True)
        context.close()
