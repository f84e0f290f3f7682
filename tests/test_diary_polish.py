"""What a reviewer's screenshots of the family diary (360 × 640 and 1024 × 768, ru/uk/crh) found: the move note's
year, the attendance card with nothing to count, the lowercase weekdays, the average of a subject without marks."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from school.extensions import db
from school.models import Attendance, Lesson, Mark, PeriodMark, WorkKind
from tests import factory
from tests.test_diary_more import set_language
from tests.conftest import log_in

MOVED = {"ru": "Перенесён с 23.11.2026, 5-й урок.", "uk": "Перенесено з 23.11.2026, 5-й урок.",
         "crh": "23.11.2026, 5-нджи дерстен кочюрильди."}


def _parent_on_a_phone(browser, live_server, **device):
    """The parent logged in on a 360 × 640 phone with JavaScript off (device: more of the context's options):
    (context, page)."""
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False, **device)
    page = context.new_page()
    log_in(page, live_server, "parent", lands_on=None)
    return context, page


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_the_move_note_gives_the_full_year_in_every_language(app, auth, client, ids, lang):
    """uk's "short" date format has a two-digit year (23.11.26): the note uses dd.MM.y like the other diary dates."""
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson"])
        lesson.moved_from_day, lesson.moved_from_number = dt.date(2026, 11, 23), 5
        db.session.commit()
    set_language(app, "parent", lang)
    auth.login("parent")
    html = client.get(f"/diary/{ids['emil']}").get_data(as_text=True)
    assert MOVED[lang] in html


def test_the_grid_heads_move_note_gives_the_full_year_in_ukrainian(app, auth, client, ids):
    """The same note in the teacher's grid (a column head's title): uk's "short" format would give 23.11.26."""
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson"])
        lesson.moved_from_day, lesson.moved_from_number = dt.date(2026, 11, 23), 5
        db.session.commit()
    set_language(app, "teacher", "uk")
    auth.login("teacher")
    html = client.get(f"/journal/courses/{ids['math5']}").get_data(as_text=True)
    assert "23.11.2026" in html and "23.11.26," not in html


def mark_attendance(app, ids, code: str, day: dt.date = dt.date(2026, 11, 24)) -> None:
    with app.app_context():
        lesson = factory.lesson_at(ids["math5"], day, 1)
        db.session.add(Attendance(lesson_id=lesson.id, student_id=ids["emil"], code=code,
                                  set_by=ids["users"]["teacher"], set_at=dt.datetime.combine(day, dt.time(8, 10))))
        db.session.commit()


def attendance_page(app, auth, client, ids, lang: str = "ru") -> str:
    set_language(app, "parent", lang)
    auth.login("parent")
    return client.get(f"/diary/{ids['emil']}/attendance").get_data(as_text=True)


NOTHING = {"ru": "Пропусков и опозданий нет.", "uk": "Пропусків і запізнень немає.",
           "crh": "Къачырылгъан дерслер ве кеч кельмелер ёкъ."}
ZERO = {"ru": ("0 пропущенных", "болел(а) 0"), "uk": ("0 пропущених", "хворів(ла) 0"),
        "crh": ("0 къачырылгъан", "хаста эди 0")}


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_attendance_without_absences_says_so_once_without_a_zero_breakdown(app, auth, client, ids, lang):
    html = attendance_page(app, auth, client, ids, lang)
    assert NOTHING[lang] in html
    assert '<section class="card">' not in html
    for zero in ZERO[lang]:
        assert zero not in html


def test_attendance_with_only_a_late_arrival_counts_it_without_the_reasons_of_no_absence(app, auth, client, ids):
    mark_attendance(app, ids, "late")
    html = attendance_page(app, auth, client, ids)
    assert "0 пропущенных уроков. 1 опоздание." in html
    assert "болел(а)" not in html and "Пропусков и опозданий нет." not in html


def test_attendance_with_an_absence_gives_its_reasons(app, auth, client, ids):
    mark_attendance(app, ids, "absent")
    html = attendance_page(app, auth, client, ids)
    assert "1 пропущенный урок: болел(а) 0, уважительная причина 0, без уважительной причины 1." in html


def test_attendance_rows_are_capitalised_like_the_weeks_day_headings(app, auth, client, ids):
    """Babel's ru and uk weekdays are lowercase ("вт 24 нояб."): the rows take the day headings' ::first-letter
    rule (the browser test below sees the result)."""
    mark_attendance(app, ids, "absent")
    html = attendance_page(app, auth, client, ids)
    assert '<ul class="plain absences"><li>вт 24 нояб.' in html
    css = (Path(__file__).resolve().parent.parent / "static/css/app.css").read_text()
    assert ".absences li::first-letter" in css


@pytest.mark.browser
@pytest.mark.parametrize("lang, row", [("ru", "Вт 24 нояб."), ("uk", "Вт 24 лист.")])
def test_attendance_rows_start_with_a_capital_in_the_browser(app, live_server, browser, ids, lang, row):
    mark_attendance(app, ids, "absent")
    set_language(app, "parent", lang)
    context, page = _parent_on_a_phone(browser, live_server)
    page.goto(f"{live_server}/diary/{ids['emil']}/attendance")
    assert page.locator(".absences li").first.inner_text().startswith(row)
    context.close()


def marks_page(app, auth, client, ids, lang: str = "ru") -> str:
    set_language(app, "parent", lang)
    auth.login("parent")
    return client.get(f"/diary/{ids['emil']}/marks").get_data(as_text=True)


def subject_card(html: str, subject: str) -> str:
    start = html.index(f"<h2>{subject}</h2>")
    return html[start:html.index("</section>", start)]


AVERAGE = {"ru": "Средний балл", "uk": "Середній бал", "crh": "Орта къыймет"}


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_a_subject_without_marks_has_no_average_line(app, auth, client, ids, lang):
    html = marks_page(app, auth, client, ids, lang)
    assert AVERAGE[lang] not in html and "Прогноз" not in html and "—" not in html


def test_only_the_subject_with_marks_shows_its_average(app, auth, client, ids):
    with app.app_context():
        kind = db.session.scalar(select(WorkKind).where(WorkKind.code == "test"))
        lesson = db.session.get(Lesson, ids["lesson"])
        db.session.add(Mark(lesson_id=lesson.id, student_id=ids["emil"], slot=1, scale="five", code="4",
                            work_kind_id=kind.id, weight=kind.weight, author_id=ids["users"]["teacher"],
                            created_at=dt.datetime(2026, 11, 24, 9), updated_at=dt.datetime(2026, 11, 24, 9)))
        db.session.commit()
    html = marks_page(app, auth, client, ids)
    assert "Средний балл: <b>4,00</b> · Прогноз: <b>4</b>" in subject_card(html, "Математика")
    rus = subject_card(html, "Русский язык")
    assert "Отметок пока нет." in rus and "Средний балл" not in rus


def test_a_period_mark_without_current_marks_is_shown_without_a_leading_separator(app, auth, client, ids):
    with app.app_context():
        db.session.add(PeriodMark(student_id=ids["emil"], course_id=ids["rus5"], kind="period", period_id=ids["q2"],
                                  scale="five", code="5", set_by=ids["users"]["teacher2"],
                                  set_at=dt.datetime(2026, 11, 24, 12)))
        db.session.commit()
    rus = subject_card(marks_page(app, auth, client, ids), "Русский язык")
    assert "<p>Отметка за период: <b>5</b></p>" in rus and "Средний балл" not in rus


def test_the_marks_page_shows_this_periods_mark_and_the_year_mark_read_with_the_courses(app, auth, client, ids):
    """The current period's mark and the year mark of each subject, not another period's nor an exam mark, read
    in the statement of the courses (no statement of the period marks of their own)."""
    from sqlalchemy import func
    from school.models import Period
    from tests.conftest import statements_during
    with app.app_context():
        q2 = db.session.get(Period, ids["q2"])
        earlier = db.session.scalar(select(Period).where(Period.year_id == q2.year_id, Period.scheme == q2.scheme,
                                                         Period.last_day < q2.first_day)
                                    .order_by(Period.first_day.desc()).limit(1))
        at = dt.datetime(2026, 11, 24, 12)
        marks = dict(period=("3", earlier.id), year=("4", None), exam=("2", None))
        for kind, (code, period_id) in marks.items():
            db.session.add(PeriodMark(student_id=ids["emil"], course_id=ids["rus5"], kind=kind, period_id=period_id,
                                      scale="five", code=code, set_by=ids["users"]["teacher2"], set_at=at))
        db.session.add(PeriodMark(student_id=ids["emil"], course_id=ids["rus5"], kind="period", period_id=q2.id,
                                  scale="five", code="5", set_by=ids["users"]["teacher2"], set_at=at))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PeriodMark)) == 4
    set_language(app, "parent", "ru")
    auth.login("parent")
    seen, page = statements_during(app, lambda: client.get(f"/diary/{ids['emil']}/marks"))
    rus = subject_card(page.get_data(as_text=True), "Русский язык")
    assert "<p>Отметка за период: <b>5</b> · Годовая отметка: <b>4</b></p>" in rus, rus
    assert not [s for s in seen if s.lstrip().startswith("SELECT period_marks.")], seen


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def _contrast(fg: str, bg: str) -> float:
    def lum(rgb):
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    a, b = sorted((lum(_rgb(fg)), lum(_rgb(bg))), reverse=True)
    return (a + 0.05) / (b + 0.05)


