"""The register's domain core: compare-and-set writes under real concurrency, the ABA case, what a save must not
change, substitutions, year and exam marks, the fewest marks for a period mark."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from school.extensions import db
from school.models import (Attendance, AuditEvent, Lesson, LessonChange, Mark, PeriodMark, SchoolClass, School,
                           User, WorkKind)
from school.register import finals, lessons, marks
from school.register.attendance import set_reason
from school.register.errors import Conflict, RegisterError
from tests.factory import TODAY
from tests.test_journal import HX, add_lesson, att_version, current_version, edit_lesson, pm_version, save


# ---------------------------------------------------------------- two tablets at once

def _race(app, write, n=2):
    """Run write(i) in n threads, each with its own app context, session and database connection; all of them
    read first and write together. Returns what each returned or raised."""
    barrier = threading.Barrier(n, timeout=20)
    results: list = [None] * n

    def run(i):
        with app.test_request_context():
            try:
                results[i] = write(i, barrier)
            except Exception as e:  # noqa: BLE001 — the outcome is what the test looks at
                db.session.rollback()
                results[i] = e
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _outcomes(results) -> tuple[int, int]:
    wins = sum(1 for r in results if not isinstance(r, Exception))
    conflicts = sum(1 for r in results if isinstance(r, Conflict))
    return wins, conflicts


def test_two_tablets_saving_one_mark_exactly_one_wins(app, ids, monkeypatch):
    with app.test_request_context():
        teacher = db.session.get(User, ids["users"]["teacher"])
        lesson = db.session.get(Lesson, ids["lesson"])
        marks.save_cell(teacher, lesson, ids["emil"], "3", "0-0")
        seen = marks.cell_of(ids["lesson"], ids["emil"]).version
    real_cell_of = marks.cell_of
    waiting = threading.local()

    def read_then_wait(lesson_id, student_id):  # both tablets have read the cell before either writes
        cell = real_cell_of(lesson_id, student_id)
        if getattr(waiting, "barrier", None) is not None:
            barrier, waiting.barrier = waiting.barrier, None
            barrier.wait()
        return cell
    monkeypatch.setattr(marks, "cell_of", read_then_wait)

    def write(i, barrier):
        waiting.barrier = barrier
        teacher = db.session.get(User, ids["users"]["teacher"])
        lesson = db.session.get(Lesson, ids["lesson"])
        return marks.save_cell(teacher, lesson, ids["emil"], ("4", "5")[i], seen)

    results = _race(app, write)
    assert _outcomes(results) == (1, 1), results
    winner = next(("4", "5")[i] for i, r in enumerate(results) if not isinstance(r, Exception))
    with app.app_context():
        assert db.session.scalars(select(Mark.code).where(Mark.student_id == ids["emil"])).all() == [winner]


def test_two_tablets_saving_one_period_mark_exactly_one_wins(app, auth, ids):
    url = f"/journal/courses/{ids['math5']}/periods/{ids['q2']}/students/{ids['emil']}"
    auth.login("teacher")
    auth.post(url, {"value": "3", "version": "0"}, headers=HX)
    seen = int(pm_version(app, ids["math5"], ids["emil"]))

    def write(i, barrier):
        teacher = db.session.get(User, ids["users"]["teacher"])
        from school.models import Course, Period
        course, period = db.session.get(Course, ids["math5"]), db.session.get(Period, ids["q2"])
        finals.find(course.id, "period", period.id, ids["emil"])  # both have read it
        barrier.wait()
        return finals.save(teacher, course, "period", period, ids["emil"], ("4", "5")[i], seen)

    results = _race(app, write)
    assert _outcomes(results) == (1, 1), results
    with app.app_context():
        assert db.session.scalar(select(func.count(PeriodMark.id))) == 1


def test_two_class_teachers_tabs_saving_one_reason_exactly_one_wins(app, ids):
    with app.app_context():
        seen = db.session.get(Attendance, ids["absence"]).version

    def write(i, barrier):
        teacher = db.session.get(User, ids["users"]["teacher"])
        attendance = db.session.get(Attendance, ids["absence"])
        barrier.wait()
        return set_reason(teacher, attendance, ("ill", "excused")[i], seen)

    assert _outcomes(_race(app, write)) == (1, 1)


def test_two_tablets_saving_one_lesson_header_exactly_one_wins(app, ids):
    with app.app_context():
        seen = db.session.get(Lesson, ids["lesson"]).version

    def write(i, barrier):
        teacher = db.session.get(User, ids["users"]["teacher"])
        lesson = db.session.get(Lesson, ids["lesson"])
        barrier.wait()
        return lessons.update_lesson(teacher, lesson, {"topic": f"Тема {i}"}, seen)

    results = _race(app, write)
    assert _outcomes(results) == (1, 1), results
    with app.app_context():
        assert db.session.get(Lesson, ids["lesson"]).topic in ("Тема 0", "Тема 1")


def test_the_loser_gets_409_with_the_current_value(app, auth, ids):
    auth.login("teacher")
    save(auth, ids["lesson"], ids["emil"], "4")
    seen = current_version(app, ids["lesson"], ids["emil"])
    assert save(auth, ids["lesson"], ids["emil"], "5", seen).status_code == 200  # tablet A
    r = save(auth, ids["lesson"], ids["emil"], "2", seen)  # tablet B, same version seen
    assert r.status_code == 409 and ">5</td>" in r.get_data(as_text=True)


def test_a_deleted_and_given_again_mark_does_not_take_an_old_version(app, auth, ids):
    """ABA: tablet A holds the first mark's version; B clears the cell and gives a mark anew."""
    auth.login("teacher")
    save(auth, ids["lesson"], ids["emil"], "4")
    held_by_a = current_version(app, ids["lesson"], ids["emil"])
    assert save(auth, ids["lesson"], ids["emil"], "clear").status_code == 200
    assert save(auth, ids["lesson"], ids["emil"], "5").status_code == 200
    assert current_version(app, ids["lesson"], ids["emil"]) != held_by_a
    assert save(auth, ids["lesson"], ids["emil"], "2", held_by_a).status_code == 409
    with app.app_context():
        assert db.session.scalars(select(Mark.code).where(Mark.student_id == ids["emil"])).all() == ["5"]


