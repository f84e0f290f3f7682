"""The timetable (issue 10): the editor of a class's week, the teachers' and rooms' weeks, the year's lessons made
from it, and the lessons a change leaves holding entries. The core's rules (school.register.timetable) are checked
directly and through the pages as the administrator's forms send them, with and without htmx."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from school.extensions import db
from school.models import (AcademicYear, Attendance, BellTime, Course, Holiday, Lesson, Mark, Period, SchoolClass,
                           Subgroup, Subject, TimetableSlot, User, WorkKind)
from school.register import changes, timetable
from school.register.errors import NotFound, RegisterError
from school.register.timetable import Draft, week_letter
from tests.factory import TODAY, _user

HX = {"HX-Request": "true"}
FIRST = dt.date(2026, 9, 1)
JANUARY = dt.date(2027, 1, 18)      # a Monday of the third quarter the tests add


# ---------------------------------------------------------------- helpers

def admin_of(app) -> User:
    return db.session.scalar(select(User).where(User.username == "admin"))


def course(cid: int) -> Course:
    return db.session.get(Course, cid)


def add_course(ids, subject_short: str, klass_id: int, teacher: str = "teacher2", subgroup: str | None = None) -> int:
    """A course of the test school (a new subject, a subgroup and a teacher made when missing)."""
    subject = db.session.scalar(select(Subject).where(Subject.short == subject_short))
    if subject is None:
        subject = Subject(short=subject_short, name_ru=subject_short.capitalize(), name_uk=subject_short.capitalize(),
                          name_crh=subject_short.capitalize())
        db.session.add(subject)
        db.session.flush()
    group = None
    if subgroup:
        group = Subgroup(class_id=klass_id, subject_id=subject.id, name=subgroup)
        db.session.add(group)
        db.session.flush()
    teacher_id = db.session.scalar(select(User.id).where(User.username == teacher))
    if teacher_id is None:      # a teacher the test school lacks
        user = _user(teacher, "Новый", teacher.capitalize(), "teacher", pw_hash="-")
        db.session.flush()
        teacher_id = user.id
    c = Course(year_id=ids["year_id"], subject_id=subject.id, teacher_id=teacher_id, class_id=klass_id,
               subgroup_id=group.id if group else None, hours_per_week=Decimal(2))
    db.session.add(c)
    db.session.commit()
    return c.id


def third_quarter(app) -> None:
    """January to March, so that a change from January has lessons on both sides."""
    with app.app_context():
        year_id = db.session.scalar(select(AcademicYear.id))
        db.session.add(Period(year_id=year_id, scheme="quarters", number=3, first_day=dt.date(2027, 1, 11),
                              last_day=dt.date(2027, 3, 26)))
        db.session.commit()


def lessons_of(course_id: int, **where) -> list[Lesson]:
    q = select(Lesson).where(Lesson.course_id == course_id)
    for k, v in where.items():
        q = q.where(getattr(Lesson, k) == v)
    return db.session.scalars(q.order_by(Lesson.day, Lesson.number)).all()


def place_form(course_id: int, weekday: int, number: int, room: str = "", weeks: str = "every",
               valid_from: dt.date = FIRST, joint_with: int | None = None, day: dt.date | None = None) -> dict:
    data = {"course": str(course_id), "weekday": str(weekday), "number": str(number), "room": room,
            "weeks": weeks, "valid_from": valid_from.isoformat()}
    if joint_with:
        data["joint_with"] = str(joint_with)
    if day:
        data["day"] = day.isoformat()
    return data


def post_place(auth, ids, class_key: str, page_class: str | None = None, headers=None, **kw):
    cid = ids[class_key]
    return auth.post(f"/timetable/classes/{cid}/place", place_form(**kw), page=f"/timetable/classes/{cid}",
                     headers=headers or {})


def lessons_in(page: str, cell: str) -> str:
    """The lessons listed in a cell of a week's table (not its form's course names)."""
    return page.split(f'id="{cell}"')[1].split("</td>")[0].split('<details class="add"')[0]


def school_days(first: dt.date, last: dt.date, weekday: int, letter: str | None = None) -> list[dt.date]:
    """The test school's school days of a weekday (its periods, not its holidays), independently of the core."""
    terms = [(dt.date(2026, 9, 1), dt.date(2026, 10, 24)), (dt.date(2026, 11, 5), dt.date(2026, 12, 28))]
    out, day = [], first
    while day <= last:
        if (day.isoweekday() == weekday and any(a <= day <= b for a, b in terms)
                and (letter is None or week_letter(FIRST, day) == letter)):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


