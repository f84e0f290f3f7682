"""The family diary: scope, what it writes, and the weeks it must render."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from school.extensions import db
from school.models import (Attendance, Base, Course, DiaryView, Enrolment, Lesson, Mark, SchoolClass, Student,
                           TimetableSlot, User, WorkKind)
from tests import factory
from tests.factory import TODAY


def diary_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("diary.") and "student_id" in r.arguments]


def test_diary_answers_the_week_itself(auth, client):
    auth.login("parent")
    r = client.get("/diary/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Эмиль" in html and "Ленур" in html  # both children, the first shown, the other one tap away
    assert "<script" not in html and "hx-" not in html


def test_every_diary_url_with_another_childs_id_is_404(app, auth, client, ids):
    auth.login("parent")
    for rule in diary_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = rule.build({"student_id": ids["other6"]})[1]
            r = client.open(url, method=method, data={"csrf_token": "x"} if method == "POST" else None)
            assert r.status_code in (404, 400) if method == "POST" else r.status_code == 404, (url, method)
            forged = rule.build({"student_id": 999999})[1]
            if method == "GET":
                assert client.get(forged).status_code == 404
    # and with a valid CSRF token the foreign child is still a 404
    r = auth.post(f"/diary/{ids['other6']}/acknowledge", page="/diary/")
    assert r.status_code == 404


def test_own_children_are_reachable(app, auth, client, ids):
    auth.login("parent")
    for rule in diary_rules(app):
        if "GET" in rule.methods:
            for sid in (ids["emil"], ids["lenur"]):
                assert client.get(rule.build({"student_id": sid})[1]).status_code == 200


def test_student_sees_only_themselves_read_only(auth, client, ids):
    auth.login("student")
    assert client.get(f"/diary/{ids['emil']}").status_code == 200
    assert client.get(f"/diary/{ids['lenur']}").status_code == 404  # the brother
    assert auth.post(f"/diary/{ids['emil']}/acknowledge", page="/diary/").status_code == 403
    assert auth.post("/diary/settings", {"student": ids["emil"]}, page="/diary/").status_code == 403


def test_staff_have_no_diary(auth, client, ids):
    auth.login("teacher")
    assert client.get("/diary/").status_code == 403
    assert client.get(f"/diary/{ids['emil']}").status_code == 403


def _row_counts(app):
    with app.app_context():
        return {t.name: db.session.execute(select(func.count()).select_from(t)).scalar()
                for t in Base.metadata.sorted_tables}


def test_reading_writes_only_the_fact_of_acquaintance(app, auth, client, ids):
    auth.login("parent")
    before = _row_counts(app)
    for url in (f"/diary/{ids['emil']}", f"/diary/{ids['emil']}/marks", f"/diary/{ids['emil']}/attendance",
                f"/diary/{ids['emil']}/class", "/diary/settings", f"/diary/{ids['lenur']}?week=2026-W40"):
        assert client.get(url).status_code == 200
    after = _row_counts(app)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"diary_views"}
    assert after["diary_views"] - before["diary_views"] == 2  # the two week pages
    with app.app_context():
        view = db.session.scalar(select(DiaryView).where(DiaryView.student_id == ids["lenur"]))
        assert view.week_start == dt.date(2026, 9, 28) and view.acknowledged_at is None


def test_acknowledgement(app, auth, client, ids):
    auth.login("parent")
    r = auth.post(f"/diary/{ids['emil']}/acknowledge?week=2026-W48", page="/diary/")
    assert r.status_code == 302
    html = client.get(f"/diary/{ids['emil']}?week=2026-W48").get_data(as_text=True)
    assert "/acknowledge" not in html  # the button gives way to the confirmation
    with app.app_context():
        acks = db.session.scalars(select(DiaryView).where(DiaryView.acknowledged_at.is_not(None))).all()
    assert [(a.student_id, a.week_start) for a in acks] == [(ids["emil"], dt.date(2026, 11, 23))]


def test_parent_chooses_paper_delivery(app, auth, ids):
    auth.login("parent")
    r = auth.post("/diary/settings", {"student": ids["lenur"], f"s{ids['lenur']}-delivery": "paper",
                                      f"s{ids['lenur']}-statement_language": "crh"}, page="/diary/")
    assert r.status_code == 302
    with app.app_context():
        s = db.session.get(Student, ids["lenur"])
        assert (s.delivery, s.statement_language) == ("paper", "crh")
    bad = auth.post("/diary/settings", {"student": ids["lenur"], f"s{ids['lenur']}-delivery": "pigeon",
                                        f"s{ids['lenur']}-statement_language": "crh"}, page="/diary/")
    assert bad.status_code == 422
    assert auth.post("/diary/settings", {"student": ids["other6"]}, page="/diary/").status_code == 404


def test_bad_week_is_404(auth, client, ids):
    auth.login("parent")
    assert client.get(f"/diary/{ids['emil']}?week=nonsense").status_code == 404


def test_week_shows_lessons_marks_homework_and_absences(app, auth, client, ids):
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson"])
        lesson.homework = "№ 345, 347"
        kind = db.session.scalar(select(WorkKind).where(WorkKind.code == "test"))
        db.session.add(Mark(lesson_id=lesson.id, student_id=ids["emil"], slot=1, scale="five", code="4",
                            work_kind_id=kind.id, weight=kind.weight, comment="молодец", author_id=lesson.course.teacher_id,
                            created_at=dt.datetime(2026, 11, 24, 9), updated_at=dt.datetime(2026, 11, 24, 9)))
        db.session.commit()
    auth.login("parent")
    auth.post("/lang", {"language": "ru"})
    html = client.get(f"/diary/{ids['emil']}").get_data(as_text=True)
    assert "Дроби" in html and "№ 345, 347" in html and "Контрольная работа" in html and "молодец" in html
    assert "<mark" in html and ">4</mark>" in html


def test_week_escapes_what_teachers_wrote_and_says_each_change_of_a_lesson(app, auth, client, ids):
    """school/diary/render.py builds a day's lessons: what a teacher typed is escaped, the substitution, the move,
    the extra lesson and the absence are said in the family's words."""
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson"])
        lesson.topic = '<script>alert("x")</script> Дроби & проценты'
        lesson.homework = "упр. <b>5</b>"
        lesson.substitute_id = db.session.scalar(select(User.id).where(User.username == "teacher2"))
        lesson.moved_from_day, lesson.moved_from_number = dt.date(2026, 11, 23), 5
        lesson.extra = True
        kind = db.session.scalar(select(WorkKind).where(WorkKind.code == "test"))
        db.session.add(Mark(lesson_id=lesson.id, student_id=ids["emil"], slot=1, scale="five", code="5",
                            work_kind_id=kind.id, weight=kind.weight, comment='<i>молодец</i> "да"',
                            author_id=lesson.course.teacher_id, created_at=dt.datetime(2026, 11, 24, 9),
                            updated_at=dt.datetime(2026, 11, 24, 9)))
        db.session.add(Attendance(lesson_id=lesson.id, student_id=ids["emil"], code="late",
                                  set_by=lesson.course.teacher_id, set_at=dt.datetime(2026, 11, 24, 9)))
        db.session.commit()
    auth.login("parent")
    auth.post("/lang", {"language": "ru"})
    html = client.get(f"/diary/{ids['emil']}").get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Дроби &amp; проценты" in html
    assert "упр. &lt;b&gt;5&lt;/b&gt;" in html and "&lt;i&gt;молодец&lt;/i&gt; &#34;да&#34;" in html
    assert "Замена: Иванова А." in html and "Перенесён с 23.11.2026, 5-й урок." in html
    assert "Дополнительный урок." in html and '<p class="ab">опоздал(а)</p>' in html