def test_a_malformed_version_is_refused_not_a_500(auth, ids):
    auth.login("teacher")
    assert save(auth, ids["lesson"], ids["emil"], "5", "x-y").status_code == 422


# ---------------------------------------------------------------- what a save must not change

def test_saving_homework_keeps_the_lessons_kind_of_work(app, auth, ids):
    with app.app_context():
        kind = db.session.get(Lesson, ids["lesson"]).work_kind_id
        assert kind is not None
    auth.login("teacher")
    form = auth.client.get(f"/journal/lessons/{ids['lesson']}", headers=HX).get_data(as_text=True)
    assert f'<option selected value="{kind}">' in form  # the form shows the lesson's own kind, not "—"
    assert edit_lesson(auth, ids["lesson"], {"homework": "№ 5"}, headers=HX).status_code == 200
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson"])
        assert (lesson.homework, lesson.work_kind_id, lesson.topic) == ("№ 5", kind, "Дроби")


def test_a_stale_lesson_header_is_a_conflict_showing_the_current_text(app, auth, ids):
    auth.login("teacher")
    with app.app_context():
        seen = db.session.get(Lesson, ids["lesson"]).version
    assert edit_lesson(auth, ids["lesson"], {"topic": "Новая тема"}, headers=HX).status_code == 200
    r = auth.post(f"/journal/lessons/{ids['lesson']}", {"topic": "Другая", "version": str(seen)}, headers=HX)
    assert r.status_code == 409 and "Новая тема" in r.get_data(as_text=True)


# ---------------------------------------------------------------- substitutions are the administration's

def test_the_course_teacher_cannot_name_a_substitute(app, auth, ids):
    auth.login("teacher")
    form = auth.client.get(f"/journal/lessons/{ids['lesson']}").get_data(as_text=True)
    assert 'name="substitute"' not in form
    edit_lesson(auth, ids["lesson"], {"topic": "Дроби", "substitute": str(ids["users"]["teacher2"])})
    r = auth.post(f"/journal/lessons/{ids['lesson']}/substitute", {"substitute": ids["users"]["teacher2"]})
    assert r.status_code == 403
    with app.app_context():
        assert db.session.get(Lesson, ids["lesson"]).substitute_id is None


@pytest.mark.parametrize("who", ["admin"])
def test_the_administration_names_a_substitute_and_it_is_logged(app, auth, ids, who):
    auth.login(who)
    form = auth.client.get(f"/journal/lessons/{ids['lesson']}").get_data(as_text=True)
    assert 'name="substitute"' in form
    r = auth.post(f"/journal/lessons/{ids['lesson']}/substitute",
                  {"substitute": ids["users"]["teacher2"], "reason": "болезнь"})
    assert r.status_code == 303
    r = auth.post(f"/journal/lessons/{ids['lesson']}/substitute", {"substitute": "", "reason": "вышла"})
    assert r.status_code == 303
    with app.app_context():
        log = db.session.execute(select(LessonChange.old_substitute_id, LessonChange.substitute_id,
                                        LessonChange.reason, LessonChange.changed_by)
                                 .order_by(LessonChange.id)).all()
        assert log == [(None, ids["users"]["teacher2"], "болезнь", ids["users"][who]),
                       (ids["users"]["teacher2"], None, "вышла", ids["users"][who])]
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "substitute")) == 2


