"""Courses (/admin/courses): the curriculum of a class, the administrator's course form (duplicates, subgroups, hours,
forged ids), deleting only a course without entries, the copy of last year's courses (preview, confirm the teachers,
all or nothing, idempotent) and who may do what."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from school.courses import service
from school.extensions import db
from school.models import (AcademicYear, AuditEvent, Course, Lesson, Mark, SchoolClass, Subgroup, Subject,
                           TimetableSlot, User)


def _count(app, stmt) -> int:
    with app.app_context():
        return db.session.scalar(stmt)


def _courses(app) -> int:
    return _count(app, select(func.count(Course.id)))


def _actions(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _subject(app, short="eng", ru="Английский язык") -> int:
    with app.app_context():
        s = Subject(short=short, name_ru=ru, name_uk=ru, name_crh=ru)
        db.session.add(s)
        db.session.commit()
        return s.id


def _subgroup(app, class_id: int, subject_id: int, name: str) -> int:
    with app.app_context():
        g = Subgroup(class_id=class_id, subject_id=subject_id, name=name)
        db.session.add(g)
        db.session.commit()
        return g.id


def _form(ids, **kw) -> dict:
    data = dict(school_class=ids["class6"], subject=kw.pop("subject", None), subgroup="0",
                teacher=ids["users"]["teacher2"], hours_per_week="2", attested="y", assessment="scale")
    data.update(kw)
    return {k: str(v) for k, v in data.items() if v is not None}


@pytest.fixture
def admin(auth):
    auth.login("admin")
    return auth


# ---------------------------------------------------------------- reading

def test_curriculum_of_a_class_with_totals(app, admin, client, ids):
    eng = _subject(app)
    g1, g2 = _subgroup(app, ids["class5"], eng, "1 группа"), _subgroup(app, ids["class5"], eng, "2 группа")
    with app.app_context():
        for g, hours in ((g1, "3"), (g2, "2.5")):
            db.session.add(Course(year_id=ids["year_id"], subject_id=eng, teacher_id=ids["users"]["teacher2"],
                                  class_id=ids["class5"], subgroup_id=g, hours_per_week=Decimal(hours)))
        db.session.commit()
    r = client.get(f"/admin/courses/classes/{ids['class5']}")
    assert r.status_code == 200 and r.vary and "HX-Request" in r.headers["Vary"]
    html = r.get_data(as_text=True)
    for text in ("Математика", "Русский язык", "Английский язык", "Абдураимова Эльмира", "Иванова Анна"):
        assert text in html
    # a student's week: 5 + 4 + the longest English subgroup (3); the teachers': 5 + 4 + 3 + 2.5
    assert "<b>12</b>" in html and "<b>14,5</b>" in html
    assert f"/admin/courses/{ids['math5']}" in html  # the administrator's edit link
    index = client.get("/admin/courses").get_data(as_text=True)
    assert f"/admin/courses/classes/{ids['class5']}" in index and "5-А" in index and "6-А" in index


def test_curriculum_totals_without_http(app, ids):
    with app.test_request_context():
        plan = service.curriculum(db.session.get(SchoolClass, ids["class5"]))
        assert [c.subject.short for c in plan.courses] == ["math", "rus"]
        assert plan.class_hours == plan.teacher_hours == Decimal(9)


def test_empty_state_says_what_is_missing_and_links_to_it(app, admin, client, ids):
    with app.app_context():
        year = AcademicYear(name="2027/2028", first_day=dt.date(2027, 9, 1), last_day=dt.date(2028, 8, 31))
        db.session.add(year)
        for u in db.session.scalars(select(User).where(User.username.in_(("teacher", "teacher2")))):
            u.active = False
        db.session.commit()
        year_id = year.id
    html = client.get(f"/admin/courses?year={year_id}").get_data(as_text=True)
    assert 'href="/admin/people/classes"' in html and 'href="/admin/people/staff"' in html
    assert "2027/2028" in html
    assert client.get("/admin/courses?year=99999").status_code == 404
    assert client.get("/admin/courses?year=x").status_code == 404


def test_the_checklist_links_the_courses(admin, client):
    assert 'href="/admin/courses"' in client.get("/admin").get_data(as_text=True)


# ---------------------------------------------------------------- access

@pytest.mark.parametrize("login,read,write", [
    ("admin", 200, True), ("director", 200, False), ("teacher", 403, False), ("secretary", 403, False),
    ("parent", 403, False), ("student", 403, False),
])
def test_who_may_read_and_write(app, auth, client, ids, login, read, write):
    auth.login(login)
    assert client.get("/admin/courses").status_code == read
    page = client.get(f"/admin/courses/classes/{ids['class5']}")
    assert page.status_code == read
    if read == 200 and not write:
        assert f"/admin/courses/{ids['math5']}" not in page.get_data(as_text=True)  # no edit links
    for url in ("/admin/courses/new", f"/admin/courses/{ids['math5']}", "/admin/courses/copy"):
        assert client.get(url).status_code == (200 if write else 403), (login, url)
    r = auth.post(f"/admin/courses/{ids['rus5']}/delete")
    assert r.status_code == (303 if write else 403)


def test_the_write_functions_check_the_actor_themselves(app, ids):
    with app.test_request_context():
        director = db.session.get(User, ids["users"]["director"])
        teacher = db.session.get(User, ids["users"]["teacher"])
        course = db.session.get(Course, ids["rus5"])
        data = service.CourseData(course.subject_id, teacher.id, ids["class6"], None, Decimal(2))
        for actor in (director, teacher, None):
            with pytest.raises(service.NotAllowed):
                service.save_course(actor, None, data)
            with pytest.raises(service.NotAllowed):
                service.delete_course(actor, course)
            year = db.session.get(AcademicYear, ids["year_id"])
            with pytest.raises(service.NotAllowed):
                service.copy_courses(actor, year, year, {})
        assert db.session.get(Course, ids["rus5"]) is not None


# ---------------------------------------------------------------- create and edit

def test_add_a_course(app, admin, client, ids):
    rus = _count(app, select(Subject.id).where(Subject.short == "rus"))
    r = admin.post(f"/admin/courses/new?class={ids['class6']}", _form(ids, subject=rus, hours_per_week="1,5",
                                                                      assessment="pass_fail", attested=None))
    assert r.status_code == 303 and r.headers["Location"] == f"/admin/courses/classes/{ids['class6']}"
    with app.app_context():
        c = db.session.scalar(select(Course).where(Course.class_id == ids["class6"], Course.subject_id == rus))
        assert (c.hours_per_week, c.attested, c.assessment, c.teacher_id, c.year_id) == (
            Decimal("1.5"), False, "pass_fail", ids["users"]["teacher2"], ids["year_id"])
    [event] = _actions(app, "course_added")
    assert "6-А rus" in event.object and "hours_per_week: 1.5" in event.details
    assert client.get(f"/admin/courses/new?class={ids['class6']}").status_code == 200


@pytest.mark.parametrize("hours", ["0.4", "0", "20.5", "-1", "abc", "", "1.25", "1e3", "NaN"])
def test_hours_out_of_range_are_refused(app, admin, ids, hours):
    rus = _count(app, select(Subject.id).where(Subject.short == "rus"))
    before = _courses(app)
    r = admin.post("/admin/courses/new", _form(ids, subject=rus, hours_per_week=hours))
    assert r.status_code == 422
    assert _courses(app) == before


def test_hours_rule_without_http(app, ids):
    with app.test_request_context():
        for bad in ("0.4", "21", "1.25", "x", None, "inf"):
            with pytest.raises(service.CourseError):
                service._hours(bad)
        assert service._hours("0.5") == Decimal("0.5") and service._hours(20) == Decimal(20)


def test_a_duplicate_is_refused_with_a_clear_message(app, admin, ids):
    math = _count(app, select(Subject.id).where(Subject.short == "math"))
    before = _courses(app)
    r = admin.post("/admin/courses/new", _form(ids, subject=math))
    assert r.status_code == 422
    assert "6-А" in r.get_data(as_text=True)
    assert _courses(app) == before


def test_a_duplicate_the_database_catches_is_the_same_clear_message(app, admin, ids, monkeypatch):
    """Two administrators saving the same course at once: the second meets the unique index, not a 500."""
    math = _count(app, select(Subject.id).where(Subject.short == "math"))
    monkeypatch.setattr(service, "_duplicate", lambda *a, **kw: False)
    before = _courses(app)
    r = admin.post("/admin/courses/new", _form(ids, subject=math))
    assert r.status_code == 422 and "6-А" in r.get_data(as_text=True)
    assert _courses(app) == before


def test_subgroup_courses_and_the_subgroup_must_fit_class_and_subject(app, admin, ids):
    eng = _subject(app)
    rus = _count(app, select(Subject.id).where(Subject.short == "rus"))
    g6 = _subgroup(app, ids["class6"], eng, "1 группа")
    g6b = _subgroup(app, ids["class6"], eng, "2 группа")
    g5 = _subgroup(app, ids["class5"], eng, "1 группа")
    before = _courses(app)
    # another class's subgroup, and a subgroup of another subject: refused
    assert admin.post("/admin/courses/new", _form(ids, subject=eng, subgroup=g5)).status_code == 422
    assert admin.post("/admin/courses/new", _form(ids, subject=rus, subgroup=g6)).status_code == 422
    assert admin.post("/admin/courses/new", _form(ids, subject=eng, subgroup=2**40)).status_code == 422
    assert _courses(app) == before
    assert admin.post("/admin/courses/new", _form(ids, subject=eng, subgroup=g6)).status_code == 303
    assert admin.post("/admin/courses/new", _form(ids, subject=eng, subgroup=g6b)).status_code == 303
    # the same subgroup twice is a duplicate; the whole class beside its subgroups is another course
    assert admin.post("/admin/courses/new", _form(ids, subject=eng, subgroup=g6)).status_code == 422
    assert admin.post("/admin/courses/new", _form(ids, subject=eng)).status_code == 303
    assert admin.post("/admin/courses/new", _form(ids, subject=eng)).status_code == 422
    assert _courses(app) == before + 3


@pytest.mark.parametrize("field,value", [
    ("subject", 99999), ("subject", "x"), ("school_class", 99999), ("teacher", 99999), ("teacher", 2**40),
    ("teacher", 0), ("assessment", "graded"),
])
def test_forged_ids_are_a_clear_error_never_stored(app, admin, ids, field, value):
    rus = _count(app, select(Subject.id).where(Subject.short == "rus"))
    before = _courses(app)
    r = admin.post("/admin/courses/new", _form(ids, **{"subject": rus, field: value}))
    assert r.status_code == 422
    assert _courses(app) == before


def test_forged_urls_are_404(admin, client, ids):
    for url in ("/admin/courses/99999", "/admin/courses/new?class=99999", "/admin/courses/new?class=abc",
                "/admin/courses/classes/99999", "/admin/courses/copy?source=99999", f"/admin/courses/{2**40}"):
        assert client.get(url).status_code == 404, url
    assert admin.post("/admin/courses/99999/delete").status_code == 404
    assert admin.post("/admin/courses/copy", {"source": "99999", "target": "1"}).status_code == 404


def test_a_teacher_who_is_no_teacher_or_inactive_is_refused(app, admin, ids):
    rus = _count(app, select(Subject.id).where(Subject.short == "rus"))
    with app.app_context():
        db.session.get(User, ids["users"]["teacher2"]).active = False
        db.session.commit()
    before = _courses(app)
    for teacher in (ids["users"]["parent"], ids["users"]["director"], ids["users"]["teacher2"]):
        assert admin.post("/admin/courses/new", _form(ids, subject=rus, teacher=teacher)).status_code == 422
    assert _courses(app) == before


def test_changing_the_teacher_keeps_the_lessons_and_their_entries(app, admin, client, ids):
    html = client.get(f"/admin/courses/{ids['math5']}").get_data(as_text=True)
    assert "Дроби" not in html and 'name="teacher"' in html
    math = _count(app, select(Subject.id).where(Subject.short == "math"))
    r = admin.post(f"/admin/courses/{ids['math5']}", _form(ids, subject=math, school_class=ids["class5"],
                                                           hours_per_week="4"))
    assert r.status_code == 303
    with app.app_context():
        course = db.session.get(Course, ids["math5"])
        assert (course.teacher_id, course.hours_per_week) == (ids["users"]["teacher2"], Decimal(4))
        lesson = db.session.get(Lesson, ids["lesson"])
        assert lesson.course_id == ids["math5"] and lesson.topic == "Дроби"
    [event] = _actions(app, "course_edited")
    assert f"teacher_id: {ids['users']['teacher']} → {ids['users']['teacher2']}" in event.details


def test_a_course_keeps_its_inactive_teacher_until_changed(app, admin, ids):
    with app.app_context():
        db.session.get(User, ids["users"]["teacher2"]).active = False
        db.session.commit()
    rus = _count(app, select(Subject.id).where(Subject.short == "rus"))
    r = admin.post(f"/admin/courses/{ids['rus5']}", _form(ids, subject=rus, school_class=ids["class5"],
                                                          hours_per_week="3"))
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(Course, ids["rus5"]).hours_per_week == Decimal(3)


def test_class_and_subject_of_a_course_with_entries_stay(app, admin, ids):
    eng = _subject(app)
    r = admin.post(f"/admin/courses/{ids['math5']}", _form(ids, subject=eng, school_class=ids["class5"],
                                                           teacher=ids["users"]["teacher"]))
    assert r.status_code == 422
    with app.app_context():
        assert db.session.get(Course, ids["math5"]).subject.short == "math"
    # a course without entries may move to another subject
    r = admin.post(f"/admin/courses/{ids['rus5']}", _form(ids, subject=eng, school_class=ids["class5"]))
    assert r.status_code == 303


# ---------------------------------------------------------------- delete

def test_a_course_with_entries_is_not_deleted(app, admin, ids):
    r = admin.post(f"/admin/courses/{ids['math5']}/delete")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "1" in html and 'role="alert"' in html
    with app.app_context():
        assert db.session.get(Course, ids["math5"]) is not None
    assert not _actions(app, "course_deleted")


def test_entries_of_each_kind_hold_a_course(app, ids):
    """Marks, attendance, a topic, homework — each alone keeps the course."""
    with app.test_request_context():
        course = db.session.get(Course, ids["rus5"])
        assert not service.entries(course).any
        lesson = Lesson(course_id=course.id, day=dt.date(2026, 11, 23), number=2)
        db.session.add(lesson)
        db.session.flush()
        assert not service.entries(course).any  # an empty lesson (from the timetable) holds nothing
        lesson.homework = "§ 5"
        assert service.entries(course).topics == 1
        lesson.homework, lesson.topic = None, "Тема"
        assert service.entries(course).topics == 1
        lesson.topic = None
        db.session.add(Mark(lesson_id=lesson.id, student_id=ids["emil"], slot=1, scale="five", code="5",
                            work_kind_id=db.session.scalar(select(Lesson.work_kind_id).where(Lesson.id == ids["lesson"])),
                            weight=Decimal(1), author_id=ids["users"]["teacher2"],
                            created_at=dt.datetime(2026, 11, 23, 9), updated_at=dt.datetime(2026, 11, 23, 9)))
        db.session.flush()
        assert service.entries(course).marks == 1
        db.session.rollback()


def test_a_course_without_entries_is_deleted_with_its_empty_lessons_and_slots(app, admin, ids):
    with app.app_context():
        db.session.add(Lesson(course_id=ids["rus5"], day=dt.date(2026, 11, 23), number=2))
        db.session.add(TimetableSlot(course_id=ids["rus5"], weekday=1, lesson_number=2, room="5",
                                     valid_from=dt.date(2026, 9, 1)))
        db.session.commit()
    r = admin.post(f"/admin/courses/{ids['rus5']}/delete")
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(Course, ids["rus5"]) is None
        assert not db.session.scalar(select(func.count(Lesson.id)).where(Lesson.course_id == ids["rus5"]))
    [event] = _actions(app, "course_deleted")
    assert "empty lessons 1" in event.details and "timetable slots 1" in event.details


def test_delete_needs_the_csrf_token(admin, client, ids):
    assert client.post(f"/admin/courses/{ids['rus5']}/delete").status_code in (400, 422)


# ---------------------------------------------------------------- copy into a new year

@pytest.fixture
def next_year(app, ids):
    """2027/2028 with 6-А and 7-А (5-А and 6-А one grade up), no 2-А: 1-А is skipped. 5-А's English is split in
    two subgroups; only "1 группа" exists in the new 6-А."""
    eng = _subject(app)
    g1, g2 = _subgroup(app, ids["class5"], eng, "1 группа"), _subgroup(app, ids["class5"], eng, "2 группа")
    with app.app_context():
        for g in (g1, g2):
            db.session.add(Course(year_id=ids["year_id"], subject_id=eng, teacher_id=ids["users"]["teacher2"],
                                  class_id=ids["class5"], subgroup_id=g, hours_per_week=Decimal(2)))
        year = AcademicYear(name="2027/2028", first_day=dt.date(2027, 9, 1), last_day=dt.date(2028, 8, 31))
        db.session.add(year)
        db.session.flush()
        six, seven = (SchoolClass(year_id=year.id, grade=g, letter="А", marks_from=year.first_day) for g in (6, 7))
        db.session.add_all([six, seven])
        db.session.flush()
        db.session.add(Subgroup(class_id=six.id, subject_id=eng, name="1 группа"))
        db.session.commit()
        return dict(year=year.id, six=six.id, seven=seven.id, eng=eng)


def _copy_form(ids, year: int, **teachers) -> dict:
    return {"source": ids["year_id"], "target": year, **teachers}


def test_copy_preview_lists_new_present_and_skipped(app, admin, client, ids, next_year):
    url = f"/admin/courses/copy?source={ids['year_id']}&target={next_year['year']}"
    html = client.get(url).get_data(as_text=True)
    # 5-А: math, rus, English group 1 → 6-А; 6-А math → 7-А; English group 2 skipped; 1-А has no 2-А
    assert html.count('<select name="teacher-') == 4
    assert f'name="teacher-{ids["math5"]}"' in html
    assert f'<option value="{ids["users"]["teacher"]}" selected>' in html  # last year's teacher pre-selected
    assert "1-А" in html and "2 группа" in html
    with app.test_request_context():
        plan = service.plan_copy(db.session.get(AcademicYear, ids["year_id"]),
                                 db.session.get(AcademicYear, next_year["year"]))
        assert sorted((r.target_class.label, r.source.subject.short, r.state) for r in plan.rows) == [
            ("6-А", "eng", "new"), ("6-А", "eng", "skipped"), ("6-А", "math", "new"), ("6-А", "rus", "new"),
            ("7-А", "math", "new")]
        assert [c.label for c in plan.skipped_classes] == ["1-А"]
    # the preview writes nothing
    assert _count(app, select(func.count(Course.id)).where(Course.year_id == next_year["year"])) == 0


def test_copy_confirms_the_teachers_and_running_it_twice_creates_nothing(app, admin, client, ids, next_year):
    before = _courses(app)
    r = admin.post("/admin/courses/copy", _copy_form(ids, next_year["year"],
                                                     **{f"teacher-{ids['math5']}": ids["users"]["teacher2"]}))
    assert r.status_code == 303 and r.headers["Location"] == f"/admin/courses?year={next_year['year']}"
    assert _courses(app) == before + 4
    with app.app_context():
        new = {(c.school_class.label, c.subject.short, c.subgroup.name if c.subgroup else None): c
               for c in db.session.scalars(select(Course).where(Course.year_id == next_year["year"])).unique()}
        assert set(new) == {("6-А", "math", None), ("6-А", "rus", None), ("6-А", "eng", "1 группа"),
                            ("7-А", "math", None)}
        assert new[("6-А", "math", None)].teacher_id == ids["users"]["teacher2"]  # changed in the preview
        assert new[("7-А", "math", None)].teacher_id == ids["users"]["teacher"]   # kept
        assert new[("6-А", "rus", None)].hours_per_week == Decimal(4)
    assert len(_actions(app, "course_copied")) == 4
    # again: nothing new, and the preview says they are already there
    html = client.get(f"/admin/courses/copy?source={ids['year_id']}&target={next_year['year']}").get_data(as_text=True)
    assert '<select name="teacher-' not in html
    assert admin.post("/admin/courses/copy", _copy_form(ids, next_year["year"])).status_code == 303
    assert _courses(app) == before + 4


def test_copy_writes_all_or_nothing(app, admin, ids, next_year):
    before = _courses(app)
    r = admin.post("/admin/courses/copy", _copy_form(ids, next_year["year"], **{f"teacher-{ids['rus5']}": ""}))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "6-А" in html and '<select name="teacher-' in html  # the preview again, with the reason
    r = admin.post("/admin/courses/copy", _copy_form(ids, next_year["year"],
                                                     **{f"teacher-{ids['rus5']}": ids["users"]["parent"]}))
    assert r.status_code == 422
    assert _courses(app) == before


def test_copy_leaves_an_inactive_teacher_unchosen(app, admin, ids, next_year):
    with app.app_context():
        db.session.get(User, ids["users"]["teacher2"]).active = False
        db.session.commit()
    with app.test_request_context():
        plan = service.plan_copy(db.session.get(AcademicYear, ids["year_id"]),
                                 db.session.get(AcademicYear, next_year["year"]))
        assert {r.source.subject.short: r.teacher_id for r in plan.of(service.NEW)
                if r.target_class.label == "6-А"} == {"math": ids["users"]["teacher"], "rus": None, "eng": None}
    assert admin.post("/admin/courses/copy", _copy_form(ids, next_year["year"])).status_code == 422


def test_copy_needs_a_target_with_classes_and_two_different_years(app, admin, client, ids):
    with app.app_context():
        year = AcademicYear(name="2027/2028", first_day=dt.date(2027, 9, 1), last_day=dt.date(2028, 8, 31))
        db.session.add(year)
        db.session.commit()
        empty = year.id
    html = client.get(f"/admin/courses/copy?source={ids['year_id']}&target={empty}").get_data(as_text=True)
    assert 'role="alert"' in html and "2027/2028" in html
    before = _courses(app)
    assert admin.post("/admin/courses/copy", _copy_form(ids, empty)).status_code == 422
    assert admin.post("/admin/courses/copy", _copy_form(ids, ids["year_id"])).status_code == 422
    assert _courses(app) == before


def test_copy_with_one_year_points_to_the_year_setup(admin, client):
    html = client.get("/admin/courses/copy").get_data(as_text=True)
    assert 'href="/admin/setup/year"' in html


def test_copy_meeting_a_course_added_meanwhile_writes_nothing(app, admin, ids, next_year, monkeypatch):
    """Another administrator adds one of the courses between the plan and the write: the unique index refuses it,
    and none of the others is written either."""
    plan_copy = service.plan_copy

    def racing(source, target):
        plan = plan_copy(source, target)
        rus = db.session.scalar(select(Subject.id).where(Subject.short == "rus"))
        db.session.add(Course(year_id=target.id, subject_id=rus, teacher_id=ids["users"]["teacher2"],
                              class_id=next_year["six"], hours_per_week=Decimal(3)))
        return plan
    monkeypatch.setattr(service, "plan_copy", racing)
    before = _courses(app)
    r = admin.post("/admin/courses/copy", _copy_form(ids, next_year["year"]))
    assert r.status_code == 422
    assert _courses(app) == before
    assert not _actions(app, "course_copied")
