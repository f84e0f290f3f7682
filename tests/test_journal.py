"""The journal's rules, through HTTP as the grid sends them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from school.extensions import db
from school.models import (Attendance, Course, EditUnlock, Enrolment, Lesson, Mark, MarkChange, PeriodMark,
                           SchoolClass, Subject, WorkKind)
from school.register.marks import cell_of
from tests import factory
from tests.factory import TODAY

HX = {"HX-Request": "true"}


def add_lesson(app, course_id, day, number=1, **kw):
    with app.app_context():
        lesson = factory.lesson_at(course_id, day, number, **kw)
        db.session.commit()
        return lesson.id


def cell_url(lesson_id, student_id):
    return f"/journal/lessons/{lesson_id}/students/{student_id}"


def current_version(app, lesson_id, student_id) -> str:
    """The cell's version as the grid shows it now."""
    with app.app_context():
        return cell_of(lesson_id, student_id).version


def save(auth, lesson_id, student_id, action, version=None, **extra):
    """A save as the grid sends it: with the version the tablet saw (by default, the current one)."""
    if version is None:
        version = current_version(auth.client.application, lesson_id, student_id)
    data = {"action": action, "version": version, **extra}
    return auth.post(cell_url(lesson_id, student_id), data, headers=HX)


def edit_lesson(auth, lesson_id, data, **kw):
    """The lesson header form as sent, with the lesson's current version."""
    with auth.client.application.app_context():
        version = db.session.get(Lesson, lesson_id).version
    return auth.post(f"/journal/lessons/{lesson_id}", {"version": str(version), **data}, **kw)


def pm_version(app, course_id, student_id, kind="period") -> str:
    with app.app_context():
        return str(db.session.scalar(select(PeriodMark.version).where(
            PeriodMark.course_id == course_id, PeriodMark.student_id == student_id, PeriodMark.kind == kind)) or 0)


def att_version(app, attendance_id) -> str:
    with app.app_context():
        return str(db.session.get(Attendance, attendance_id).version)


def marks(app, **where):
    with app.app_context():
        return db.session.execute(select(Mark.student_id, Mark.slot, Mark.code).filter_by(**where)
                                  .order_by(Mark.id)).all()


def test_teacher_gives_a_mark_and_gets_the_cell_and_row_stats(app, auth, ids):
    auth.login("teacher")
    r = save(auth, ids["lesson"], ids["emil"], "5")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f'id="c{ids["lesson"]}-{ids["emil"]}"' in html and ">5</td>" in html
    assert f'id="a{ids["emil"]}" hx-swap-oob="true">5,00' in html
    assert f'id="s{ids["emil"]}" hx-swap-oob="true"' in html
    assert "HX-Request" in r.headers["Vary"]
    assert len(html.encode()) < 1024
    with app.app_context():
        mark = db.session.scalar(select(Mark))
        assert mark.code == "5" and mark.work_kind.code == "answer" and mark.weight == Decimal(1)


@pytest.mark.parametrize("url", ["cell", "period"])
def test_a_grid_save_without_the_csrf_token_is_refused_and_stores_nothing(app, auth, ids, url):
    """The grid's forms check no token of their own (PostedByTheGrid): CSRFProtect refuses the POST before the
    view, whether the token is missing or forged."""
    auth.login("teacher")
    target = (cell_url(ids["lesson"], ids["emil"]) if url == "cell" else
              f"/journal/courses/{ids['math5']}/periods/{ids['q2']}/students/{ids['emil']}")
    data = {"action": "5", "value": "5", "version": "0-0" if url == "cell" else "0"}
    assert auth.client.post(target, data=data, headers=HX).status_code == 400
    forged = {**HX, "X-CSRFToken": "forged"}
    assert auth.client.post(target, data=data, headers=forged).status_code == 400
    assert marks(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(PeriodMark.id))) == 0
    # the same save with the session's token goes through
    assert auth.post(target, data, headers=HX).status_code == 200


def test_attendance_and_clear(app, auth, ids):
    auth.login("teacher")
    r = save(auth, ids["lesson"], ids["emil"], "absent")
    assert r.status_code == 200 and "<i>Н</i>" in r.get_data(as_text=True)
    r = save(auth, ids["lesson"], ids["emil"], "clear")
    assert r.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id)).where(Attendance.student_id == ids["emil"])) == 0