def test_a_substitute_enters_the_lesson_but_never_cancels_it_nor_reads_other_periods(app, auth, ids):
    lesson = add_lesson(app, ids["math5"], TODAY, 3, substitute_id=ids["users"]["teacher2"])
    auth.login("teacher2")
    form = auth.client.get(f"/journal/lessons/{lesson}").get_data(as_text=True)
    assert 'name="topic"' in form and 'name="state"' not in form and 'name="substitute"' not in form
    assert edit_lesson(auth, lesson, {"topic": "Замена", "homework": "№ 1", "state": "cancelled"}).status_code == 303
    with app.app_context():
        row = db.session.get(Lesson, lesson)
        assert (row.topic, row.homework, row.state, row.substitute_id) == (
            "Замена", "№ 1", "held", ids["users"]["teacher2"])
    assert auth.client.get(f"/journal/courses/{ids['math5']}?period={ids['q2']}").status_code == 200
    with app.app_context():
        from school.models import Period
        q1 = db.session.scalar(select(Period.id).where(Period.number == 1))
    assert auth.client.get(f"/journal/courses/{ids['math5']}?period={q1}").status_code == 404
    assert auth.client.get(f"/journal/courses/{ids['math5']}/year").status_code == 404
    with app.test_request_context():
        substitute = db.session.get(User, ids["users"]["teacher2"])
        with pytest.raises(RegisterError):
            lessons.update_lesson(substitute, db.session.get(Lesson, lesson), {"state": "cancelled"},
                                  db.session.get(Lesson, lesson).version)


# ---------------------------------------------------------------- every write checks its actor itself

def test_write_functions_check_the_actor_themselves(app, ids):
    with app.test_request_context():
        stranger = db.session.get(User, ids["users"]["teacher2"])
        lesson = db.session.get(Lesson, ids["lesson"])
        with pytest.raises(RegisterError) as e:
            marks.save_cell(stranger, lesson, ids["emil"], "5", "0-0")
        assert e.value.status == 404  # teaches 5-А Russian, not its mathematics: the course is not theirs to see
        with pytest.raises(RegisterError):
            lessons.update_lesson(stranger, lesson, {"topic": "x"}, lesson.version)
        with pytest.raises(RegisterError):
            set_reason(stranger, db.session.get(Attendance, ids["absence"]), "ill", 1)
        from school.models import Course, Period
        with pytest.raises(RegisterError):
            finals.save(stranger, db.session.get(Course, ids["math5"]), "period",
                        db.session.get(Period, ids["q2"]), ids["emil"], "5", 0)
        teacher = db.session.get(User, ids["users"]["teacher"])
        with pytest.raises(RegisterError):
            lessons.set_substitute(teacher, lesson, ids["users"]["teacher2"], "")
    with app.app_context():
        assert db.session.scalar(select(func.count(Mark.id))) == 0
        assert db.session.get(Lesson, ids["lesson"]).topic == "Дроби"


# ---------------------------------------------------------------- year, exam and final marks

def test_year_marks_are_suggested_from_the_period_marks_and_logged(app, auth, ids):
    from school.models import Period, PeriodMarkChange
    with app.app_context():
        q1 = db.session.scalar(select(Period).where(Period.number == 1))
        db.session.add_all([
            PeriodMark(student_id=ids["emil"], course_id=ids["math5"], kind="period", period_id=q1.id, scale="five",
                       code="4", set_by=ids["users"]["teacher"], set_at=dt.datetime(2026, 10, 24, 12), version=1),
            PeriodMark(student_id=ids["emil"], course_id=ids["math5"], kind="period", period_id=ids["q2"],
                       scale="five", code="5", set_by=ids["users"]["teacher"], set_at=dt.datetime(2026, 11, 24, 9),
                       version=1)])
        db.session.commit()
    auth.login("teacher")
    page = auth.client.get(f"/journal/courses/{ids['math5']}/year")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<td class="sug">5</td>' in html  # (4 + 5) / 2 = 4.5 rounds up at .5
    assert "/year/exam/" not in html  # grade 5 has no exams
    url = f"/journal/courses/{ids['math5']}/year/year/students/{ids['emil']}"
    assert auth.post(url, {"value": "5", "version": "0"}, headers=HX).status_code == 200
    seen = pm_version(app, ids["math5"], ids["emil"], "year")
    assert auth.post(url, {"value": "4", "version": seen}, headers=HX).status_code == 200
    assert auth.post(url, {"value": "3", "version": seen}, headers=HX).status_code == 409
    assert auth.post(url, {"value": "безотм", "version": "0"}, headers=HX).status_code in (409, 422)
    exam = f"/journal/courses/{ids['math5']}/year/exam/students/{ids['emil']}"
    assert auth.post(exam, {"value": "5", "version": "0"}, headers=HX).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(PeriodMark.code).where(PeriodMark.kind == "year")) == "4"
        assert db.session.execute(select(PeriodMarkChange.kind, PeriodMarkChange.old_code,
                                         PeriodMarkChange.new_code)).all() == [("year", "5", "4")]