# ---------------------------------------------------------------- clashes, directly

def test_clashes_name_the_other_lesson(app, ids):
    with app.app_context():
        m6, r5 = course(ids["math6"]), course(ids["rus5"])
        tue = TODAY.isoweekday()
        teacher = timetable.clashes(Draft(m6, tue, 1, room="30", valid_from=FIRST))
        assert len(teacher) == 1 and "У учителя" in teacher[0] and "(5-А)" in teacher[0]
        room = timetable.clashes(Draft(r5, tue, 2, room=" 21 ", valid_from=FIRST))
        assert len(room) == 1 and "21" in room[0] and "(6-А)" in room[0]
        klass = timetable.clashes(Draft(r5, tue, 1, room="30", valid_from=FIRST))
        assert len(klass) == 1 and "У класса" in klass[0] and "Математика (5-А)" in klass[0]
        assert timetable.clashes(Draft(r5, tue, 2, room="30", valid_from=FIRST)) == []
        with pytest.raises(RegisterError) as refused:
            timetable.place(None, Draft(r5, tue, 1, room="30", valid_from=FIRST))
        assert "Математика (5-А)" in refused.value.message


def test_only_the_administrator_places_and_removes(app, ids):
    with app.test_request_context():
        teacher = db.session.get(User, ids["users"]["teacher"])
        director = db.session.get(User, ids["users"]["director"])
        slot = db.session.scalar(select(TimetableSlot))
        for who in (teacher, director):
            with pytest.raises(NotFound):
                timetable.place(who, Draft(course(ids["rus5"]), 1, 2, valid_from=FIRST))
            with pytest.raises(NotFound):
                timetable.remove(who, slot, TODAY)
            with pytest.raises(NotFound):
                timetable.generate(who, ids["year_id"])
        with pytest.raises(RegisterError):
            timetable.place(None, Draft(course(ids["rus5"]), 1, 2, valid_from=FIRST))   # no one, in a request
        assert db.session.scalar(select(func.count(TimetableSlot.id))) == 2


def test_two_subgroups_at_once_are_fine_a_subgroup_and_its_class_clash(app, ids):
    with app.app_context():
        g1 = add_course(ids, "eng", ids["class5"], "teacher2", subgroup="1 группа")
        g2 = add_course(ids, "eng", ids["class5"], "teacher3", subgroup="2 группа")
        admin = admin_of(app)
        timetable.place(admin, Draft(course(g1), 3, 1, room="31", valid_from=FIRST))
        timetable.place(admin, Draft(course(g2), 3, 1, room="32", valid_from=FIRST))    # the other half, elsewhere
        assert len(lessons_of(g1)) == len(lessons_of(g2)) == len(school_days(FIRST, dt.date(2027, 8, 31), 3))
        # The whole class (mathematics, another teacher) cannot be there at the same time…
        whole = add_course(ids, "art", ids["class5"], "teacher4")
        found = timetable.clashes(Draft(course(whole), 3, 1, room="40", valid_from=FIRST))
        assert found and all("У класса" in f for f in found)
        # …nor a subgroup where the whole class already is.
        tue = TODAY.isoweekday()
        found = timetable.clashes(Draft(course(g2), tue, 1, room="40", valid_from=FIRST))
        assert len(found) == 1 and "Математика (5-А)" in found[0]