@pytest.mark.parametrize("code", ["7", "X", "осв", "н/а", "безотм", "", "5" * 11])
def test_unknown_or_period_only_codes_are_refused(app, auth, ids, code):
    auth.login("teacher")
    save(auth, ids["lesson"], ids["other5"][1], "4")
    r = save(auth, ids["lesson"], ids["other5"][1], code)
    assert r.status_code == 422
    assert 'class="err"' in r.get_data(as_text=True)
    assert marks(app) == [(ids["other5"][1], 1, "4")]


def test_period_only_code_message_is_translated(auth, ids):
    auth.login("teacher")
    r = save(auth, ids["lesson"], ids["emil"], "осв")
    assert "выставляется за учебный период" in r.get_data(as_text=True)


def test_stale_version_is_a_conflict_and_overwrites_nothing(app, auth, ids):
    auth.login("teacher")
    save(auth, ids["lesson"], ids["emil"], "4")
    r = save(auth, ids["lesson"], ids["emil"], "3", "0-0")  # a second tablet that still saw an empty cell
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert ">4</td>" in html and f'data-v="{current_version(app, ids["lesson"], ids["emil"])}"' in html
    assert marks(app) == [(ids["emil"], 1, "4")]


def test_a_retried_save_that_already_arrived_is_not_a_conflict(app, auth, ids):
    auth.login("teacher")
    save(auth, ids["lesson"], ids["emil"], "4")
    assert save(auth, ids["lesson"], ids["emil"], "4", "0-0").status_code == 200
    assert marks(app) == [(ids["emil"], 1, "4")]


def test_every_change_of_a_saved_mark_is_logged(app, auth, ids):
    auth.login("teacher")
    save(auth, ids["lesson"], ids["emil"], "4")
    save(auth, ids["lesson"], ids["emil"], "5")
    save(auth, ids["lesson"], ids["emil"], "clear")
    with app.app_context():
        log = db.session.execute(select(MarkChange.old_code, MarkChange.new_code, MarkChange.changed_by)
                                 .order_by(MarkChange.id)).all()
    assert log == [("4", "5", ids["users"]["teacher"]), ("5", None, ids["users"]["teacher"])]


def test_second_mark_in_a_lesson(app, auth, ids):
    auth.login("teacher")
    save(auth, ids["lesson"], ids["emil"], "4")
    assert save(auth, ids["lesson"], ids["emil"], "5", slot="2").status_code == 200
    assert marks(app) == [(ids["emil"], 1, "4"), (ids["emil"], 2, "5")]
    assert save(auth, ids["lesson"], ids["other5"][1], "5", "0-0", slot="2").status_code == 422


def test_cancelled_lesson_takes_nothing(app, auth, ids):
    lesson = add_lesson(app, ids["math5"], TODAY - dt.timedelta(days=1), state="cancelled")
    auth.login("teacher")
    r = save(auth, lesson, ids["emil"], "5")
    assert r.status_code == 422 and "отменён" in r.get_data(as_text=True)
    assert marks(app) == []


def test_edit_window_refuses_with_the_reason_unless_opened(app, auth, ids):
    old = add_lesson(app, ids["math5"], TODAY - dt.timedelta(days=20))
    auth.login("teacher")
    r = save(auth, old, ids["emil"], "5")
    assert r.status_code == 422 and "14" in r.get_data(as_text=True)
    assert marks(app) == []
    with app.app_context():
        db.session.add(EditUnlock(course_id=ids["math5"], first_day=TODAY - dt.timedelta(days=21),
                                  last_day=TODAY - dt.timedelta(days=19), opened_by=ids["users"]["admin"],
                                  opened_at=dt.datetime(2026, 11, 24, 8), until=dt.datetime(2026, 11, 30, 8),
                                  reason="болезнь учителя"))
        db.session.commit()
    assert save(auth, old, ids["emil"], "5").status_code == 200


def test_future_lesson_takes_nothing(app, auth, ids):
    future = add_lesson(app, ids["math5"], TODAY + dt.timedelta(days=1))
    auth.login("teacher")
    assert save(auth, future, ids["emil"], "absent").status_code == 422


def test_forged_ids(app, auth, ids):
    auth.login("teacher")
    assert save(auth, 999999, ids["emil"], "5").status_code == 404
    assert save(auth, ids["lesson"], 999999, "5").status_code == 404
    assert save(auth, ids["lesson"], ids["lenur"], "5").status_code == 404  # a student of another class
    assert auth.client.get("/journal/courses/999999").status_code == 404
    assert marks(app) == []