def test_exam_and_final_marks_in_grade_nine(app, auth, ids):
    with app.app_context():
        db.session.get(SchoolClass, ids["class5"]).grade = 9
        db.session.commit()
    auth.login("teacher")
    html = auth.client.get(f"/journal/courses/{ids['math5']}/year").get_data(as_text=True)
    assert "/year/exam/" in html and "/year/final/" in html
    for kind in ("exam", "final"):
        url = f"/journal/courses/{ids['math5']}/year/{kind}/students/{ids['emil']}"
        assert auth.post(url, {"value": "5", "version": "0"}, headers=HX).status_code == 200
    assert auth.post(f"/journal/courses/{ids['math5']}/year/junk/students/{ids['emil']}",
                     {"value": "5", "version": "0"}, headers=HX).status_code == 404


def test_year_marks_wait_for_the_last_period(app, auth, ids, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", "2026-10-20")  # in the first quarter: the year is not over
    auth.login("teacher")
    url = f"/journal/courses/{ids['math5']}/year/year/students/{ids['emil']}"
    assert auth.post(url, {"value": "5", "version": "0"}, headers=HX).status_code == 422


def test_a_period_mark_on_too_few_marks_warns_the_teacher(app, auth, ids):
    auth.login("teacher")
    save(auth, ids["lesson"], ids["emil"], "5")
    url = f"/journal/courses/{ids['math5']}/periods/{ids['q2']}/students/{ids['emil']}"
    r = auth.post(url, {"value": "5", "version": "0"}, headers=HX)
    assert r.status_code == 200 and "не меньше 3" in r.get_data(as_text=True)  # set all the same
    with app.app_context():
        db.session.get(School, 1).min_marks_for_period = 1
        db.session.commit()
        from flask import current_app
        current_app.extensions.pop("defter_settings", None)
    r = auth.post(url, {"value": "4", "version": pm_version(app, ids["math5"], ids["emil"])}, headers=HX)
    assert r.status_code == 200 and "не меньше" not in r.get_data(as_text=True)


def test_the_period_picker_offers_only_the_courses_entries(auth, ids):
    auth.login("teacher")
    html = auth.client.get(f"/journal/courses/{ids['math5']}").get_data(as_text=True)
    picker = html[html.index('id="ppicker"'):]
    assert 'data-a="осв"' in picker and 'data-a="5"' in picker and 'data-a="безотм"' not in picker


def test_attendance_reason_version_is_checked_in_the_write(app, auth, ids):
    auth.login("teacher")
    seen = att_version(app, ids["absence"])
    url = f"/journal/attendance/{ids['absence']}/reason"
    assert auth.post(url, {"value": "ill", "version": seen}, headers=HX).status_code == 200
    assert auth.post(url, {"value": "clear", "version": seen}, headers=HX).status_code == 409
    with app.app_context():
        assert db.session.get(Attendance, ids["absence"]).reason == "ill"


@pytest.mark.parametrize("version", [f"{2**63}-0", f"0-{2**63}", "1.2.3.4-0", "-1-0"])
def test_a_version_past_the_bigint_range_is_refused_not_a_500(auth, ids, version):
    auth.login("teacher")
    assert save(auth, ids["lesson"], ids["emil"], "5", version).status_code == 422


def test_a_save_answers_with_the_version_it_wrote(app, auth, ids):
    """The grid sends the next save with the data-v of the last answer: it must be the row's new version."""
    import re
    auth.login("teacher")
    version = "0-0"
    for code in ("3", "4", "5"):
        r = save(auth, ids["lesson"], ids["emil"], code, version)
        assert r.status_code == 200, code
        version = re.search(r'data-v="([^"]+)"', r.get_data(as_text=True)).group(1)
    assert version == current_version(app, ids["lesson"], ids["emil"])