def test_a_joint_lesson_of_two_classes_is_one_slot_the_check_accepts(app, auth, client, ids):
    with app.app_context():
        pe5 = add_course(ids, "pe", ids["class5"], "teacher3")
        pe6 = add_course(ids, "pe", ids["class6"], "teacher3")
        admin = admin_of(app)
        first, _ = timetable.place(admin, Draft(course(pe5), 4, 2, room="зал", valid_from=FIRST))
        first_id = first.id
        # Without saying it is joint: the teacher (and the gym) are taken.
        refused = timetable.clashes(Draft(course(pe6), 4, 2, room="зал", valid_from=FIRST))
        assert refused and "(5-А)" in refused[0]
    auth.login("admin")
    page = client.get(f"/timetable/classes/{ids['class6']}").get_data(as_text=True)
    assert f'<option value="{first_id}">' in page          # offered as "joint with" in Thursday's 2nd lesson
    r = post_place(auth, ids, "class6", course_id=pe6, weekday=4, number=2, room="зал", joint_with=first_id)
    assert r.status_code == 303, r.get_data(as_text=True)[-2000:]
    with app.app_context():
        keys = {s.joint for s in db.session.scalars(select(TimetableSlot).where(TimetableSlot.course_id.in_([pe5, pe6])))}
        assert len(keys) == 1 and None not in keys
        assert len(lessons_of(pe6)) == len(lessons_of(pe5)) > 0
    page = client.get(f"/timetable/classes/{ids['class5']}").get_data(as_text=True)
    assert "6-А" in lessons_in(page, "c4-2")     # the 5-А's cell says with whom
    # A third class joins the same joint lesson by the same choice; a lesson at another time is refused.
    with app.app_context():
        c1 = add_course(ids, "pe", ids["class1"], "teacher3")
    r = post_place(auth, ids, "class1", course_id=c1, weekday=1, number=2, joint_with=first_id)
    assert r.status_code == 422 and "в то же время" in r.get_data(as_text=True)


def test_weeks_a_and_b_share_a_place_and_lessons_alternate(app, ids):
    with app.app_context():
        admin = admin_of(app)
        _s, made_a = timetable.place(admin, Draft(course(ids["rus5"]), 1, 2, room="21", weeks="A", valid_from=FIRST))
        assert timetable.clashes(Draft(course(ids["math5"]), 1, 2, room="21", weeks="B", valid_from=FIRST)) == []
        _s, made_b = timetable.place(admin, Draft(course(ids["math5"]), 1, 2, room="21", weeks="B", valid_from=FIRST))
        # But every week collides with either.
        assert timetable.clashes(Draft(course(ids["math6"]), 1, 2, weeks="every", valid_from=FIRST))
        last = dt.date(2027, 8, 31)
        a_days, b_days = school_days(FIRST, last, 1, "A"), school_days(FIRST, last, 1, "B")
        assert made_a.created == len(a_days) and made_b.created == len(b_days) and a_days and b_days
        assert [les.day for les in lessons_of(ids["rus5"], number=2) if les.day.isoweekday() == 1] == a_days
        assert [les.day for les in lessons_of(ids["math5"], number=2) if les.day.isoweekday() == 1] == b_days
        assert dt.date(2026, 8, 31) + dt.timedelta(days=7) in b_days     # the week after the first is B


def test_no_lessons_in_the_holidays_or_between_periods(app, ids):
    with app.app_context():
        days = db.session.scalars(select(Lesson.day).where(Lesson.extra.is_(False))).all()
        assert days
        for h in db.session.scalars(select(Holiday)):
            assert not [d for d in days if h.first_day <= d <= h.last_day]
        assert not [d for d in days if dt.date(2026, 12, 29) <= d]     # the test school's year has two quarters