def test_other_teacher_cannot_write_even_with_a_forged_id(app, auth, ids):
    auth.login("teacher2")
    # teacher2 neither teaches 5-А mathematics nor leads 5-А: the course does not exist for them
    assert save(auth, ids["lesson"], ids["emil"], "5").status_code == 404
    assert auth.client.get(f"/journal/courses/{ids['math5']}").status_code == 404
    # teacher2 leads 6-А: reads its mathematics, cannot write it
    lesson6 = add_lesson(app, ids["math6"], TODAY, 2)
    assert auth.client.get(f"/journal/courses/{ids['math6']}").status_code == 200
    assert save(auth, lesson6, ids["lenur"], "5").status_code == 403
    assert marks(app) == []


def test_director_reads_but_cannot_write(app, auth, ids):
    auth.login("director")
    assert auth.client.get(f"/journal/courses/{ids['math5']}").status_code == 200
    assert save(auth, ids["lesson"], ids["emil"], "5").status_code == 403


def test_parent_and_student_have_no_journal(auth, ids):
    for who in ("parent", "student"):
        auth.login(who)
        assert auth.client.get("/journal/").status_code == 403
        assert auth.client.get(f"/journal/courses/{ids['math5']}").status_code == 403
        auth.logout()


def _grade1_course(app, ids, **kw):
    with app.app_context():
        subject = db.session.scalar(select(Subject).where(Subject.short == "math"))
        course = Course(year_id=ids["year_id"], subject_id=subject.id, teacher_id=ids["users"]["teacher"],
                        class_id=kw.pop("class_id", ids["class1"]), hours_per_week=Decimal(4), **kw)
        db.session.add(course)
        db.session.commit()
        return course.id


def test_grade_one_takes_attendance_but_no_marks_and_no_homework(app, auth, ids):
    course = _grade1_course(app, ids)
    lesson = add_lesson(app, course, TODAY)
    with app.app_context():
        pupil = db.session.scalar(select(Enrolment.student_id).where(Enrolment.class_id == ids["class1"]))
    auth.login("teacher")
    r = save(auth, lesson, pupil, "5")
    assert r.status_code == 422 and "без отметок" in r.get_data(as_text=True)
    assert save(auth, lesson, pupil, "absent").status_code == 200
    r = edit_lesson(auth, lesson, {"topic": "Счёт до 10", "homework": "Прописи", "state": "held"},
                  headers=HX)
    assert r.status_code == 422
    with app.app_context():
        assert db.session.get(Lesson, lesson).homework is None
    r = edit_lesson(auth, lesson, {"topic": "Счёт до 10", "homework": "", "state": "held"},
                  headers=HX)
    assert r.status_code == 200


def test_grade_two_is_unmarked_until_its_marks_start(app, auth, ids):
    with app.app_context():
        c2 = SchoolClass(year_id=ids["year_id"], grade=2, letter="А", marks_from=dt.date(2027, 1, 12))
        db.session.add(c2)
        db.session.flush()
        from school.models import Person, Student
        pupil = Student(person=Person(surname="Бойко", name="Уляна"))
        db.session.add(pupil)
        db.session.flush()
        db.session.add(Enrolment(student_id=pupil.id, class_id=c2.id, from_day=dt.date(2026, 9, 1)))
        db.session.commit()
        c2_id, pupil_id = c2.id, pupil.id
    course = _grade1_course(app, ids, class_id=c2_id)
    lesson = add_lesson(app, course, TODAY)
    auth.login("teacher")
    assert save(auth, lesson, pupil_id, "5").status_code == 422
    assert save(auth, lesson, pupil_id, "absent").status_code == 200


def test_subject_without_attestation_takes_no_marks(app, auth, ids):
    with app.app_context():
        db.session.get(Course, ids["math5"]).attested = False
        db.session.commit()
    auth.login("teacher")
    r = save(auth, ids["lesson"], ids["emil"], "5")
    assert r.status_code == 422 and "без аттестации" in r.get_data(as_text=True)


def test_pass_fail_course_takes_only_pass_or_fail(app, auth, ids):
    with app.app_context():
        db.session.get(Course, ids["math5"]).assessment = "pass_fail"
        db.session.commit()
    auth.login("teacher")
    assert save(auth, ids["lesson"], ids["emil"], "5").status_code == 422
    assert save(auth, ids["lesson"], ids["emil"], "зач").status_code == 200


