"""Closing the school year (/admin/year-end): refused while marks are missing, the closed year's register
read-only for every kind of write and still readable and printable, promotion into the next year, graduates and
leavers with their order numbers, running twice, access per role, the old year read by its class teacher."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from school.extensions import db
from school.models import (AcademicYear, Attendance, Course, EditUnlock, Enrolment, Lesson, Period, PeriodMark,
                           SchoolClass, Student, Person, User)
from school.register import attendance, changes, finals, lessons, marks, rules, timetable, unlocks
from school.register.errors import RegisterError
from school.yearend import service

CLOSING_DAY = "2027-06-15"   # after the factory year's last period (28 December), before its last day (31 August)
CLOSED = "закрыт: его журнал можно читать и печатать, но изменить уже нельзя"  # the messages are Russian


def _user(ids, name) -> User:
    return db.session.get(User, ids["users"][name])


def _marked_students(class_id: int) -> list[int]:
    return db.session.scalars(select(Enrolment.student_id).where(Enrolment.class_id == class_id)).all()


def give_every_mark(ids, skip: tuple = ()) -> None:
    """Every period mark and year mark of the factory's courses (5-А math and Russian, 6-А math), but `skip`
    (pairs of course id and student id, whose year mark is left out)."""
    periods = db.session.scalars(select(Period).where(Period.year_id == ids["year_id"])).all()
    now = dt.datetime(2026, 12, 28, 12)
    for course_id, class_id in ((ids["math5"], ids["class5"]), (ids["rus5"], ids["class5"]),
                                (ids["math6"], ids["class6"])):
        for sid in _marked_students(class_id):
            for p in periods:
                db.session.add(PeriodMark(student_id=sid, course_id=course_id, kind="period", period_id=p.id,
                                          scale="five", code="4", set_by=ids["users"]["teacher"], set_at=now))
            if (course_id, sid) not in skip:
                db.session.add(PeriodMark(student_id=sid, course_id=course_id, kind="year", scale="five", code="4",
                                          set_by=ids["users"]["teacher"], set_at=now))
    db.session.commit()


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash (?:error|ok)" role="status">([^<]*)</p>', html)


def close_form(auth, ids):
    return auth.post(f"/admin/year-end/years/{ids['year_id']}/close", {"confirm": "y"}, page="/admin/year-end",
                     follow_redirects=True)


def year(ids) -> AcademicYear:
    db.session.expire_all()
    return db.session.get(AcademicYear, ids["year_id"])


# ---------------------------------------------------------------- completeness and refusal

def test_closing_refused_while_marks_are_missing_and_the_list_names_them(app, auth, ids, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", CLOSING_DAY)
    with app.app_context():
        give_every_mark(ids, skip={(ids["rus5"], ids["emil"])})
    auth.login("admin")
    page = auth.client.get("/admin/year-end").get_data(as_text=True)
    assert "Аблаев Эмиль" in page and f'/journal/courses/{ids["rus5"]}/year' in page
    assert "Аблаев Ленур" not in page  # 6-А has every mark
    r = close_form(auth, ids)
    assert "Год нельзя закрыть: не хватает отметок" in " ".join(flashes(r.get_data(as_text=True)))
    with app.app_context():
        assert year(ids).closed_at is None
        # The service refuses by itself, not only the page.
        with pytest.raises(service.YearEndError):
            service.close_year(_user(ids, "admin"), ids["year_id"])
        assert year(ids).closed_at is None


def test_completeness_follows_the_courses_rules(app, ids, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", CLOSING_DAY)
    with app.app_context():
        y = year(ids)
        gaps = {g.course.id: g for g in service.completeness(y)}
        assert set(gaps) == {ids["math5"], ids["rus5"], ids["math6"]}  # 1-А takes no marks
        emil = next(s for s in gaps[ids["math5"]].students if s.label == "Аблаев Эмиль")
        assert emil.periods == [1, 2] and emil.year_mark
        # Unmarked and unattested courses need nothing; a pass/fail course needs its marks like any other.
        db.session.get(Course, ids["rus5"]).assessment = "unmarked"
        db.session.get(Course, ids["math6"]).assessment = "pass_fail"
        db.session.get(Course, ids["math5"]).attested = False
        db.session.commit()
        assert {g.course.id for g in service.completeness(y)} == {ids["math6"]}
        # A student who left before the year's last day is not asked for; one who came in the second quarter
        # only for the second quarter and the year.
        e = db.session.scalar(select(Enrolment).where(Enrolment.student_id == ids["lenur"]))
        e.to_day = dt.date(2027, 5, 1)
        other = db.session.scalar(select(Enrolment).where(Enrolment.student_id == ids["other6"]))
        other.from_day = dt.date(2026, 11, 10)
        db.session.commit()
        (gap,) = service.completeness(y)
        assert [(s.label, s.periods, s.year_mark) for s in gap.students] == [("Смирнова Анна", [2], True)]


def test_closing_waits_for_the_last_period(app, ids):
    with app.app_context():  # 24 November: the second quarter runs
        give_every_mark(ids)
        with pytest.raises(service.YearEndError, match="ещё не закончился"):
            service.close_year(_user(ids, "admin"), ids["year_id"])


# ---------------------------------------------------------------- the closed year is read-only

def test_closing_locks_every_kind_of_write(app, auth, ids, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", CLOSING_DAY)
    with app.app_context():
        db.session.get(SchoolClass, ids["class6"]).grade = 9  # exam and final marks, open until 31 August
        give_every_mark(ids)
        admin, teacher = _user(ids, "admin"), _user(ids, "teacher")
        # The administrator opened the lesson's day: before closing, the teacher may still write it.
        unlocks.open_days(admin, ids["class5"], dt.date(2026, 11, 24), dt.date(2026, 11, 24), dt.date(2027, 7, 1),
                          "late entries")
        lesson = db.session.get(Lesson, ids["lesson"])
        marks.save_cell(teacher, lesson, ids["emil"], "5", "0-0")
        math6 = db.session.get(Course, ids["math6"])
        finals.save(teacher, math6, "exam", None, ids["lenur"], "4", 0)
        service.close_year(admin, ids["year_id"])
        assert year(ids).closed_at is not None
        db.session.expire_all()
        lesson = db.session.get(Lesson, ids["lesson"])
        cell = marks.cell_of(lesson.id, ids["emil"])
        q2 = db.session.get(Period, ids["q2"])
        math5 = db.session.get(Course, ids["math5"])
        math6 = db.session.get(Course, ids["math6"])
        pm = finals.find(math6.id, "exam", None, ids["lenur"])
        writes = {
            "mark": lambda: marks.save_cell(teacher, lesson, ids["emil"], "3", cell.version),
            "attendance": lambda: marks.save_cell(teacher, lesson, ids["other5"][1], "absent", "0-0"),
            "topic": lambda: lessons.update_lesson(teacher, lesson, {"topic": "Новая тема"}, lesson.version),
            "period mark": lambda: finals.save(teacher, math5, "period", q2, ids["emil"], "5", 1),
            "year mark": lambda: finals.save(teacher, math5, "year", None, ids["emil"], "5", 1),
            "exam mark": lambda: finals.save(teacher, math6, "exam", None, ids["lenur"], "5", pm.version),
            "reason": lambda: attendance.set_reason(teacher, db.session.get(Attendance, ids["absence"]), "ill", 1),
            "lessons from the timetable": lambda: timetable.generate(admin, ids["year_id"]),
            "a slot of the timetable": lambda: timetable.place(admin, timetable.Draft(
                math5, 3, 4, valid_from=dt.date(2027, 1, 12))),
            "an extra lesson": lambda: changes.add_extra(admin, math5, dt.date(2026, 12, 2), 4, "Отработка"),
            "a cancelled lesson": lambda: changes.cancel(admin, lesson, "Карантин", lesson.version),
            "a substitute": lambda: lessons.set_substitute(admin, lesson, ids["users"]["teacher2"], "Больничный"),

            "opened days": lambda: unlocks.open_days(admin, ids["class5"], dt.date(2026, 12, 1),
                                                     dt.date(2026, 12, 1), dt.date(2027, 7, 1), "more"),
        }
        lessons_before = db.session.scalar(select(func.count()).select_from(Lesson))
        for kind, write in writes.items():
            with pytest.raises(RegisterError, match=CLOSED):
                write()
                pytest.fail(f"{kind} was written in a closed year")
            db.session.rollback()
        assert rules.editable_days(math5, {dt.date(2026, 11, 24)}) == {dt.date(2026, 11, 24): False}
        assert db.session.scalar(select(func.count()).select_from(EditUnlock)) == 1
        assert db.session.scalar(select(func.count()).select_from(Lesson)) == lessons_before
        assert [m.code for m in marks.cell_of(ids["lesson"], ids["emil"]).marks] == ["5"]
        assert finals.find(math6.id, "exam", None, ids["lenur"]).code == "4"
    # Through the pages: a clear message, nothing stored.
    auth.login("teacher")
    r = auth.post(f"/journal/lessons/{ids['lesson']}/students/{ids['emil']}", {"action": "2", "version": "1-0"},
                  page=f"/journal/courses/{ids['math5']}")
    assert r.status_code == 422 and CLOSED in r.get_data(as_text=True)
    r = auth.post(f"/journal/courses/{ids['math5']}/periods/{ids['q2']}/students/{ids['emil']}",
                  {"value": "5", "version": "1"}, page=f"/journal/courses/{ids['math5']}")
    assert r.status_code == 422 and CLOSED in r.get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    r = auth.post(f"/admin/changes/lessons/{ids['lesson']}/cancel", {"reason": "Карантин", "version": "1"})
    assert r.status_code == 422 and CLOSED in r.get_data(as_text=True)
    with app.app_context():
        assert finals.find(ids["math5"], "period", ids["q2"], ids["emil"]).code == "4"
        assert db.session.scalar(select(func.count()).select_from(Lesson)) == lessons_before


def test_the_closed_year_is_still_read_and_printed(app, auth, ids, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", CLOSING_DAY)
    with app.app_context():
        give_every_mark(ids)
        service.close_year(_user(ids, "admin"), ids["year_id"])
    for login in ("admin", "director", "teacher"):
        auth.login(login)
        for url in (f"/journal/courses/{ids['math5']}", f"/journal/courses/{ids['math5']}/year",
                    f"/statements/courses/{ids['math5']}/register?period={ids['q2']}",
                    f"/statements/classes/{ids['class5']}/summary"):
            assert auth.client.get(url).status_code == 200, (login, url)
        auth.logout()


# ---------------------------------------------------------------- the next year

def _close(app, ids):
    with app.app_context():
        give_every_mark(ids)
        service.close_year(_user(ids, "admin"), ids["year_id"])


def test_promotion_into_the_next_year(app, auth, ids, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", CLOSING_DAY)
    _close(app, ids)
    auth.login("admin")
    page = auth.client.get(f"/admin/year-end/years/{ids['year_id']}/next").get_data(as_text=True)
    assert 'value="2027-09-01"' in page and 'value="2028-08-31"' in page  # a year later, the admin confirms
    leaving = ids["other5"][2]
    r = auth.post(f"/admin/year-end/years/{ids['year_id']}/next",
                  {"first_day": "2027-09-01", "last_day": "2028-08-31",
                   f"teacher_{ids['class5']}": str(ids["users"]["teacher"]),       # kept
                   f"teacher_{ids['class6']}": str(ids["users"]["teacher"]),       # changed (was teacher2)
                   f"teacher_{ids['class1']}": "",
                   f"outcome_{leaving}": "leave"},
                  page=f"/admin/year-end/years/{ids['year_id']}/next")
    assert r.status_code == 303, r.get_data(as_text=True)
    with app.app_context():
        old = year(ids)
        new = db.session.scalar(select(AcademicYear).where(AcademicYear.name == "2027/2028"))
        assert new.is_current and not old.is_current
        assert (new.first_day, new.last_day) == (dt.date(2027, 9, 1), dt.date(2028, 8, 31))
        assert [(p.scheme, p.number, p.first_day, p.last_day) for p in db.session.scalars(
            select(Period).where(Period.year_id == new.id).order_by(Period.number))] == [
            ("quarters", 1, dt.date(2027, 9, 1), dt.date(2027, 10, 24)),
            ("quarters", 2, dt.date(2027, 11, 5), dt.date(2027, 12, 28))]
        classes = {c.label: c for c in db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == new.id))}
        assert sorted(classes) == ["2-А", "6-А", "7-А"]
        assert classes["6-А"].class_teacher_id == ids["users"]["teacher"]
        assert classes["7-А"].class_teacher_id == ids["users"]["teacher"]
        assert classes["2-А"].marks_from == dt.date(2027, 11, 5)  # grade 2: marks from its second half
        assert classes["6-А"].marks_from == new.first_day and classes["6-А"].period_scheme == "quarters"

        def stays(student_id):
            return [(e.school_class.label, e.school_class.year_id, e.from_day, e.to_day) for e in db.session.scalars(
                select(Enrolment).where(Enrolment.student_id == student_id).order_by(Enrolment.from_day))]
        assert stays(ids["emil"]) == [("5-А", old.id, dt.date(2026, 9, 1), dt.date(2027, 8, 31)),
                                      ("6-А", new.id, dt.date(2027, 9, 1), None)]
        assert stays(leaving) == [("5-А", old.id, dt.date(2026, 9, 1), dt.date(2027, 8, 31))]
        assert [lv.label for lv in service.leavers(old)] == ["Умерова Алие"]
        # The new year is ready for its courses: none copied; the old courses stay with the old year.
        assert db.session.scalar(select(func.count()).select_from(Course).where(Course.year_id == new.id)) == 0


def test_graduates_and_leavers_get_their_order_numbers(app, auth, ids, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", CLOSING_DAY)
    with app.app_context():
        db.session.get(SchoolClass, ids["class6"]).grade = 9
        c11 = SchoolClass(year_id=ids["year_id"], grade=11, letter="Б", marks_from=dt.date(2026, 9, 1))
        db.session.add(c11)
        db.session.flush()
        senior = Student(person=Person(surname="Яковлев", name="Олег"), consent_date=dt.date(2026, 9, 1))
        db.session.add(senior)
        db.session.flush()
        db.session.add(Enrolment(student_id=senior.id, class_id=c11.id, from_day=dt.date(2026, 9, 1)))
        db.session.commit()
        senior_id, c11_id = senior.id, c11.id
    _close(app, ids)
    auth.login("admin")
    page = auth.client.get(f"/admin/year-end/years/{ids['year_id']}/next").get_data(as_text=True)
    assert f'name="outcome_{ids["lenur"]}"' in page and f'name="outcome_{senior_id}"' not in page
    assert f'name="teacher_{c11_id}"' not in page  # no 12th grade
    r = auth.post(f"/admin/year-end/years/{ids['year_id']}/next",
                  {"first_day": "2027-09-01", "last_day": "2028-08-31", f"outcome_{ids['lenur']}": "graduate"},
                  page=f"/admin/year-end/years/{ids['year_id']}/next")
    assert r.status_code == 303
    auth.logout()
    with app.app_context():
        new = db.session.scalar(select(AcademicYear).where(AcademicYear.name == "2027/2028"))
        labels = sorted(c.label for c in db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == new.id)))
        assert labels == ["10-А", "2-А", "6-А"]  # 9-А goes on as 10-А with the one who stays; 11-Б graduates
        gone = {lv.label: lv for lv in service.leavers(year(ids))}
        assert set(gone) == {"Аблаев Ленур", "Яковлев Олег"} and all(lv.graduate for lv in gone.values())
        enrolments = {lv.label: lv.enrolment.id for lv in gone.values()}
    auth.login("secretary")
    url = f"/admin/year-end/years/{ids['year_id']}/leavers"
    page = auth.client.get(url).get_data(as_text=True)
    assert "Аблаев Ленур" in page and "Яковлев Олег" in page
    rows = {f"rows-{i}-enrolment_id": str(eid) for i, eid in enumerate(enrolments.values())}
    names = list(enrolments)
    too_long = dict(rows, **{"rows-0-order_out": "x" * 41, "rows-0-reason": "", "rows-1-order_out": "12-о",
                             "rows-1-reason": ""})
    assert auth.post(url, too_long, page=url).status_code == 422
    with app.app_context():
        assert db.session.get(Enrolment, enrolments[names[1]]).order_out is None  # nothing stored
    sent = dict(rows, **{"rows-0-order_out": "115-о", "rows-0-reason": "окончил 9 классов",
                         "rows-1-order_out": "116-о", "rows-1-reason": "окончил 11 классов"})
    assert auth.post(url, sent, page=url).status_code == 303
    with app.app_context():
        stored = {n: db.session.get(Enrolment, enrolments[n]) for n in names}
        assert [(e.order_out, e.reason) for e in stored.values()] == [("115-о", "окончил 9 классов"),
                                                                      ("116-о", "окончил 11 классов")]
        # An enrolment that is not a graduate's or leaver's is refused by the service.
        emil_stay = db.session.scalar(select(Enrolment.id).where(Enrolment.student_id == ids["emil"]))
        with pytest.raises(service.YearEndError):
            service.record_leavers(_user(ids, "secretary"), year(ids),
                                   [dict(enrolment_id=emil_stay, order_out="1", reason="")])
        with pytest.raises(service.YearEndError):
            service.record_leavers(_user(ids, "teacher"), year(ids), [])


def test_opening_the_next_year_twice_makes_one_year(app, auth, ids, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", CLOSING_DAY)
    _close(app, ids)
    with app.app_context():
        admin = _user(ids, "admin")
        with pytest.raises(service.YearEndError):  # only a closed year has a next one: this one is
            service.open_next_year(admin, ids["year_id"] + 1000, dt.date(2027, 9, 1), dt.date(2028, 8, 31), {}, {})
        service.open_next_year(admin, ids["year_id"], dt.date(2027, 9, 1), dt.date(2028, 8, 31), {}, {})
        counts = (db.session.scalar(select(func.count()).select_from(AcademicYear)),
                  db.session.scalar(select(func.count()).select_from(SchoolClass)),
                  db.session.scalar(select(func.count()).select_from(Enrolment)))
        with pytest.raises(service.YearEndError, match="уже открыт"):
            service.open_next_year(admin, ids["year_id"], dt.date(2027, 9, 1), dt.date(2028, 8, 31), {}, {})
        assert service.close_year(admin, ids["year_id"]).closed_at is not None  # closing twice: no change
    auth.login("admin")
    r = auth.post(f"/admin/year-end/years/{ids['year_id']}/next", {"first_day": "2027-09-02",
                                                                   "last_day": "2028-08-30"},
                  page="/admin/year-end")
    assert r.status_code == 200 and "уже открыт" in r.get_data(as_text=True)
    with app.app_context():
        assert counts == (db.session.scalar(select(func.count()).select_from(AcademicYear)),
                          db.session.scalar(select(func.count()).select_from(SchoolClass)),
                          db.session.scalar(select(func.count()).select_from(Enrolment)))
        assert db.session.scalar(select(func.count()).select_from(AcademicYear).where(
            AcademicYear.is_current.is_(True))) == 1


def test_the_next_year_is_refused_before_closing_and_with_bad_dates(app, auth, ids, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", CLOSING_DAY)
    with app.app_context():
        with pytest.raises(service.YearEndError, match="Сначала закройте"):
            service.open_next_year(_user(ids, "admin"), ids["year_id"], dt.date(2027, 9, 1), dt.date(2028, 8, 31),
                                   {}, {})
    _close(app, ids)
    auth.login("admin")
    url = f"/admin/year-end/years/{ids['year_id']}/next"
    for first, last in (("2027-08-01", "2028-08-31"), ("2028-08-31", "2027-09-01")):
        r = auth.post(url, {"first_day": first, "last_day": last}, page=url)
        assert r.status_code == 422, (first, last)
    r = auth.post(url, {"first_day": "2027-09-01", "last_day": "2028-08-31",
                        f"teacher_{ids['class5']}": str(ids["users"]["secretary"]),
                        f"outcome_{ids['emil']}": "graduate"}, page=url)
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AcademicYear)) == 1


# ---------------------------------------------------------------- who may

@pytest.mark.parametrize("login,index,close,leavers_get,leavers_post", [
    ("admin", 200, 303, 200, 303), ("director", 200, 403, 200, 403), ("secretary", 403, 403, 200, 303),
    ("teacher", 403, 403, 403, 403), ("parent", 403, 403, 403, 403), ("student", 403, 403, 403, 403)])
def test_access_per_role(app, auth, ids, login, index, close, leavers_get, leavers_post):
    auth.login(login)
    c = auth.client
    assert c.get("/admin/year-end").status_code == index
    assert c.get(f"/admin/year-end/years/{ids['year_id']}").status_code == index
    assert auth.post(f"/admin/year-end/years/{ids['year_id']}/close", {"confirm": "y"}).status_code == close
    assert c.get(f"/admin/year-end/years/{ids['year_id']}/leavers").status_code == leavers_get
    assert auth.post(f"/admin/year-end/years/{ids['year_id']}/leavers").status_code == leavers_post
    assert c.get(f"/admin/year-end/years/{ids['year_id']}/next").status_code == (200 if login == "admin" else 403)
    with app.app_context():
        assert year(ids).closed_at is None
        if login != "admin":  # the services check the writer themselves
            with pytest.raises(service.YearEndError):
                service.close_year(_user(ids, login), ids["year_id"])
            with pytest.raises(service.YearEndError):
                service.open_next_year(_user(ids, login), ids["year_id"], dt.date(2027, 9, 1), dt.date(2028, 8, 31),
                                       {}, {})


def test_the_old_year_stays_readable_by_its_class_teacher(app, auth, ids, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", CLOSING_DAY)
    _close(app, ids)
    with app.app_context():
        # 6-А (the former 5-А) gets another class teacher.
        service.open_next_year(_user(ids, "admin"), ids["year_id"], dt.date(2027, 9, 1), dt.date(2028, 8, 31),
                               {ids["class5"]: ids["users"]["teacher2"]}, {})
    monkeypatch.setenv("DEFTER_TODAY", "2027-10-04")  # the new year has begun
    auth.login("teacher")  # the old 5-А's class teacher; Russian in 5-А was teacher2's course
    for url in (f"/journal/courses/{ids['rus5']}", f"/journal/courses/{ids['rus5']}/year",
                f"/statements/courses/{ids['rus5']}/register?period={ids['q2']}"):
        assert auth.client.get(url).status_code == 200, url
    auth.logout()
    auth.login("parent2")  # never read it
    assert auth.client.get(f"/journal/courses/{ids['rus5']}").status_code == 403
    auth.logout()
    auth.login("director")  # the year switch: the old year's classes and courses, read-only
    page = auth.client.get(f"/admin/year-end/years/{ids['year_id']}").get_data(as_text=True)
    assert f"/journal/courses/{ids['rus5']}/year" in page and "2027/2028" in page
    assert auth.client.get(f"/journal/courses/{ids['rus5']}/year").status_code == 200


def test_pages_of_a_school_without_years(app, auth, ids):
    with app.app_context():
        db.session.execute(AcademicYear.__table__.delete())
        db.session.commit()
    auth.login("admin")
    assert auth.client.get("/admin/year-end").status_code == 200
    assert auth.client.get("/admin/year-end/leavers").status_code == 200


def test_the_set_up_edits_the_new_year_once_the_old_one_is_closed(app, auth, ids, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", CLOSING_DAY)
    _close(app, ids)
    with app.app_context():
        service.open_next_year(_user(ids, "admin"), ids["year_id"], dt.date(2027, 9, 1), dt.date(2028, 8, 31), {}, {})
    auth.login("admin")
    page = auth.client.get("/admin/setup/year").get_data(as_text=True)
    assert 'value="2027-09-01"' in page and 'value="2027-11-05"' in page  # the new year and its shifted periods