def test_a_change_from_january_leaves_the_lessons_before_it(app, auth, client, ids):
    third_quarter(app)
    with app.app_context():
        timetable.generate(None, ids["year_id"], since=dt.date(2027, 1, 1))
        slot = db.session.scalar(select(TimetableSlot).where(TimetableSlot.course_id == ids["math5"]))
        before = {les.id: (les.day, les.number) for les in lessons_of(ids["math5"]) if les.day < JANUARY}
        january = [les for les in lessons_of(ids["math5"]) if les.day >= JANUARY]
        assert before and january and all(d.isoweekday() == 2 for d, _n in before.values())
        slot_id = slot.id
    auth.login("admin")
    # Tuesday's first lesson moves to Friday's second from 18 January: taken out, then put in.
    r = auth.post(f"/timetable/classes/{ids['class5']}/remove", {"slot": slot_id, "since": JANUARY.isoformat()},
                  page=f"/timetable/classes/{ids['class5']}")
    assert r.status_code == 303
    r = post_place(auth, ids, "class5", course_id=ids["math5"], weekday=5, number=2, room="21", valid_from=JANUARY)
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Расписание сохранено: 10 уроков добавлено, 0 удалено. Урок начинается 18.01.2027" in page
    with app.app_context():
        after = lessons_of(ids["math5"])
        assert {les.id: (les.day, les.number) for les in after if les.day < JANUARY} == before     # the same rows
        moved = [les for les in after if les.day >= JANUARY]
        assert moved and all((les.day.isoweekday(), les.number) == (5, 2) for les in moved)
        assert len(moved) == len([d for d in (JANUARY + dt.timedelta(days=i) for i in range(0, 68))
                                  if d.isoweekday() == 5 and d <= dt.date(2027, 3, 26)])
        old = db.session.get(TimetableSlot, slot_id)
        assert old.valid_to == JANUARY - dt.timedelta(days=1)
    # The class's week on a December day still shows Tuesday; on a January day, Friday.
    december = client.get(f"/timetable/classes/{ids['class5']}?day=2026-12-01").get_data(as_text=True)
    assert "Математика" in lessons_in(december, "c2-1")
    later = client.get(f"/timetable/classes/{ids['class5']}?day=2027-01-20").get_data(as_text=True)
    assert "Математика" not in lessons_in(later, "c2-1")
    assert "Математика" in lessons_in(later, "c5-2")
    assert "18.01.2027" in later                  # the dates the timetable changes on


# ---------------------------------------------------------------- lessons holding entries

def _entries_on_future_tuesdays(app, ids) -> dict[str, int]:
    """A topic entered in one future lesson of the 5-А's mathematics, a mark in another."""
    with app.app_context():
        future = [les for les in lessons_of(ids["math5"]) if les.day > TODAY]
        topic, marked = future[0], future[1]
        topic.topic, topic.topic_entered_at = "Проценты", dt.datetime(2026, 11, 24, 9)
        kind = db.session.scalar(select(WorkKind).where(WorkKind.code == "answer"))
        db.session.add(Mark(lesson_id=marked.id, student_id=ids["emil"], slot=1, scale="five", code="5",
                            work_kind_id=kind.id, weight=Decimal(1), author_id=ids["users"]["teacher"],
                            created_at=dt.datetime(2026, 11, 24, 9), updated_at=dt.datetime(2026, 11, 24, 9)))
        db.session.commit()
        return {"topic": topic.id, "marked": marked.id, "today": ids["lesson"]}