def test_topic_of_ten_thousand_characters_is_refused(app, auth, ids):
    auth.login("teacher")
    r = edit_lesson(auth, ids['lesson'], {"topic": "я" * 10000, "state": "held"}, headers=HX)
    assert r.status_code == 422
    with app.app_context():
        assert db.session.get(Lesson, ids["lesson"]).topic == "Дроби"


def test_lesson_header_edit_records_when(app, auth, ids):
    auth.login("teacher")
    r = edit_lesson(auth, ids['lesson'], {"topic": "Сложение дробей", "homework": "№ 12",
                                                          "state": "held", "work_kind": ""}, headers=HX)
    assert r.status_code == 200 and 'hx-swap-oob="true" id="h' in r.get_data(as_text=True)
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson"])
        assert lesson.topic == "Сложение дробей" and lesson.homework == "№ 12"
        assert lesson.topic_entered_at is not None and lesson.homework_entered_at is not None
    # without htmx the form answers with a redirect to the grid
    r = edit_lesson(auth, ids['lesson'], {"topic": "Сложение дробей", "state": "held"})
    assert r.status_code == 303


def test_cancelling_a_lesson_with_marks_is_refused(app, auth, ids):
    auth.login("teacher")
    save(auth, ids["lesson"], ids["emil"], "5")
    r = edit_lesson(auth, ids['lesson'], {"topic": "Дроби", "state": "cancelled"}, headers=HX)
    assert r.status_code == 422


def test_substitute_writes_the_lessons_they_substitute(app, auth, ids):
    lesson = add_lesson(app, ids["math5"], TODAY, 3, substitute_id=ids["users"]["teacher2"])
    auth.login("teacher2")
    assert save(auth, lesson, ids["emil"], "4").status_code == 200
    assert save(auth, lesson, ids["emil"], "5").status_code == 200
    assert save(auth, ids["lesson"], ids["emil"], "4").status_code == 403  # reads the course, writes only its lesson
    with app.app_context():
        mark = db.session.scalar(select(Mark).where(Mark.lesson_id == lesson))
        assert mark.author_id == ids["users"]["teacher2"]
        change = db.session.scalar(select(MarkChange))
        assert change.changed_by == ids["users"]["teacher2"] and change.reason


def test_student_who_left_takes_no_new_entries(app, auth, ids):
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.student_id == ids["other5"][2]))
        enrolment.to_day = TODAY - dt.timedelta(days=3)
        enrolment.order_out = "45-в"
        db.session.commit()
    auth.login("teacher")
    r = save(auth, ids["lesson"], ids["other5"][2], "5")
    assert r.status_code == 422
    html = auth.client.get(f"/journal/courses/{ids['math5']}").get_data(as_text=True)
    assert 'class="left"' in html


