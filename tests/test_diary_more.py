"""What a parent, a student and a class teacher stumbled on (issue 8 §8): the diary's numbering, weeks to
come, homework due on a day, the home pages, subgroup names, subject order and the attendance week's heads."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from school import week
from school.extensions import db
from school.queries import clear_settings_cache
from school.models import DiaryView, Lesson, TimetableSlot, User
from school.register import timetable
from tests import factory
from tests.conftest import log_in, statements_during
from tests.factory import TODAY


def set_language(app, username: str, language: str) -> None:
    with app.app_context():
        db.session.scalar(select(User).where(User.username == username)).language = language
        db.session.commit()


def add_lesson(app, course_id: int, day: dt.date, number: int = 1, **fields) -> int:
    with app.app_context():
        lesson = factory.lesson_at(course_id, day, number, **fields)
        db.session.commit()
        return lesson.id


def set_homework(app, lesson_id: int, text: str) -> None:
    with app.app_context():
        db.session.get(Lesson, lesson_id).homework = text
        db.session.commit()


# ---------------------------------------------------------------- 1. numbered once

@pytest.mark.parametrize("page", ["", "/class"])
def test_the_timetable_is_numbered_once(app, auth, client, ids, page):
    """The lesson's own number is written out (lesson 3 may be the first of a day), so the list itself
    must not number the lessons again: no <ol> around them ("1. 1. Математика")."""
    set_language(app, "student", "ru")
    auth.login("student")
    html = client.get(f"/diary/{ids['emil']}{page}").get_data(as_text=True)
    assert "Математика" in html
    assert "<ol" not in html


# ---------------------------------------------------------------- 2. weeks to come

def ack_form(html: str) -> bool:
    return "/acknowledge" in html


def test_the_current_week_is_this_week_and_may_be_acknowledged(auth, client, ids):
    auth.login("parent2")  # Russian
    html = client.get(f"/diary/{ids['other6']}").get_data(as_text=True)
    assert "<h2>Эта неделя</h2>" in html and ack_form(html)
    html = client.get(f"/diary/{ids['other6']}?week=2026-W47").get_data(as_text=True)
    assert "<h2>Прошлая неделя</h2>" in html and ack_form(html)


def test_a_week_to_come_is_titled_by_its_dates_and_offers_no_acknowledgement(auth, client, ids):
    auth.login("parent2")
    html = client.get(f"/diary/{ids['other6']}?week=2026-W49").get_data(as_text=True)
    assert "<h2>Следующая неделя</h2>" in html and "<h2>Эта неделя</h2>" not in html
    assert not ack_form(html)
    html = client.get(f"/diary/{ids['other6']}?week=2026-W51").get_data(as_text=True)
    assert "<h2>Неделя 14 дек. – 20 дек. 2026</h2>" in html
    assert not ack_form(html)


def test_acknowledging_a_week_to_come_is_refused(app, auth, client, ids):
    auth.login("parent2")
    r = auth.post(f"/diary/{ids['other6']}/acknowledge?week=2026-W49", page=f"/diary/{ids['other6']}")
    assert r.status_code == 422
    assert "Неделю, которая ещё не началась, подтвердить нельзя." in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(DiaryView.id).where(DiaryView.acknowledged_at.is_not(None))) is None
        # the refusal is not a view of that week either
        assert db.session.scalar(select(DiaryView.id).where(
            DiaryView.week_start == dt.date(2026, 11, 30))) is None
    r = auth.post(f"/diary/{ids['other6']}/acknowledge?week=2026-W48", page=f"/diary/{ids['other6']}")
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(DiaryView.week_start).where(DiaryView.acknowledged_at.is_not(None))) \
            == dt.date(2026, 11, 23)


# ---------------------------------------------------------------- 3. homework due for a lesson

def homework_fixture(app, ids):
    """Math 5-А on Tuesdays (the timetable) and these lessons: Fri 20 Nov sets «упр. 3»; Mon 23 Nov is
    cancelled; Tue 24 Nov (the factory's lesson) sets «упр. 7»."""
    add_lesson(app, ids["math5"], dt.date(2026, 11, 13), homework="упр. 1")
    add_lesson(app, ids["math5"], dt.date(2026, 11, 20), homework="упр. 3")
    add_lesson(app, ids["math5"], dt.date(2026, 11, 23), state="cancelled", homework="отменённое")
    set_homework(app, ids["lesson"], "упр. 7")


def test_each_lesson_carries_the_homework_due_for_it(app, ids):
    homework_fixture(app, ids)
    with app.test_request_context():
        days = {d.date: d for d in week.days(ids["emil"], dt.date(2026, 11, 23), dt.date(2026, 12, 6))}
        monday = [i for i in days[dt.date(2026, 11, 23)].lessons if i.course.id == ids["math5"]]
        tuesday = [i for i in days[TODAY].lessons if i.course.id == ids["math5"]]
        next_tuesday = [i for i in days[dt.date(2026, 12, 1)].lessons if i.course.id == ids["math5"]]
        assert monday[0].cancelled and monday[0].homework_due is None
        # set before the week, passed over the cancelled lesson
        assert tuesday[0].homework_due == "упр. 3"
        # a lesson to come (generated from the timetable, not held yet) gets what the last held lesson set
        assert next_tuesday[0].lesson.day > TODAY and next_tuesday[0].homework_due == "упр. 7"


def test_homework_due_from_before_the_first_day_skips_a_cancelled_lesson(app, ids):
    """The days start on Tuesday 24: before them Math had Fri 13 (упр. 1), Fri 20 (упр. 3) and Mon 23, cancelled
    with homework of its own. What is due on Tuesday is the last held lesson's, Fri 20's."""
    homework_fixture(app, ids)
    with app.test_request_context():
        days = {d.date: d for d in week.days(ids["emil"], TODAY, TODAY)}
        tuesday = [i for i in days[TODAY].lessons if i.course.id == ids["math5"]]
        assert tuesday[0].homework_due == "упр. 3"


def test_homework_due_is_read_without_a_query_per_lesson(app, ids):
    def count(first, last):
        queries = []
        with app.test_request_context():
            clear_settings_cache()  # both counts read the bells and the holidays the pages keep
            listen = lambda *a: queries.append(a[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listen)
            try:
                week.days(ids["emil"], first, last)
            finally:
                event.remove(db.engine, "before_cursor_execute", listen)
        return len(queries)

    homework_fixture(app, ids)
    few = count(dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    for n, day in enumerate((dt.date(2026, 11, 25), dt.date(2026, 11, 26), dt.date(2026, 11, 27))):
        add_lesson(app, ids["math5"], day, homework=f"упр. {10 + n}")
    assert count(dt.date(2026, 11, 23), dt.date(2026, 11, 29)) == few


def test_the_diary_shows_the_homework_due_under_the_lesson(app, auth, client, ids):
    homework_fixture(app, ids)
    set_language(app, "student", "ru")
    auth.login("student")
    html = client.get(f"/diary/{ids['emil']}").get_data(as_text=True)
    tuesday = html[html.index("вторник"):]
    tuesday = tuesday[:tuesday.index("</section>")]
    assert "К этому уроку:</span> упр. 3" in tuesday
    assert "упр. 7" in tuesday  # set at this lesson, shown as before
    html = client.get(f"/diary/{ids['emil']}?week=2026-W49").get_data(as_text=True)
    assert "К этому уроку:</span> упр. 7" in html


def test_the_weekly_statement_shows_the_homework_due(app, auth, client, ids):
    homework_fixture(app, ids)
    auth.login("teacher")
    html = client.get(f"/statements/classes/{ids['class5']}?week=2026-W48&all=1").get_data(as_text=True)
    assert "К этому уроку: упр. 3" in html and "Задано: упр. 7" in html


# ---------------------------------------------------------------- 4. home pages

def test_the_parents_home_links_each_child_to_their_diary(auth, client, ids):
    auth.login("parent")
    html = client.get("/").get_data(as_text=True)
    for sid in (ids["emil"], ids["lenur"]):
        assert f'href="/diary/{sid}"' in html


def test_the_students_home_links_the_diary_and_lists_todays_lessons(app, auth, client, ids):
    homework_fixture(app, ids)
    set_language(app, "student", "ru")
    auth.login("student")
    html = client.get("/").get_data(as_text=True)
    assert f'href="/diary/{ids["emil"]}"' in html
    assert "Уроки сегодня" in html and "Математика" in html and "упр. 3" in html


def test_the_students_home_on_a_weekend_shows_the_next_school_day(app, auth, client, ids, monkeypatch):
    homework_fixture(app, ids)
    set_language(app, "student", "ru")
    monkeypatch.setenv("DEFTER_TODAY", "2026-11-28")  # a Saturday: the next lessons are on Tuesday
    auth.login("student")
    html = client.get("/").get_data(as_text=True)
    assert "Уроки: вторник, 1 декабря" in html and "Математика" in html and "упр. 7" in html


# ---------------------------------------------------------------- 5. subgroups and subject order

def test_sort_key_follows_the_ukrainian_alphabet():
    from school.i18n import sort_key

    names = ["Історія", "Інформатика", "Географія", "Ґрунтознавство", "Їжакознавство", "Етика", "Євроінтеграція",
             "Иврит", "Дизайн", "Англійська мова", "Яхтинг"]
    assert sorted(names, key=lambda t: sort_key(t, "uk")) == [
        "Англійська мова", "Географія", "Ґрунтознавство", "Дизайн", "Етика", "Євроінтеграція", "Иврит",
        "Інформатика", "Історія", "Їжакознавство", "Яхтинг"]


def test_sort_key_follows_the_russian_and_crimean_tatar_alphabets():
    from school.i18n import sort_key

    assert sorted(["ёлка", "Ель", "Яблоко", "ежевика"], key=lambda t: sort_key(t, "ru")) == [
        "ежевика", "Ель", "ёлка", "Яблоко"]
    # гъ, дж, къ, нъ are letters after г, д, к, н; a space before any letter
    assert sorted(["Къырымтатар тили", "Кимья", "Гъурбет", "Гузель", "Джогърафия", "Дин", "Рус тили",
                   "Русча"], key=lambda t: sort_key(t, "crh")) == [
        "Гузель", "Гъурбет", "Дин", "Джогърафия", "Кимья", "Къырымтатар тили", "Рус тили", "Русча"]


def add_subjects(app, ids):
    """Subjects whose Ukrainian order differs from the Russian one (and from the code points' order)."""
    from decimal import Decimal

    from school.models import Course, Subject
    with app.app_context():
        for short, ru, uk, crh in (("hist", "История", "Історія", "Тарих"),
                                   ("geo", "География", "Географія", "Джогърафия"),
                                   ("art", "Изобразительное искусство", "Образотворче мистецтво", "Ресим"),
                                   ("soc", "Обществознание", "Суспільствознавство", "Джемиетшынаслыкъ")):
            subject = Subject(short=short, name_ru=ru, name_uk=uk, name_crh=crh)
            db.session.add(subject)
            db.session.flush()
            db.session.add(Course(year_id=ids["year_id"], subject_id=subject.id, class_id=ids["class5"],
                                  teacher_id=ids["users"]["teacher2"], hours_per_week=Decimal(1)))
        db.session.commit()


def order_in(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=html.index)


UK_ORDER = ["Географія", "Історія", "Математика", "Образотворче мистецтво", "Російська мова",
            "Суспільствознавство"]


@pytest.mark.parametrize("page", ["/marks", "/class"])
def test_subjects_in_the_diary_are_in_the_readers_alphabet(app, auth, client, ids, page):
    add_subjects(app, ids)
    set_language(app, "student", "uk")
    auth.login("student")
    html = client.get(f"/diary/{ids['emil']}{page}").get_data(as_text=True)
    html = html[html.index("<main"):]
    assert order_in(html, UK_ORDER) == UK_ORDER
    set_language(app, "student", "crh")
    html = client.get(f"/diary/{ids['emil']}{page}").get_data(as_text=True)
    crh = ["Джогърафия", "Джемиетшынаслыкъ"]  # дж after д; мие < миет … and Джем before Джог
    html = html[html.index("<main"):]
    assert order_in(html, crh) == ["Джемиетшынаслыкъ", "Джогърафия"]


def test_subjects_on_the_statements_page_and_summary_are_in_the_readers_alphabet(app, auth, client, ids):
    add_subjects(app, ids)
    set_language(app, "teacher", "uk")
    auth.login("teacher")
    html = client.get(f"/statements/?class_id={ids['class5']}").get_data(as_text=True)
    assert order_in(html, UK_ORDER) == UK_ORDER
    html = client.get(f"/statements/classes/{ids['class5']}/summary").get_data(as_text=True)
    assert order_in(html, UK_ORDER) == UK_ORDER


def add_subgroup_course(app, ids, name: str) -> int:
    from decimal import Decimal

    from school.models import Course, Subgroup, Subject
    with app.app_context():
        subject = Subject(short="eng", name_ru="Английский язык", name_uk="Англійська мова", name_crh="Инглиз тили")
        db.session.add(subject)
        db.session.flush()
        group = Subgroup(class_id=ids["class5"], subject_id=subject.id, name=name)
        db.session.add(group)
        db.session.flush()
        course = Course(year_id=ids["year_id"], subject_id=subject.id, class_id=ids["class5"], subgroup_id=group.id,
                        teacher_id=ids["users"]["teacher"], hours_per_week=Decimal(2))
        db.session.add(course)
        db.session.flush()
        db.session.add(TimetableSlot(course_id=course.id, weekday=TODAY.isoweekday(), lesson_number=2,
                                     valid_from=dt.date(2026, 9, 1)))
        db.session.commit()
        timetable.generate(None, ids["year_id"], course_ids=[course.id])
        return course.id


@pytest.mark.parametrize("language, shown", [("ru", "(1 группа)"), ("uk", "(група 1)"), ("crh", "(группа 1)")])
def test_usual_subgroup_names_show_in_the_readers_language(app, auth, client, ids, language, shown):
    add_subgroup_course(app, ids, "1 группа")
    set_language(app, "teacher", language)
    auth.login("teacher")
    html = client.get("/").get_data(as_text=True)  # today's lessons of the teacher
    assert shown in html
    if language != "ru":
        assert "1 группа" not in html


@pytest.mark.parametrize("membership, shown", [
    (None, False),
    ((dt.date(2026, 9, 1), None), True),
    ((dt.date(2026, 9, 1), TODAY), True),
    ((dt.date(2026, 9, 1), TODAY - dt.timedelta(days=1)), False),
    ((TODAY + dt.timedelta(days=1), None), False)])
def test_a_subgroups_course_is_on_the_students_pages_while_they_are_in_it(app, auth, client, ids, membership, shown):
    """The marks and class pages list the class's whole-class courses and those of the subgroups the student is
    in today, read in one statement with the courses; the week shows the subgroup's lesson (today's, from the
    timetable) only when the student is in the subgroup that day, its memberships read with the enrolments
    (week.placement). No page has a statement of its own for the memberships."""
    from school.models import Course, SubgroupMember
    course_id = add_subgroup_course(app, ids, "1 группа")
    if membership is not None:
        with app.app_context():
            db.session.add(SubgroupMember(subgroup_id=db.session.get(Course, course_id).subgroup_id,
                                          student_id=ids["emil"], from_day=membership[0], to_day=membership[1]))
            db.session.commit()
    set_language(app, "student", "ru")
    auth.login("student")
    for page in ("/marks", "/class", ""):
        seen, response = statements_during(app, lambda: client.get(f"/diary/{ids['emil']}{page}"))
        html = response.get_data(as_text=True)
        html = html[html.index("<main"):]
        assert ("Английский язык" in html) is shown, page
        assert "Математика" in html
        assert not [s for s in seen if s.lstrip().startswith("SELECT subgroup_members")], page


def test_other_subgroup_names_show_as_typed(app, auth, client, ids):
    from school.i18n import subgroup_label

    with app.test_request_context():
        assert subgroup_label("Группа Петрова") == "Группа Петрова"
    add_subgroup_course(app, ids, "Мальчики")
    set_language(app, "teacher", "uk")
    auth.login("teacher")
    assert "(хлопці)" in client.get("/").get_data(as_text=True)


# ---------------------------------------------------------------- 8. the class teacher's attendance week

def test_short_labels_come_from_the_localized_name():
    from school.i18n import abbreviate

    assert abbreviate("Математика") == "Матем."
    assert abbreviate("Русский язык") == "Рус. язык"
    assert abbreviate("Физическая культура") == "Физ. кул."
    assert abbreviate("Беден тербиеси") == "Бед. тер."
    assert abbreviate("Труд (технология)") == "Труд"
    assert abbreviate("Химия") == "Химия"


@pytest.mark.parametrize("language, heads", [("ru", ["1 · Матем."]), ("uk", ["1 · Матем."]),
                                             ("crh", ["1 · Риязиет"])])
def test_the_attendance_week_heads_are_subjects_in_the_readers_language(app, auth, client, ids, language, heads):
    add_lesson(app, ids["rus5"], TODAY, number=2)
    set_language(app, "teacher", language)
    auth.login("teacher")  # the class teacher of 5-А
    html = client.get(f"/journal/classes/{ids['class5']}/attendance").get_data(as_text=True)
    heads = re.findall(r"<small>(.*?)</small>", html)
    assert heads[0] == {"ru": "1 · Матем.", "uk": "1 · Матем.", "crh": "1 · Риязиет"}[language]
    assert heads[1] == {"ru": "2 · Рус. язык", "uk": "2 · Рос. мова", "crh": "2 · Рус тили"}[language]
    assert not any(code in html for code in ("· math<", "· rus<"))


@pytest.mark.browser
def test_the_reason_chooser_is_a_touch_target_that_shows_the_chosen_reason(app, ids, live_server, browser):
    with app.app_context():
        from school.models import Attendance
        a = db.session.get(Attendance, ids["absence"])
        a.reason, a.reason_by, a.reason_at = "ill", ids["users"]["teacher"], dt.datetime(2026, 11, 24, 12)
        db.session.commit()
    for day in range(23, 29):  # a full week: the columns are as narrow as the table allows
        for number, course in ((2, ids["math5"]), (3, ids["rus5"])):
            add_lesson(app, course, dt.date(2026, 11, day), number=number)
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, locale="ru-RU")
    page = context.new_page()
    log_in(page, live_server, "teacher")
    page.goto(f"{live_server}/journal/classes/{ids['class5']}/attendance")
    size = page.eval_on_selector(f"#r{ids['absence']} select", """s => {
        const probe = document.createElement('span');
        probe.style.font = getComputedStyle(s).font;
        probe.textContent = s.options[s.selectedIndex].text;
        document.body.appendChild(probe);
        const css = getComputedStyle(s);
        const inner = s.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight);
        return {height: s.getBoundingClientRect().height, width: inner, text: probe.offsetWidth,
                chosen: s.options[s.selectedIndex].text};
    }""")
    context.close()
    assert size["chosen"] == "Н → Б"
    assert size["height"] >= 44
    # Chromium draws the arrow inside the content box (about 16 px): the chosen reason must fit beside it
    assert size["width"] >= size["text"] + 16, size


# ---------------------------------------------------------------- 7. the summary statement names the class on every page

def test_every_page_of_the_summary_statement_names_the_class(app, auth, client, ids):
    from decimal import Decimal

    from school.models import Course, Subject
    from tests.test_statements import weasyprint_or_skip

    pypdf = weasyprint_or_skip()
    with app.app_context():  # enough subjects for several pages (seven fit on one)
        for n in range(12):
            subject = Subject(short=f"s{n}", name_ru=f"Предмет {n:02d}", name_uk=f"Предмет {n:02d}",
                              name_crh=f"Дерс {n:02d}")
            db.session.add(subject)
            db.session.flush()
            db.session.add(Course(year_id=ids["year_id"], subject_id=subject.id, class_id=ids["class5"],
                                  teacher_id=ids["users"]["teacher2"], hours_per_week=Decimal(1)))
        db.session.commit()
    auth.login("teacher")
    r = client.get(f"/statements/classes/{ids['class5']}/summary.pdf")
    assert r.status_code == 200
    import io
    pages = pypdf.PdfReader(io.BytesIO(r.data)).pages
    assert len(pages) >= 2
    for page in pages:
        assert "5-А" in page.extract_text()


# ---------------------------------------------------------------- 6. Crimean Tatar words

def test_the_essay_is_insha_in_crimean_tatar(app, ids):
    """«Иншаат» is construction; the school word for сочинение is «инша» (reference data and the migration)."""
    from school.models import WorkKind
    from school.reference import WORK_KINDS

    assert dict((code, crh) for code, _ru, _uk, crh, *_ in WORK_KINDS)["essay"] == "Инша"
    with app.app_context():  # the test database is built by the migrations
        assert db.session.scalar(select(WorkKind.name_crh).where(WorkKind.code == "essay")) == "Инша"


def test_a_days_lesson_carries_its_marks_in_slot_order_and_its_attendance(app, ids):
    """week.days reads the days' marks and attendance in one statement: a lesson's marks come in slot order
    whatever order they were written in, with their weights, and its attendance (a late arrival) beside them."""
    from decimal import Decimal

    from school.models import Attendance, Mark, WorkKind
    with app.app_context():
        kinds = {k.code: k for k in db.session.scalars(select(WorkKind))}
        now = dt.datetime.combine(TODAY, dt.time(9))
        for slot, code, kind in ((2, "4", "test"), (1, "5", "answer")):  # the second slot written first
            db.session.add(Mark(lesson_id=ids["lesson"], student_id=ids["emil"], slot=slot, scale="five", code=code,
                                work_kind_id=kinds[kind].id, weight=kinds[kind].weight,
                                author_id=ids["users"]["teacher"], created_at=now, updated_at=now, version=1))
        db.session.add(Attendance(lesson_id=ids["lesson"], student_id=ids["emil"], code="late",
                                  set_by=ids["users"]["teacher"], set_at=now, version=3))
        db.session.commit()
        weights = (kinds["answer"].weight, kinds["test"].weight)
    with app.test_request_context():
        (today,) = [d for d in week.days(ids["emil"], TODAY, TODAY)]
        (item,) = [i for i in today.lessons if i.lesson.id == ids["lesson"]]
        assert [(m.slot, m.code, m.weight) for m in item.marks] == [(1, "5", weights[0]), (2, "4", weights[1])]
        assert all(isinstance(m.weight, Decimal) for m in item.marks)
        assert (item.attendance.code, item.attendance.reason, item.attendance.version) == ("late", None, 3)