def test_a_change_keeps_lessons_with_entries_and_lists_them(app, auth, client, ids):
    held = _entries_on_future_tuesdays(app, ids)
    with app.app_context():
        slot_id = db.session.scalar(select(TimetableSlot.id).where(TimetableSlot.course_id == ids["math5"]))
        empty_future = [les.id for les in lessons_of(ids["math5"]) if les.day >= TODAY and les.id not in held.values()]
        assert db.session.scalar(select(func.count(Attendance.id)).where(Attendance.lesson_id == held["today"]))
    auth.login("admin")
    r = auth.post(f"/timetable/classes/{ids['class5']}/remove", {"slot": slot_id, "since": TODAY.isoformat(),
                                                                 "weekday": "2", "number": "1"},
                  page=f"/timetable/classes/{ids['class5']}", headers=HX)
    assert r.status_code == 200 and r.get_data(as_text=True).lstrip().startswith('<td id="c2-1"')
    assert "3 оставлены" in r.get_data(as_text=True) and 'href="/timetable/orphans"' in r.get_data(as_text=True)
    with app.app_context():
        left = {les.id for les in lessons_of(ids["math5"]) if les.day >= TODAY}
        assert left == set(held.values())            # the empty ones are gone, nothing with entries is
        assert not left & set(empty_future)
        assert {les.id for les in timetable.orphans(ids["year_id"])} == set(held.values())
    page = client.get("/timetable/orphans").get_data(as_text=True)
    for lid in held.values():
        assert f'id="l{lid}"' in page
    assert "Проценты" in page and "1 отметка" in page
    # Keep one as an extra lesson, move another; the third is kept too: the list empties.
    with app.app_context():
        versions = {k: db.session.get(Lesson, v).version for k, v in held.items()}
    r = auth.post(f"/timetable/orphans/{held['today']}/keep", {"version": versions["today"]}, page="/timetable/orphans")
    assert r.status_code == 303
    r = auth.post(f"/timetable/orphans/{held['topic']}/move", {"version": versions["topic"], "day": "2026-12-03",
                  "number": "2", "reason": "Перенос после смены расписания"}, page="/timetable/orphans")
    assert r.status_code == 303
    with app.app_context():
        moved = db.session.get(Lesson, held["topic"])
        assert (moved.day, moved.number, moved.topic) == (dt.date(2026, 12, 3), 2, "Проценты")
        assert db.session.get(Lesson, held["today"]).extra
        assert [les.id for les in timetable.orphans(ids["year_id"])] == [held["marked"]]
    # A stale version is a conflict, told, never an overwrite.
    r = auth.post(f"/timetable/orphans/{held['marked']}/keep", {"version": versions["marked"] + 5},
                  page="/timetable/orphans", follow_redirects=True)
    assert "изменил этот урок" in r.get_data(as_text=True)
    r = auth.post(f"/timetable/orphans/{held['marked']}/keep", {"version": versions["marked"]}, page="/timetable/orphans")
    with app.app_context():
        assert timetable.orphans(ids["year_id"]) == []
        # Regenerating again neither removes nor doubles them.
        result = timetable.generate(None, ids["year_id"])
        assert result.removed == 0 and result.created == 0 and not result.kept
    assert "Решать нечего" in client.get("/timetable/orphans").get_data(as_text=True)


def test_saving_through_the_page_without_javascript_and_with_htmx(app, auth, client, ids):
    auth.login("admin")
    url = f"/timetable/classes/{ids['class5']}"
    # Plain form: 303 back to the cell, the summary shown.
    r = post_place(auth, ids, "class5", course_id=ids["rus5"], weekday=1, number=1, room="12", valid_from=TODAY)
    assert r.status_code == 303 and r.headers["Location"].endswith("#c1-1")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Расписание сохранено: 5 уроков добавлено, 0 удалено." in page
    assert "Русский язык" in lessons_in(page, "c1-1")
    # htmx: the cell comes back alone; a clash answers 422 with the message naming the other lesson, nothing stored.
    r = post_place(auth, ids, "class5", course_id=ids["rus5"], weekday=1, number=2, room="12", headers=HX)
    assert r.status_code == 200 and r.get_data(as_text=True).lstrip().startswith('<td id="c1-2"')
    with app.app_context():
        count = db.session.scalar(select(func.count(TimetableSlot.id)))
    r = post_place(auth, ids, "class5", course_id=ids["math5"], weekday=1, number=2, room="14", headers=HX)
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and 'role="alert"' in body and "Русский язык (5-А)" in body and "<details class=\"add\" open" in body
    # Without JavaScript the same refusal is the whole page, the cell's form open with what was typed.
    r = post_place(auth, ids, "class5", course_id=ids["math5"], weekday=1, number=2, room="14")
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "Русский язык (5-А)" in body and 'value="14"' in body
    # Bad input: a course of another class, a room too long, a date outside the year.
    r = post_place(auth, ids, "class5", course_id=ids["math6"], weekday=1, number=3, headers=HX)
    assert r.status_code == 422
    r = post_place(auth, ids, "class5", course_id=ids["math5"], weekday=3, number=2, room="x" * 21, headers=HX)
    assert r.status_code == 422
    r = post_place(auth, ids, "class5", course_id=ids["math5"], weekday=3, number=2, valid_from=dt.date(2027, 9, 2),
                   headers=HX)
    assert r.status_code == 422 and "в пределах учебного года" in r.get_data(as_text=True)
    r = post_place(auth, ids, "class5", course_id=ids["math5"], weekday=3, number=2, room="1\x00", headers=HX)
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count(TimetableSlot.id))) == count