STYLE = """(sel) => { const e = document.querySelector(sel), s = getComputedStyle(e);
  return {color: s.color, background: s.backgroundColor, weight: s.fontWeight, style: s.fontStyle}; }"""


@pytest.mark.browser
def test_a_change_note_and_a_cancelled_lesson_look_unlike_the_homework_labels(app, live_server, browser, ids):
    """p.note (a substitution, a move, an extra lesson) had the colour and weight of the "Homework:" label, and a
    cancelled lesson was only its struck-through subject."""
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson"])
        lesson.homework, lesson.substitute_id = "№ 1", ids["users"]["teacher2"]
        factory.lesson_at(ids["math5"], dt.date(2026, 11, 25), 1, state="cancelled", homework="№ 2")
        db.session.commit()
    context, page = _parent_on_a_phone(browser, live_server)
    page.goto(f"{live_server}/diary/{ids['emil']}")
    note, label = page.evaluate(STYLE, "li:not(.cx) p.note"), page.evaluate(STYLE, "li:not(.cx) p.hw span")
    assert (note["color"], note["background"], note["weight"]) != (label["color"], label["background"],
                                                                    label["weight"])
    assert note["background"] != "rgba(0, 0, 0, 0)" and _contrast(note["color"], note["background"]) >= 4.5
    cancelled = page.evaluate(STYLE, "li.cx")
    assert cancelled["style"] == "italic" and _contrast(cancelled["color"], "rgb(255, 255, 255)") >= 4.5
    cancelled_note = page.evaluate(STYLE, "li.cx p.note")
    assert cancelled_note["background"] != note["background"]
    assert _contrast(cancelled_note["color"], cancelled_note["background"]) >= 4.5
    context.close()