def test_grid_page(app, auth, ids):
    with app.app_context():
        before = db.session.scalar(select(func.count(Lesson.id)))
    auth.login("teacher")
    r = auth.client.get(f"/journal/courses/{ids['math5']}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'class="today"' in html and "Умерова Алие" in html and 'id="picker"' in html
    assert f'data-focus="{ids["lesson"]}"' in html
    with app.app_context():
        # viewing creates no lesson: the timetable generated the year's
        assert db.session.scalar(select(func.count(Lesson.id))) == before
        lessons = {les.day: les.id for les in db.session.scalars(select(Lesson).where(Lesson.course_id == ids["math5"]))}
    # the grid shows the period's lessons held and those of the coming week, not the rest of the year
    for day in (dt.date(2026, 11, 10), dt.date(2026, 11, 17), TODAY, TODAY + dt.timedelta(days=7)):
        assert f'/journal/lessons/{lessons[day]}"' in html
    assert f'/journal/lessons/{lessons[TODAY + dt.timedelta(days=14)]}"' not in html


def test_period_marks_including_special_entries(app, auth, ids):
    auth.login("teacher")
    save(auth, ids["lesson"], ids["emil"], "5")
    url = f"/journal/courses/{ids['math5']}/periods/{ids['q2']}/students/{ids['emil']}"
    r = auth.post(url, {"value": "5", "version": "0"}, headers=HX)
    assert r.status_code == 200 and "<b>5</b>" in r.get_data(as_text=True)
    seen = pm_version(app, ids["math5"], ids["emil"])
    assert auth.post(url, {"value": "осв", "version": seen}, headers=HX).status_code == 200
    assert auth.post(url, {"value": "4", "version": seen}, headers=HX).status_code == 409
    now = pm_version(app, ids["math5"], ids["emil"])
    assert auth.post(url, {"value": "9", "version": now}, headers=HX).status_code == 422
    assert auth.post(url, {"value": "безотм", "version": now}, headers=HX).status_code == 422  # a marked course
    with app.app_context():
        assert db.session.scalar(select(PeriodMark.code)) == "осв"


def test_class_teacher_records_reasons_and_both_entries_are_kept(app, auth, ids):
    lesson = add_lesson(app, ids["rus5"], TODAY, 2)
    auth.login("teacher2")
    save(auth, lesson, ids["emil"], "absent")
    auth.logout()
    auth.login("teacher")  # the class teacher of 5-А, not the teacher of this course
    assert save(auth, lesson, ids["emil"], "clear").status_code == 403
    page = auth.client.get(f"/journal/classes/{ids['class5']}/attendance")
    assert page.status_code == 200
    with app.app_context():
        att = db.session.scalar(select(Attendance).where(Attendance.lesson_id == lesson))
    seen = att_version(app, att.id)
    r = auth.post(f"/journal/attendance/{att.id}/reason", {"value": "ill", "version": seen}, headers=HX)
    assert r.status_code == 200
    assert auth.post(f"/journal/attendance/{att.id}/reason", {"value": "excused", "version": seen},
                     headers=HX).status_code == 409
    with app.app_context():
        att = db.session.get(Attendance, att.id)
        assert (att.code, att.set_by, att.reason, att.reason_by) == (
            "absent", ids["users"]["teacher2"], "ill", ids["users"]["teacher"])


def test_class_teacher_of_another_class_cannot_set_reasons(app, auth, ids):
    auth.login("teacher2")
    assert auth.client.get(f"/journal/classes/{ids['class5']}/attendance").status_code == 404
    r = auth.post(f"/journal/attendance/{ids['absence']}/reason", {"value": "ill", "version": "1"}, headers=HX)
    assert r.status_code == 404


def test_lesson_topics_come_from_the_thematic_plan(app, auth, ids):
    from school.models import PlanItem
    from school.register import timetable
    with app.app_context():
        db.session.execute(delete(Lesson).where(Lesson.course_id == ids["math6"]))
        db.session.add_all(PlanItem(course_id=ids["math6"], position=i, topic=f"Тема плана {i}",
                                    hours=2 if i == 1 else 1) for i in range(1, 13))
        db.session.commit()
        timetable.generate(None, ids["year_id"], course_ids=[ids["math6"]])
        topics = db.session.scalars(select(Lesson.topic).where(Lesson.course_id == ids["math6"],
                                                               Lesson.day >= dt.date(2026, 11, 5))
                                    .order_by(Lesson.day, Lesson.number)).all()
    # Each lesson takes its place among all the year's lessons: eight Tuesdays in the first quarter (the first
    # plan item takes two hours), none in the holidays; the plan's 13 hours end before the quarter does.
    assert topics == ["Тема плана 8", "Тема плана 9", "Тема плана 10", "Тема плана 11", "Тема плана 12", None, None]


def test_mark_with_kind_of_work_and_comment(app, auth, ids):
    auth.login("teacher")
    with app.app_context():
        test_kind = db.session.scalar(select(WorkKind.id).where(WorkKind.code == "test"))
    r = save(auth, ids["lesson"], ids["emil"], "5", work_kind=str(test_kind), comment="  отличная работа ")
    assert r.status_code == 200
    # a keyboard save sends no comment: the comment stays
    assert save(auth, ids["lesson"], ids["emil"], "4").status_code == 200
    with app.app_context():
        mark = db.session.scalar(select(Mark))
        assert (mark.code, mark.work_kind_id, mark.weight, mark.comment) == ("4", test_kind, Decimal(2),
                                                                             "отличная работа")
    too_long = save(auth, ids["lesson"], ids["emil"], "3", comment="я" * 501)
    assert too_long.status_code == 422
    assert marks(app) == [(ids["emil"], 1, "4")]


def test_work_kind_weights_the_average(app, auth, ids):
    auth.login("teacher")
    with app.app_context():
        test_kind = db.session.scalar(select(WorkKind.id).where(WorkKind.code == "test"))
    save(auth, ids["lesson"], ids["emil"], "5", work_kind=str(test_kind))
    other = add_lesson(app, ids["math5"], TODAY - dt.timedelta(days=1))
    r = save(auth, other, ids["emil"], "2")
    assert f'id="a{ids["emil"]}" hx-swap-oob="true">4,00' in r.get_data(as_text=True)  # (5·2 + 2·1) / 3


def test_administrator_opens_past_days_of_a_class(app, auth, ids):
    old = add_lesson(app, ids["math5"], TODAY - dt.timedelta(days=20))
    auth.login("teacher")
    assert save(auth, old, ids["emil"], "5").status_code == 422
    assert auth.client.get("/journal/unlocks").status_code == 403
    auth.logout()
    auth.login("admin")
    day = (TODAY - dt.timedelta(days=20)).isoformat()
    bad = auth.post("/journal/unlocks", {"school_class": ids["class5"], "first_day": day, "last_day": day,
                                         "until": "2026-11-01", "reason": "болезнь"})
    assert bad.status_code == 422
    ok = auth.post("/journal/unlocks", {"school_class": ids["class5"], "first_day": day, "last_day": day,
                                        "until": "2026-11-27", "reason": "болезнь учителя"})
    assert ok.status_code == 303
    auth.logout()
    auth.login("teacher")
    assert save(auth, old, ids["emil"], "5").status_code == 200


def test_subgroup_course_shows_only_its_students(app, auth, ids):
    from school.models import Subgroup, SubgroupMember
    with app.app_context():
        subject = db.session.scalar(select(Subject).where(Subject.short == "rus"))
        group = Subgroup(class_id=ids["class5"], subject_id=subject.id, name="1 группа")
        db.session.add(group)
        db.session.flush()
        db.session.add(SubgroupMember(subgroup_id=group.id, student_id=ids["emil"], from_day=dt.date(2026, 9, 1)))
        course = Course(year_id=ids["year_id"], subject_id=subject.id, teacher_id=ids["users"]["teacher"],
                        class_id=ids["class5"], subgroup_id=group.id, hours_per_week=Decimal(2))
        db.session.add(course)
        db.session.commit()
        course_id = course.id
    lesson = add_lesson(app, course_id, TODAY, 4)
    auth.login("teacher")
    html = auth.client.get(f"/journal/courses/{course_id}").get_data(as_text=True)
    assert "Аблаев Эмиль" in html and "Умерова" not in html and "Иванов" not in html
    assert save(auth, lesson, ids["emil"], "5").status_code == 200
    assert save(auth, lesson, ids["other5"][1], "5").status_code == 404  # in the class, not in the subgroup


def test_a_student_who_left_the_subgroup_takes_no_entries_in_its_course_after(app, auth, ids):
    """The save reads whether the student is in the class and the subgroup on the lesson's day with the lesson:
    a membership that ended the day before does not cover it (422, the roster's message), nor does the class
    enrolment alone."""
    from school.models import Subgroup, SubgroupMember
    with app.app_context():
        subject = db.session.scalar(select(Subject).where(Subject.short == "rus"))
        group = Subgroup(class_id=ids["class5"], subject_id=subject.id, name="1 группа")
        db.session.add(group)
        db.session.flush()
        db.session.add(SubgroupMember(subgroup_id=group.id, student_id=ids["emil"], from_day=dt.date(2026, 9, 1),
                                      to_day=TODAY - dt.timedelta(days=1)))
        course = Course(year_id=ids["year_id"], subject_id=subject.id, teacher_id=ids["users"]["teacher"],
                        class_id=ids["class5"], subgroup_id=group.id, hours_per_week=Decimal(2))
        db.session.add(course)
        db.session.commit()
        course_id = course.id
    before, today = add_lesson(app, course_id, TODAY - dt.timedelta(days=1), 4), add_lesson(app, course_id, TODAY, 4)
    auth.login("teacher")
    assert save(auth, before, ids["emil"], "5").status_code == 200
    refused = save(auth, today, ids["emil"], "5")
    assert refused.status_code == 422 and "Аблаев Эмиль" in refused.get_data(as_text=True)


def test_second_mark_has_its_own_version(app, auth, ids):
    auth.login("teacher")
    save(auth, ids["lesson"], ids["emil"], "4")
    save(auth, ids["lesson"], ids["emil"], "5", slot="2")
    seen = current_version(app, ids["lesson"], ids["emil"])
    assert save(auth, ids["lesson"], ids["emil"], "3", slot="2").status_code == 200
    # another tablet that saw the first second mark
    assert save(auth, ids["lesson"], ids["emil"], "2", seen, slot="2").status_code == 409
    assert marks(app) == [(ids["emil"], 1, "4"), (ids["emil"], 2, "3")]
    # Backspace empties the whole cell
    assert save(auth, ids["lesson"], ids["emil"], "clear").status_code == 200
    assert marks(app) == []


def test_a_simultaneous_first_save_is_a_conflict_not_a_500(app, auth, ids, monkeypatch):
    from school.register import marks as register_marks
    auth.login("teacher")
    save(auth, ids["lesson"], ids["emil"], "4")
    real = register_marks.cell_of
    monkeypatch.setattr(register_marks, "cell_of", lambda lesson, sid: register_marks.Cell())  # read before
    r = save(auth, ids["lesson"], ids["emil"], "5", "0-0")
    monkeypatch.setattr(register_marks, "cell_of", real)
    assert r.status_code == 409
    assert marks(app) == [(ids["emil"], 1, "4")]


def test_the_class_teachers_reason_is_not_lost(app, auth, ids):
    auth.login("teacher")
    with app.app_context():
        att = db.session.get(Attendance, ids["absence"])
        att.reason, att.reason_by, att.reason_at = "ill", ids["users"]["teacher"], dt.datetime(2026, 11, 24, 12)
        db.session.commit()
    sid = ids["other5"][0]
    assert save(auth, ids["lesson"], sid, "clear").status_code == 422
    assert save(auth, ids["lesson"], sid, "excused").status_code == 422
    assert save(auth, ids["lesson"], sid, "late").status_code == 422  # Н → ОП would erase the reason
    with app.app_context():
        att = db.session.get(Attendance, ids["absence"])
        assert (att.code, att.reason) == ("absent", "ill")


def test_a_lesson_with_attendance_cannot_be_cancelled(app, auth, ids):
    auth.login("teacher")
    r = edit_lesson(auth, ids['lesson'], {"topic": "Дроби", "state": "cancelled"}, headers=HX)
    assert r.status_code == 422
    with app.app_context():
        assert db.session.get(Lesson, ids["lesson"]).state == "held"


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "2026-W99", "junk"])
def test_impossible_weeks_are_404_not_500(auth, ids, week):
    auth.login("teacher")
    assert auth.client.get(f"/journal/classes/{ids['class5']}/attendance?week={week}").status_code == 404