def test_access_per_role(app, auth, client, ids):
    c5, c6, c1 = ids["class5"], ids["class6"], ids["class1"]
    t1, t2 = ids["users"]["teacher"], ids["users"]["teacher2"]
    expect = {
        "admin": {f"/timetable/classes/{c1}": 200, f"/timetable/teachers/{t2}": 200, "/timetable/rooms?room=21": 200,
                  "/timetable/orphans": 200, "/timetable/": 200},
        "director": {f"/timetable/classes/{c5}": 200, f"/timetable/teachers/{t1}": 200,
                     "/timetable/rooms?room=21": 200, "/timetable/orphans": 200},
        "teacher": {f"/timetable/classes/{c5}": 200, f"/timetable/classes/{c6}": 200,
                    f"/timetable/classes/{c1}": 404, f"/timetable/teachers/{t1}": 200,
                    f"/timetable/teachers/{t2}": 404, "/timetable/rooms?room=21": 404, "/timetable/orphans": 403,
                    "/timetable/": 200},
        "teacher2": {f"/timetable/classes/{c5}": 200, f"/timetable/classes/{c6}": 200,
                     f"/timetable/classes/{c1}": 404, f"/timetable/teachers/{t2}": 200},
        "parent": {f"/timetable/classes/{c5}": 404, "/timetable/": 404, f"/timetable/teachers/{t1}": 404,
                   "/timetable/rooms?room=21": 404, "/timetable/orphans": 403},
        "student": {f"/timetable/classes/{c5}": 404, "/timetable/": 404},
        "secretary": {f"/timetable/classes/{c5}": 404, "/timetable/": 404},
    }
    for login, pages in expect.items():
        auth.login(login)
        for url, status in pages.items():
            assert client.get(url).status_code == status, (login, url)
        if login in ("teacher", "director"):
            page = client.get(f"/timetable/classes/{c5}").get_data(as_text=True)
            assert "Математика" in page and "/place" not in page and "/remove" not in page     # read only
        auth.logout()
    # Forged ids and strangers' slots are not found.
    auth.login("admin")
    assert client.get("/timetable/classes/999999").status_code == 404
    assert client.get("/timetable/teachers/999999").status_code == 404
    assert client.get("/timetable/rooms?room=" + "9" * 30).status_code == 404
    with app.app_context():
        slot6 = db.session.scalar(select(TimetableSlot.id).where(TimetableSlot.course_id == ids["math6"]))
        plain = lessons_of(ids["math6"])[-1]
    r = auth.post(f"/timetable/classes/{c5}/remove", {"slot": slot6, "since": TODAY.isoformat()},
                  page=f"/timetable/classes/{c5}")
    assert r.status_code == 404                            # a 6-А slot through the 5-А's page
    r = auth.post(f"/timetable/orphans/{plain.id}/keep", {"version": plain.version}, page="/timetable/orphans")
    assert r.status_code == 404                            # a lesson the timetable still gives is no orphan
    r = auth.post("/timetable/orphans/999999/move", {"version": 1, "day": "2026-12-01", "number": 1, "reason": "x"},
                  page="/timetable/orphans")
    assert r.status_code == 404
    # The director reads but does not write.
    auth.logout()
    auth.login("director")
    r = post_place(auth, ids, "class5", course_id=ids["rus5"], weekday=1, number=1)
    assert r.status_code == 403