LAYOUT = """() => {
  const top = s => document.querySelector(s).getBoundingClientRect();
  return {header: top("header.top").height, tabs: top("nav.tabs").height, day: top("section.day").top,
          width: document.documentElement.scrollWidth,
          tabsShown: [...document.querySelectorAll("nav.tabs a, header.top nav a, header.top nav button")]
            .every(a => getComputedStyle(a).display !== "none" && getComputedStyle(a).visibility !== "hidden")};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_the_week_on_a_phone_starts_in_the_upper_half_of_the_screen(app, live_server, browser, ids, lang):
    """The brand had a row of its own, the menu two and the diary's tabs three (ru, uk): the first lesson started
    near the bottom of a 360 × 640 screen. The menu and the tabs now scroll sideways, every link still there and
    reachable without JavaScript."""
    set_language(app, "parent", lang)
    context, page = _parent_on_a_phone(browser, live_server, is_mobile=True, has_touch=True)
    page.goto(f"{live_server}/diary/{ids['emil']}")
    layout = page.evaluate(LAYOUT)
    assert layout["day"] < 320, layout  # the first day's card (the test school has no lessons on Monday)
    assert layout["header"] < 50 and layout["tabs"] < 50 and layout["width"] <= 360, layout
    assert layout["tabsShown"]
    page.tap("nav.tabs a[href$='/settings']")  # the last tab, off screen until the row is scrolled
    page.wait_for_url(f"{live_server}/diary/settings")
    page.tap("header.top nav button[type=submit]")  # the menu's last item, "log out"
    page.wait_for_url(f"{live_server}/login*")
    context.close()