def test_unmarked_course_takes_only_unmarked_period_entries(app, auth, ids):
    with app.app_context():
        db.session.get(Course, ids["math5"]).assessment = "unmarked"
        db.session.commit()
    auth.login("teacher")
    url = f"/journal/courses/{ids['math5']}/periods/{ids['q2']}/students/{ids['emil']}"
    assert auth.post(url, {"value": "5", "version": "0"}, headers=HX).status_code == 422
    assert auth.post(url, {"value": "безотм", "version": "0"}, headers=HX).status_code == 200


def test_editable_days_agree_with_the_edit_window(app, ids):
    from school.register import rules
    with app.test_request_context():
        course = db.session.get(Course, ids["math5"])
        days = [TODAY - dt.timedelta(days=n) for n in (0, 14, 15, 30)] + [TODAY + dt.timedelta(days=1)]
        db.session.add(EditUnlock(course_id=course.id, first_day=TODAY - dt.timedelta(days=30),
                                  last_day=TODAY - dt.timedelta(days=30), opened_by=ids["users"]["admin"],
                                  opened_at=dt.datetime(2026, 11, 24, 8), until=dt.datetime(2026, 11, 30, 8),
                                  reason="x"))
        db.session.commit()
        assert rules.editable_days(course, days) == {
            d: rules.edit_window_refusal(course, d) is None for d in days}
        assert [rules.editable_days(course, days)[d] for d in days] == [True, True, False, True, False]