def test_empty_week_and_holiday_week_render(auth, client, ids):
    auth.login("parent")
    auth.post("/lang", {"language": "ru"})
    holiday = client.get(f"/diary/{ids['emil']}?week=2026-W44").get_data(as_text=True)
    assert "Осенние каникулы" in holiday
    summer = client.get(f"/diary/{ids['emil']}?week=2027-W30")
    assert summer.status_code == 200 and "На этой неделе уроков нет" in summer.get_data(as_text=True)


def test_unmarked_class_renders(app, auth, client, ids):
    with app.app_context():
        first_grader = db.session.scalar(select(Enrolment.student_id).where(Enrolment.class_id == ids["class1"]))
        from school.models import Guardianship, User
        parent = db.session.scalar(select(User).where(User.username == "parent2"))
        db.session.add(Guardianship(guardian_id=parent.person_id, student_id=first_grader))
        db.session.commit()
    auth.login("parent2")
    for url in (f"/diary/{first_grader}", f"/diary/{first_grader}/marks", f"/diary/{first_grader}/class"):
        assert client.get(url).status_code == 200


def test_child_who_changed_class_mid_week_shows_each_class_for_its_days(app, auth, client, ids):
    """Lenur moves from 6-А to 5-А on Wednesday 25 November: Tuesday is 6-А's, Thursday 5-А's."""
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.student_id == ids["lenur"]))
        enrolment.to_day = dt.date(2026, 11, 24)
        enrolment.order_out = "50-п"
        db.session.add(Enrolment(student_id=ids["lenur"], class_id=ids["class5"], from_day=dt.date(2026, 11, 25),
                                 order_in="50-п"))
        math6 = db.session.get(Course, ids["math6"])
        factory.lesson_at(ids["math6"], dt.date(2026, 11, 24), 2, topic="Тема шестого")
        factory.lesson_at(ids["math5"], dt.date(2026, 11, 26), 1, topic="Тема пятого")
        factory.lesson_at(ids["math5"], dt.date(2026, 11, 23), 1, topic="До перевода")
        db.session.commit()
        assert math6.class_id == ids["class6"]
    auth.login("parent")
    html = client.get(f"/diary/{ids['lenur']}?week=2026-W48").get_data(as_text=True)
    assert "Тема шестого" in html and "Тема пятого" in html
    assert "До перевода" not in html  # 5-А's Monday lesson, before Lenur joined


