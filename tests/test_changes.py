"""Changes of the timetable for a date (issue 10): moves, cancellations and their undoing, extra lessons and
substitutions, recorded by the administration with their reasons, refused when they clash, seen by the teacher's day,
the diary and the grid, and kept by a regeneration of the lessons.

The factory's school: 5-А mathematics (teacher) on Tuesdays at 1, 6-А mathematics (teacher) on Tuesdays at 2,
5-А Russian (teacher2) without a timetable; TODAY is Tuesday 24 November 2026."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from school.extensions import db
from school.main import queries
from school.models import Course, Lesson, LessonChange
from school.register import changes, timetable
from school.register.errors import Conflict, NotFound, RegisterError
from tests.conftest import statements_during
from tests.factory import TODAY

import pytest

NEXT_TUESDAY = TODAY + dt.timedelta(days=7)
NEXT_WEDNESDAY = TODAY + dt.timedelta(days=8)
HX = {"HX-Request": "true"}


def lesson_at(course_id, day, number) -> Lesson:
    return db.session.scalar(select(Lesson).where(Lesson.course_id == course_id, Lesson.day == day,
                                                  Lesson.number == number))


def lessons_of(course_id) -> int:
    return db.session.scalar(select(func.count(Lesson.id)).where(Lesson.course_id == course_id))


def user(app, ids, name):
    from school.models import User
    return db.session.get(User, ids["users"][name])


def test_a_moved_lesson_goes_to_its_new_place_and_is_never_made_twice(app, auth, ids):
    with app.app_context():
        lesson = lesson_at(ids["math5"], NEXT_TUESDAY, 1)
        lesson_id, version, count = lesson.id, lesson.version, lessons_of(ids["math5"])
    auth.login("admin")
    r = auth.post(f"/admin/changes/lessons/{lesson_id}/move",
                  {"day": NEXT_WEDNESDAY.isoformat(), "number": "3", "reason": "Олимпиада", "version": str(version)})
    assert r.status_code == 303
    with app.app_context():
        moved = db.session.get(Lesson, lesson_id)
        assert (moved.day, moved.number, moved.moved_from_day, moved.moved_from_number) == (
            NEXT_WEDNESDAY, 3, NEXT_TUESDAY, 1)
        change = db.session.scalar(select(LessonChange).where(LessonChange.lesson_id == lesson_id))
        assert (change.kind, change.from_day, change.from_number, change.day, change.number, change.reason) == (
            "moved", NEXT_TUESDAY, 1, NEXT_WEDNESDAY, 3, "Олимпиада")
        # regenerating the whole year does not put a lesson back in the place it was moved from
        result = timetable.generate(None, ids["year_id"])
        assert result.created == 0 and result.removed == 0 and lessons_of(ids["math5"]) == count
        assert lesson_at(ids["math5"], NEXT_TUESDAY, 1) is None
        # the teacher's day shows it on both days: where it went, and that it left
        with app.test_request_context():
            wednesday = queries.teacher_day(ids["users"]["teacher"], NEXT_WEDNESDAY)
            seen, tuesday = statements_during(app, lambda: queries.teacher_day(ids["users"]["teacher"],
                                                                               NEXT_TUESDAY))
        assert [(r["number"], r["moved_from"]) for r in wednesday] == [(3, (NEXT_TUESDAY, 1))]
        assert (1, (NEXT_WEDNESDAY, 3)) in [(r["number"], r["moved_to"]) for r in tuesday]
        away = next(r for r in tuesday if r["moved_to"])
        assert (away["room"], away["cancelled"], away["extra"], away["moved_from"], away["substituted_by"]) == (
            None, False, False, None, None)
        assert [r["number"] for r in tuesday if not r["moved_to"]] == [2]  # 6-А's lesson stays
        # The day's lessons and those moved away from it: one statement (bells are the process's)
        assert len([s for s in seen if "FROM lessons" in s or "FROM lesson_changes" in s]) == 1, seen
    # the family's diary shows the change
    auth.logout()
    auth.login("parent")
    auth.post("/lang", {"language": "ru"})
    html = auth.client.get(f"/diary/{ids['emil']}?week=2026-W49").get_data(as_text=True)
    assert "Перенесён с" in html or "перенесён с" in html.lower()


def test_a_move_that_clashes_is_refused_naming_the_other_lesson(app, auth, ids):
    with app.app_context():
        lesson = lesson_at(ids["math5"], NEXT_TUESDAY, 1)
        lesson_id, version = lesson.id, lesson.version
    auth.login("admin")
    auth.post("/lang", {"language": "ru"})
    # the teacher has 6-А at the 2nd lesson of that Tuesday
    r = auth.post(f"/admin/changes/lessons/{lesson_id}/move",
                  {"day": NEXT_TUESDAY.isoformat(), "number": "2", "reason": "x", "version": str(version)})
    assert r.status_code == 422 and "6-А" in r.get_data(as_text=True)
    # the autumn holidays (between the quarters) are refused
    r = auth.post(f"/admin/changes/lessons/{lesson_id}/move",
                  {"day": "2026-10-28", "number": "1", "reason": "x", "version": str(version)})
    assert r.status_code == 422 and "вне его учебных периодов" in r.get_data(as_text=True)
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert (lesson.day, lesson.number, lesson.version) == (NEXT_TUESDAY, 1, version)
        assert db.session.scalar(select(func.count(LessonChange.id))) == 0


def test_a_held_lesson_with_attendance_is_not_moved_or_cancelled(app, auth, ids):
    with app.app_context():
        version = db.session.get(Lesson, ids["lesson"]).version
    auth.login("admin")
    for action, data in (("move", {"day": NEXT_WEDNESDAY.isoformat(), "number": "1"}), ("cancel", {})):
        r = auth.post(f"/admin/changes/lessons/{ids['lesson']}/{action}",
                      {**data, "reason": "x", "version": str(version)})
        assert r.status_code == 422, action
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson"])
        assert (lesson.day, lesson.state) == (TODAY, "held")


def test_cancel_and_restore_with_reasons_and_versions(app, auth, ids):
    with app.app_context():
        lesson = lesson_at(ids["math6"], NEXT_TUESDAY, 2)
        lesson_id, version = lesson.id, lesson.version
    auth.login("admin")
    assert auth.post(f"/admin/changes/lessons/{lesson_id}/cancel", {"reason": "", "version": str(version)}
                     ).status_code == 422          # a reason is required
    assert auth.post(f"/admin/changes/lessons/{lesson_id}/cancel", {"reason": "Карантин", "version": str(version)}
                     ).status_code == 303
    # a tablet holding the old version is told, not obeyed
    r = auth.post(f"/admin/changes/lessons/{lesson_id}/cancel", {"reason": "Ошибка", "version": str(version)})
    assert r.status_code == 409
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert lesson.state == "cancelled"
        version = lesson.version
    assert auth.post(f"/admin/changes/lessons/{lesson_id}/cancel", {"reason": "Карантин снят", "version": str(version)}
                     ).status_code == 303
    with app.app_context():
        assert db.session.get(Lesson, lesson_id).state == "held"
        kinds = db.session.scalars(select(LessonChange.kind).where(LessonChange.lesson_id == lesson_id)
                                   .order_by(LessonChange.id)).all()
        assert kinds == ["cancelled", "restored"]
        # a cancelled lesson keeps its place: regenerating does not make another
        assert timetable.generate(None, ids["year_id"]).created == 0


def test_an_extra_lesson_is_added_checked_and_kept(app, auth, ids):
    auth.login("admin")
    day = NEXT_WEDNESDAY.isoformat()
    r = auth.post(f"/admin/changes/extra?day={day}", {"course": str(ids["rus5"]), "number": "2", "room": "14",
                                                       "reason": "Отработка"})
    assert r.status_code == 303
    with app.app_context():
        extra = lesson_at(ids["rus5"], NEXT_WEDNESDAY, 2)
        assert extra is not None and extra.extra and extra.room == "14"
        with app.test_request_context():
            day_rows = queries.teacher_day(ids["users"]["teacher2"], NEXT_WEDNESDAY)
        assert [(r["number"], r["extra"]) for r in day_rows] == [(2, True)]
        # the timetable does not give it, and regenerating keeps it
        timetable.generate(None, ids["year_id"])
        assert lesson_at(ids["rus5"], NEXT_WEDNESDAY, 2) is not None
    # 5-А has mathematics at the 1st lesson on Tuesdays: an extra Russian lesson then is refused
    r = auth.post(f"/admin/changes/extra?day={NEXT_TUESDAY.isoformat()}",
                  {"course": str(ids["rus5"]), "number": "1", "reason": "Отработка"}, follow_redirects=True)
    with app.app_context():
        assert lesson_at(ids["rus5"], NEXT_TUESDAY, 1) is None
    # a forged course id changes nothing
    r = auth.post(f"/admin/changes/extra?day={day}", {"course": "999999", "number": "4", "reason": "x"})
    with app.app_context():
        assert db.session.scalar(select(func.count(Lesson.id)).where(Lesson.extra.is_(True))) == 1


def test_the_substitute_sees_the_lesson_and_enters_only_its_register(app, auth, ids):
    auth.login("admin")
    r = auth.post(f"/admin/changes/lessons/{ids['lesson']}/substitute",
                  {"substitute": str(ids["users"]["teacher2"]), "reason": "Больничный"})
    assert r.status_code == 303
    with app.app_context(), app.test_request_context():
        rows = queries.teacher_day(ids["users"]["teacher2"], TODAY)
        assert [(r["number"], r["substitute_for"].id, r["substitute_for"].short_name) for r in rows] == [
            (1, ids["users"]["teacher"], "Абдураимова Э.")]
        own = queries.teacher_day(ids["users"]["teacher"], TODAY)
        assert [(r["substituted_by"].id, r["substitute_for"]) for r in own if r["number"] == 1] == [
            (ids["users"]["teacher2"], None)]
        other = lesson_at(ids["math5"], TODAY - dt.timedelta(days=7), 1).id
    auth.logout()
    auth.login("teacher")
    auth.post("/lang", {"language": "ru"})
    assert "заменяет учитель Иванова А." in auth.client.get("/").get_data(as_text=True)  # who substitutes them
    auth.logout()
    auth.login("teacher2")
    auth.post("/lang", {"language": "ru"})
    home = auth.client.get("/").get_data(as_text=True)
    assert "вы заменяете учителя Абдураимова Э." in home  # the day names whom they substitute for
    from tests.test_journal import save
    assert save(auth, ids["lesson"], ids["emil"], "5").status_code == 200
    assert save(auth, other, ids["emil"], "5").status_code in (403, 404)
    # the day's changes page is the administration's
    assert auth.client.get("/admin/changes/").status_code in (403, 404)


def test_only_the_administration_records_changes(app, auth, ids):
    with app.app_context():
        lesson = lesson_at(ids["math5"], NEXT_TUESDAY, 1)
        lesson_id, version = lesson.id, lesson.version
    auth.login("director")       # reads the changes, records none
    assert auth.client.get(f"/admin/changes/?day={NEXT_TUESDAY.isoformat()}").status_code == 200
    assert auth.client.get(f"/admin/changes/lessons/{lesson_id}").status_code == 200
    r = auth.post(f"/admin/changes/lessons/{lesson_id}/cancel", {"reason": "x", "version": str(version)})
    assert r.status_code == 403
    auth.logout()
    for name in ("teacher", "parent"):
        auth.login(name)
        assert auth.client.get(f"/admin/changes/lessons/{lesson_id}").status_code in (403, 404)
        auth.logout()
    with app.app_context():
        assert db.session.get(Lesson, lesson_id).state == "held"
        # the write functions check the actor themselves
        with pytest.raises(NotFound):
            changes.cancel(user(app, ids, "teacher"), db.session.get(Lesson, lesson_id), "x", version)
        with pytest.raises(NotFound):
            changes.add_extra(user(app, ids, "director"), db.session.get(Lesson, lesson_id).course, NEXT_WEDNESDAY,
                              3, "x")


def test_the_day_page_lists_lessons_and_changes(app, auth, ids):
    auth.login("admin")
    auth.post("/lang", {"language": "ru"})
    auth.post(f"/admin/changes/lessons/{ids['lesson']}/substitute",
              {"substitute": str(ids["users"]["teacher2"]), "reason": "Больничный"})
    html = auth.client.get(f"/admin/changes/?day={TODAY.isoformat()}").get_data(as_text=True)
    assert "Больничный" in html and "5-А" in html and "6-А" in html
    # one class's day: the other class's lessons and changes are not listed
    html = auth.client.get(f"/admin/changes/?day={TODAY.isoformat()}&class={ids['class6']}").get_data(as_text=True)
    assert "Больничный" not in html and "<td>5-А" not in html and "<td>6-А" in html
    # a bad date falls back to today; a weekend says there are no lessons
    assert auth.client.get("/admin/changes/?day=2026-13-45").status_code == 200
    html = auth.client.get("/admin/changes/?day=2026-11-29").get_data(as_text=True)
    assert "Нет уроков" in html or "нет уроков" in html.lower()


def test_move_conflicts_on_a_stale_version_in_the_function(app, ids):
    with app.app_context():
        admin = user(app, ids, "admin")
        lesson = lesson_at(ids["math5"], NEXT_TUESDAY, 1)
        version = lesson.version
        changes.move(admin, lesson, NEXT_WEDNESDAY, 4, "Причина", version)
        with pytest.raises(Conflict):
            changes.move(admin, db.session.get(Lesson, lesson.id), NEXT_WEDNESDAY, 5, "Причина", version)
        with pytest.raises(RegisterError):
            changes.move(admin, db.session.get(Lesson, lesson.id), NEXT_WEDNESDAY, 13, "Причина", version + 1)


def test_the_grid_marks_a_moved_and_a_substituted_lesson(app, auth, ids):
    with app.app_context():
        admin = user(app, ids, "admin")
        lesson = lesson_at(ids["math5"], NEXT_TUESDAY, 1)
        changes.move(admin, lesson, TODAY + dt.timedelta(days=6), 3, "Экскурсия", lesson.version)
        moved_id = lesson.id
    auth.login("admin")
    auth.post(f"/admin/changes/lessons/{ids['lesson']}/substitute",
              {"substitute": str(ids["users"]["teacher2"]), "reason": "Больничный"})
    auth.logout()
    auth.login("teacher")
    html = auth.client.get(f"/journal/courses/{ids['math5']}").get_data(as_text=True)
    assert re.search(rf'id="h{moved_id}" scope="col" class="[^"]*\bmv\b', html)
    assert re.search(rf'id="h{ids["lesson"]}" scope="col" class="[^"]*\bsub\b', html)


def test_a_substitute_busy_with_their_own_lesson_is_refused(app, auth, ids):
    """The mathematics teacher has 6-А at the 2nd lesson on Tuesdays: they cannot substitute anyone then."""
    with app.app_context():
        extra = changes.add_extra(user(app, ids, "admin"), db.session.get(Course, ids["rus5"]), NEXT_TUESDAY, 2,
                                  "Отработка")
        extra_id = extra.id
    auth.login("admin")
    auth.post("/lang", {"language": "ru"})
    r = auth.post(f"/admin/changes/lessons/{extra_id}/substitute",
                  {"substitute": str(ids["users"]["teacher"]), "reason": "Больничный"})
    assert r.status_code == 422 and "6-А" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Lesson, extra_id).substitute_id is None
        assert db.session.scalar(select(func.count(LessonChange.id)).where(
            LessonChange.kind == "substitution")) == 0


def test_a_move_onto_a_cancelled_lesson_of_the_same_course_is_refused(app, auth, ids):
    """The course's place holds a cancelled lesson: the database's one-lesson-per-place is a clear 422, not a 500."""
    with app.app_context():
        admin = user(app, ids, "admin")
        math5 = db.session.get(Course, ids["math5"])
        taken = changes.add_extra(admin, math5, NEXT_WEDNESDAY, 3, "Отработка")
        changes.cancel(admin, taken, "Карантин", taken.version)
        lesson = lesson_at(ids["math5"], NEXT_TUESDAY, 1)
        lesson_id, version = lesson.id, lesson.version
    auth.login("admin")
    r = auth.post(f"/admin/changes/lessons/{lesson_id}/move",
                  {"day": NEXT_WEDNESDAY.isoformat(), "number": "3", "reason": "x", "version": str(version)})
    assert r.status_code == 422
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert (lesson.day, lesson.number, lesson.version) == (NEXT_TUESDAY, 1, version)