def test_a_student_who_left_and_came_back_is_not_enrolled_in_between(app, auth, ids):
    with app.app_context():
        first = db.session.scalar(select(Enrolment).where(Enrolment.student_id == ids["emil"]))
        first.to_day = dt.date(2026, 11, 10)
        db.session.add(Enrolment(student_id=ids["emil"], class_id=ids["class6"], from_day=dt.date(2026, 11, 11),
                                 to_day=dt.date(2026, 11, 19)))
        db.session.add(Enrolment(student_id=ids["emil"], class_id=ids["class5"], from_day=dt.date(2026, 11, 20)))
        db.session.commit()
    away = add_lesson(app, ids["math5"], dt.date(2026, 11, 17))
    auth.login("teacher")
    assert save(auth, away, ids["emil"], "5").status_code == 422
    assert save(auth, ids["lesson"], ids["emil"], "5").status_code == 200


def test_period_mark_changes_are_logged_and_closed_after_the_window(app, auth, ids, monkeypatch):
    from school.models import Period, PeriodMarkChange
    auth.login("teacher")
    url = f"/journal/courses/{ids['math5']}/periods/{ids['q2']}/students/{ids['emil']}"
    auth.post(url, {"value": "4", "version": "0"}, headers=HX)
    auth.post(url, {"value": "5", "version": pm_version(app, ids["math5"], ids["emil"])}, headers=HX)
    auth.post(url, {"value": "clear", "version": pm_version(app, ids["math5"], ids["emil"])}, headers=HX)
    with app.app_context():
        log = db.session.execute(select(PeriodMarkChange.old_code, PeriodMarkChange.new_code)
                                 .order_by(PeriodMarkChange.id)).all()
        assert log == [("4", "5"), ("5", None)]
        q1 = db.session.scalar(select(Period.id).where(Period.number == 1))
    # the first quarter ended on 24 October: more than 14 days ago
    late = f"/journal/courses/{ids['math5']}/periods/{q1}/students/{ids['emil']}"
    r = auth.post(late, {"value": "5", "version": "0"}, headers=HX)
    assert r.status_code == 422 and "14" in r.get_data(as_text=True)