def test_forecast_is_the_teachers_suggestion(app, auth, client, ids):
    from school import week
    from school.register.grid import student_stats
    with app.app_context():
        kinds = {k.code: k for k in db.session.scalars(select(WorkKind))}
        for day, code, kind in ((dt.date(2026, 11, 10), "5", "test"), (dt.date(2026, 11, 17), "3", "answer")):
            lesson = factory.lesson_at(ids["math5"], day, 1)
            db.session.add(Mark(lesson_id=lesson.id, student_id=ids["emil"], slot=1, scale="five", code=code,
                                work_kind_id=kinds[kind].id, weight=kinds[kind].weight, author_id=ids["users"]["teacher"],
                                created_at=dt.datetime(2026, 11, 24), updated_at=dt.datetime(2026, 11, 24)))
        db.session.commit()
    with app.test_request_context():
        klass = db.session.get(SchoolClass, ids["class5"])
        course = db.session.get(Course, ids["math5"])
        avg = next(a for a in week.averages(ids["emil"], klass, TODAY) if a.course.id == ids["math5"])
        period = week.period_of(klass, TODAY)
        teacher_view = student_stats(course, period, ids["emil"])
        assert (avg.average, avg.forecast) == (teacher_view.average, teacher_view.suggestion)
        assert str(avg.average) == "4.33" and avg.forecast == "4"
    auth.login("parent")
    auth.post("/lang", {"language": "ru"})
    html = client.get(f"/diary/{ids['emil']}/marks").get_data(as_text=True)
    assert "4,33" in html


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_lang_attribute(auth, client, ids, lang):
    auth.login("parent")
    auth.post("/lang", {"language": lang})
    assert f'<html lang="{lang}">' in client.get("/diary/").get_data(as_text=True)


def test_diary_is_compressed_and_small(auth, client, ids):
    auth.login("parent")
    r = client.get("/diary/", headers={"Accept-Encoding": "br, gzip"})
    assert r.headers["Content-Encoding"] == "br"
    assert len(r.data) < 6 * 1024
    css = [u for u in r.headers.get("Link", "").split(",") if u]  # nothing preloaded
    assert css == []


def test_timetable_on_class_page(app, auth, client, ids):
    auth.login("parent")
    auth.post("/lang", {"language": "ru"})
    html = client.get(f"/diary/{ids['emil']}/class").get_data(as_text=True)
    assert "Абдураимова" in html and "вторник" in html.lower()
    with app.app_context():
        assert db.session.scalar(select(func.count(TimetableSlot.id))) >= 1


def test_pass_fail_subject_reaches_the_family(app, auth, client, ids):
    with app.app_context():
        course = db.session.get(Course, ids["rus5"])
        course.assessment = "pass_fail"
        from school.models import PeriodMark
        db.session.add(PeriodMark(student_id=ids["emil"], course_id=course.id, kind="period", period_id=ids["q2"],
                                  scale="five", code="зач", set_by=course.teacher_id,
                                  set_at=dt.datetime(2026, 11, 24, 12)))
        db.session.commit()
    auth.login("parent")
    auth.post("/lang", {"language": "ru"})
    html = client.get(f"/diary/{ids['emil']}/marks").get_data(as_text=True)
    assert "Русский язык" in html and "<b>зач</b>" in html


def test_timetabled_lessons_show_even_before_anyone_opened_the_register(app, auth, client, ids):
    """6-А's mathematics is in the timetable on Tuesdays; nobody has opened its grid this week."""
    auth.login("parent")
    auth.post("/lang", {"language": "ru"})
    html = client.get(f"/diary/{ids['lenur']}?week=2026-W47").get_data(as_text=True)
    assert "Математика" in html and "вторник, 17 ноября" in html


def test_a_reload_within_half_an_hour_is_the_same_visit(app, auth, client, ids, monkeypatch):
    from school import clock
    from school.diary import routes as diary_routes
    auth.login("parent")
    start = dt.datetime(2026, 11, 24, 19, 0)
    url = f"/diary/{ids['emil']}?week=2026-W48"

    def views():
        with app.app_context():
            return db.session.scalars(select(DiaryView.viewed_at).where(
                DiaryView.student_id == ids["emil"], DiaryView.week_start == dt.date(2026, 11, 23))
                .order_by(DiaryView.viewed_at)).all()
    for minutes in (0, 5, diary_routes.VISIT_MINUTES):
        monkeypatch.setattr(clock, "now", lambda m=minutes: start + dt.timedelta(minutes=m))
        assert client.get(url).status_code == 200
    assert views() == [start]
    later = start + dt.timedelta(minutes=diary_routes.VISIT_MINUTES + 1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.get(url).status_code == 200
    assert views() == [start, later]
    # Another week is another visit at once.
    assert client.get(f"/diary/{ids['emil']}?week=2026-W47").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DiaryView).where(
            DiaryView.week_start == dt.date(2026, 11, 16))) == 1