def test_a_get_never_writes_and_never_generates(app, auth, client, ids):
    with app.app_context():
        db.session.execute(Lesson.__table__.delete().where(Lesson.day > TODAY))
        db.session.commit()
        before = db.session.scalar(select(func.count(Lesson.id)))
    auth.login("admin")
    for url in ("/timetable/", f"/timetable/classes/{ids['class5']}", "/timetable/orphans",
                f"/timetable/teachers/{ids['users']['teacher']}", "/timetable/rooms?room=21"):
        assert client.get(url).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Lesson.id))) == before
    # The administrator's confirmed POST makes them; without the tick nothing happens.
    r = auth.post("/timetable/generate", {}, page="/timetable/")
    assert r.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(Lesson.id))) == before
    r = auth.post("/timetable/generate", {"confirm": "y"}, page="/timetable/", follow_redirects=True)
    assert r.status_code == 200
    with app.app_context():
        made = db.session.scalar(select(func.count(Lesson.id))) - before
    assert made == len(school_days(TODAY + dt.timedelta(days=1), dt.date(2027, 8, 31), 2)) * 2
    assert f"{made} уроков добавлено" in r.get_data(as_text=True)


def test_a_half_set_up_school_says_what_is_missing(app, auth, client, ids, monkeypatch):
    with app.app_context():
        db.session.execute(TimetableSlot.__table__.delete())
        db.session.execute(BellTime.__table__.delete())
        db.session.execute(Course.__table__.delete().where(Course.class_id == ids["class1"]))
        db.session.commit()
    auth.login("admin")
    page = client.get("/timetable/").get_data(as_text=True)
    assert 'href="/admin/setup/year"' in page
    r = client.get(f"/timetable/classes/{ids['class1']}")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert 'href="/admin/setup/year"' in body and 'class="tt"' not in body
    with app.app_context():
        db.session.add(BellTime(number=1, starts=dt.time(8), ends=dt.time(8, 45)))
        db.session.commit()
    body = client.get(f"/timetable/classes/{ids['class1']}").get_data(as_text=True)
    assert "/admin/setup" in body and "У этого класса ещё нет курсов" in body
    # No year at all (today after the last one).
    monkeypatch.setenv("DEFTER_TODAY", "2027-10-01")
    for url in ("/timetable/", "/timetable/orphans", f"/timetable/teachers/{ids['users']['teacher']}"):
        r = client.get(url)
        assert r.status_code == 200 and 'href="/admin/setup"' in r.get_data(as_text=True), url


def test_removing_refuses_bad_dates_and_other_classes_slots(app, auth, ids):
    with app.app_context():
        slot_id = db.session.scalar(select(TimetableSlot.id).where(TimetableSlot.course_id == ids["math5"]))
        lessons = len(lessons_of(ids["math5"]))
    auth.login("admin")
    url = f"/timetable/classes/{ids['class5']}/remove"
    page = f"/timetable/classes/{ids['class5']}"
    r = auth.post(url, {"slot": slot_id, "since": "not a date"}, page=page, headers=HX)
    assert r.status_code == 422 and 'role="alert"' in r.get_data(as_text=True)
    r = auth.post(url, {"slot": slot_id, "since": "2027-09-01"}, page=page, headers=HX)
    assert r.status_code == 422 and "в пределах учебного года" in r.get_data(as_text=True)
    r = auth.post(url, {"slot": "x", "since": TODAY.isoformat()}, page=page)
    assert r.status_code == 404
    with app.app_context():
        slot = db.session.get(TimetableSlot, slot_id)
        assert slot.valid_to is None and len(lessons_of(ids["math5"])) == lessons
    # From the year's first day the slot goes altogether, and so do its lessons that hold nothing.
    r = auth.post(url, {"slot": slot_id, "since": FIRST.isoformat()}, page=page)
    assert r.status_code == 303 and r.headers["Location"].endswith("#c2-1")
    with app.app_context():
        assert db.session.get(TimetableSlot, slot_id) is None
        assert [les.id for les in lessons_of(ids["math5"])] == [ids["lesson"]]     # the one with attendance stays