def test_a_saves_answer_is_the_cell_and_the_figures_the_grid_shows_afterwards(app, auth, ids):
    """A save answers with the rows its INSERT or UPDATE … RETURNING wrote put into the cell it read before (no
    second read): after each kind of save (a first mark, a second one with a comment, attendance beside marks, a
    changed mark, a cleared second mark, a cleared cell) the answer's cell, count and average are exactly what the
    grid page shows when it is opened next; an attendance, which changes no mark, answers with no figures and
    leaves the ones the grid shows, which are the page's."""
    import re

    from tests.grid_page import ROW, TD, grid_cells
    auth.login("teacher")
    lesson, sid = ids["lesson"], ids["emil"]
    with app.app_context():
        course = db.session.get(Lesson, lesson).course_id
    steps = [dict(action="4"), dict(action="5", slot="2", comment="устно"), dict(action="late"),
             dict(action="3", comment="у доски"), dict(action="2", slot="2", work_kind=""), dict(action="excused"),
             dict(action="clear", slot="2"), dict(action="clear")]
    shown, figures = [], None
    for step in steps:
        r = save(auth, lesson, sid, **step)
        assert r.status_code == 200, (step, r.get_data(as_text=True)[:300])
        answer = r.get_data(as_text=True)
        attrs, inner = re.search(rf'<td id="c{lesson}-{sid}"([^>]*)>(.*?)</td>', answer, re.S).groups()
        page = auth.client.get(f"/journal/courses/{course}").get_data(as_text=True)
        cell = grid_cells(page)[(lesson, sid)]
        version = re.search(r' data-v="([^"]*)"', attrs).group(1)  # always in an answer; the page's empty cell
        assert version == cell.version, step                          # has none ("0-0")
        assert (attrs.replace(f' data-v="{version}"', ""), inner) == (re.sub(r' data-v="[^"]*"', "", cell.attrs),
                                                                      cell.inner), step
        row = dict(ROW.findall(page.split("<tbody>", 1)[1]))[str(sid)]
        heads = len(re.findall(r'<th id="h\d+"', page))
        count, average = [td[1] for td in TD.findall(row)[1 + heads:3 + heads]]
        if step["action"] in ("late", "excused"):
            # An attendance changes no mark: the answer leaves the row's figures as the grid shows them, and the
            # page has them as they were.
            assert f'id="n{sid}"' not in answer and f'id="a{sid}"' not in answer, step
            assert (count, average) == figures, step
        else:
            assert re.search(rf'<td id="n{sid}" hx-swap-oob="true">([^<]*)</td>', answer).group(1) == count, step
            assert re.search(rf'<td id="a{sid}" hx-swap-oob="true">([^<]*)</td>', answer).group(1) == average, step
        figures = (count, average)
        shown.append(cell.text)
    assert shown[0] == "4" and "5" in shown[1] and shown[-1] == ""
    with app.app_context():
        assert db.session.scalars(select(MarkChange.new_code).where(
            MarkChange.lesson_id == lesson, MarkChange.student_id == sid).order_by(MarkChange.id)).all() == [
            "3", "2", None, None]
