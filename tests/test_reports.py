"""Control reports (issue 11): each computed on a school where the answer is known by construction, the same
numbers on screen, in print and in the XLSX; who may see which report."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import delete, event, select

from school.extensions import db
from school.models import Attendance, Lesson, Mark, PeriodMark, Student, WorkKind
from tests import factory

T = dt.datetime


def at(day: str, hhmm: str) -> dt.datetime:
    return T.fromisoformat(f"{day}T{hhmm}")


@pytest.fixture
def school(app, ids):
    """Quarter 2 of the test school, by construction:
    5-А mathematics (teacher): 10.11 topic entered a day late, homework on time; 12.11 topic on time, homework
    late (due 9:45 after the 8:45 bell), Эмиль two marks on time, Иванов a test mark late (3 days), Шевченко's
    absence entered the next day (late); 17.11 no topic (missing); 19.11 cancelled and 26.11 in the future:
    neither counts. 24.11 (the factory's lesson): topic of unknown time (not judged), an absence on time.
    6-А mathematics on 18.11 substituted by teacher2, topic on time: it counts for teacher2.
    Period marks of quarter 2: 5-А Эмиль 4 and 5, Иванов 3 and 4, Шевченко 2, Умерова none; 6-А Ленур 5, Анна н/а.
    """
    with app.app_context():
        # Only the lessons built here (and the factory's of 24.11): not the rest the timetable generated for the year.
        db.session.execute(delete(Lesson).where(Lesson.id != ids["lesson"]))
        u = ids["users"]
        kinds = {k.code: k.id for k in db.session.scalars(select(WorkKind))}
        emil, ivanov, shevchenko, umerova = ids["emil"], *ids["other5"]

        def lesson(course, day, **kw):
            les = Lesson(course_id=course, day=dt.date.fromisoformat(day), number=1, **kw)
            db.session.add(les)
            db.session.flush()
            return les

        def mark(les, student, code, kind, created, slot=1):
            db.session.add(Mark(lesson_id=les.id, student_id=student, slot=slot, scale="five", code=code,
                                work_kind_id=kinds[kind], weight=Decimal(1), author_id=u["teacher"],
                                created_at=created, updated_at=created))

        l1 = lesson(ids["math5"], "2026-11-10", topic="Дроби 1", topic_entered_at=at("2026-11-11", "09:00"),
                    homework="№ 1", homework_entered_at=at("2026-11-10", "09:30"))
        l2 = lesson(ids["math5"], "2026-11-12", topic="Дроби 2", topic_entered_at=at("2026-11-12", "10:00"),
                    homework="№ 2", homework_entered_at=at("2026-11-12", "11:00"))
        l3 = lesson(ids["math5"], "2026-11-17")
        lesson(ids["math5"], "2026-11-19", state="cancelled")
        lesson(ids["math5"], "2026-11-26")
        lesson(ids["math6"], "2026-11-18", topic="Углы", topic_entered_at=at("2026-11-18", "12:00"),
               substitute_id=u["teacher2"])
        mark(l2, emil, "5", "answer", at("2026-11-13", "15:00"))
        mark(l2, emil, "4", "answer", at("2026-11-13", "15:01"), slot=2)
        mark(l2, ivanov, "4", "test", at("2026-11-20", "10:00"))
        db.session.add(Attendance(lesson_id=l2.id, student_id=shevchenko, code="absent", set_by=u["teacher"],
                                  set_at=at("2026-11-13", "08:00"), version=1))
        q2 = ids["q2"]
        for course, student, code in ((ids["math5"], emil, "4"), (ids["rus5"], emil, "5"),
                                      (ids["math5"], ivanov, "3"), (ids["rus5"], ivanov, "4"),
                                      (ids["math5"], shevchenko, "2"),
                                      (ids["math6"], ids["lenur"], "5"), (ids["math6"], ids["other6"], "н/а")):
            db.session.add(PeriodMark(student_id=student, course_id=course, kind="period", period_id=q2,
                                      scale="five", code=code, set_by=u["teacher"], set_at=at("2026-12-28", "10:00")))
        db.session.commit()
        return dict(l1=l1.id, l2=l2.id, l3=l3.id)


def compute(app, module, details: bool = True, **args):
    from flask_login import login_user

    from school.models import User
    from school.reports import filters
    with app.test_request_context(query_string=args):
        login_user(db.session.get(User, 1))  # the administrator
        f, _options, error = filters.parse(__import__("flask").request.args, db.session.get(User, 1), "ru")
        assert error is None
        return module.compute(f, "ru", **({} if details else {"details": False}))


def test_the_director_pages_counts_without_the_lines_are_the_reports_counts(app, ids, school):
    """The director's page asks the reports for their counts only (details=False): the same counts, no lines."""
    from school.reports import accumulation, attendance, timeliness
    with app.app_context():
        db.session.add(Attendance(lesson_id=school["l1"], student_id=ids["emil"], code="late",
                                  set_by=ids["users"]["teacher"], set_at=at("2026-11-10", "08:30"), version=1))
        db.session.commit()
    whole, counts = compute(app, timeliness), compute(app, timeliness, details=False)
    assert whole.late and not counts.late
    assert [(r.key, r.counts) for r in counts.teachers] == [(r.key, r.counts) for r in whole.teachers]
    assert [(r.key, r.counts) for r in counts.classes] == [(r.key, r.counts) for r in whole.classes]
    assert counts.total == whole.total and counts.total.total_late == 5
    whole, counts = compute(app, attendance), compute(app, attendance, details=False)
    assert whole.lines and whole.students and not counts.lines and not counts.students
    assert (counts.cells, counts.by_class, counts.by_month, counts.total, counts.classes) == (
        whole.cells, whole.by_class, whole.by_month, whole.total, whole.classes)
    assert (counts.total.missed, counts.total.late) == (2, 1)  # Иванов today, Шевченко on 12.11; Эмиль late
    whole, counts = compute(app, accumulation), compute(app, accumulation, details=False)
    assert whole.lines and not counts.lines
    assert [(c.class_id, c.none, c.one, c.few, c.missing) for c in counts.classes] == [
        (c.class_id, c.none, c.one, c.few, c.missing) for c in whole.classes]
    assert {c.class_id: (c.none, c.one, c.few) for c in counts.classes} == {
        ids["class5"]: (6, 1, 5), ids["class6"]: (2, 0, 2)}


# ---------------------------------------------------------------- report 1: timeliness

def test_timeliness_numbers(app, ids, school):
    from school.reports import timeliness
    r = compute(app, timeliness)
    by_teacher = {row.key: row.counts for row in r.teachers}
    t = by_teacher[ids["users"]["teacher"]]
    assert (t.on_time["topic"], t.late["topic"], t.missing) == (1, 1, 1)
    assert (t.on_time["homework"], t.late["homework"]) == (1, 1)
    assert (t.on_time["mark"], t.late["mark"]) == (2, 1)
    assert (t.on_time["absence"], t.late["absence"]) == (1, 1)
    assert (t.total_on_time, t.total_late) == (5, 5) and t.share == 0.5
    sub = by_teacher[ids["users"]["teacher2"]]  # the substitute owes the substituted lesson
    assert (sub.on_time["topic"], sub.total_late) == (1, 0)
    by_class = {row.key: row.counts for row in r.classes}
    assert by_class[ids["class5"]].total_on_time == 5 and by_class[ids["class6"]].share == 1
    assert (r.total.total_on_time, r.total.total_late) == (6, 5)
    late = [(e.kind, e.day.isoformat(), e.entered is None, e.days_late) for e in r.late]
    assert late == [("homework", "2026-11-12", False, 0), ("topic", "2026-11-10", False, 1),
                    ("absence", "2026-11-12", False, 1), ("mark", "2026-11-12", False, 5),
                    ("topic", "2026-11-17", True, 7)] or sorted(late) == sorted([
                        ("topic", "2026-11-10", False, 1), ("homework", "2026-11-12", False, 0),
                        ("absence", "2026-11-12", False, 1), ("mark", "2026-11-12", False, 5),
                        ("topic", "2026-11-17", True, 7)])


def test_timeliness_filters(app, ids, school):
    from school.reports import timeliness
    only6 = compute(app, timeliness, class_id=ids["class6"])
    assert [r.key for r in only6.classes] == [ids["class6"]] and only6.total.total_on_time == 1
    by_sub = compute(app, timeliness, teacher_id=ids["users"]["teacher2"])
    assert [r.key for r in by_sub.teachers] == [ids["users"]["teacher2"]]
    # Dates win over the period: 10–11 November holds the one lesson with its late topic.
    days = compute(app, timeliness, **{"from": "2026-11-10", "to": "2026-11-11"})
    assert (days.total.on_time["topic"], days.total.late["topic"], days.total.on_time["homework"]) == (0, 1, 1)


def test_timeliness_query_count_does_not_grow_with_students(app, ids, school):
    from school.reports import timeliness

    def queries() -> int:
        seen = []
        with app.app_context():
            listener = lambda *a: seen.append(1)  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                compute(app, timeliness)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    queries()  # the school's settings are cached after the first
    before = queries()
    with app.app_context():
        from school.models import Enrolment, Person
        l2 = db.session.get(Lesson, school["l2"])
        answer = db.session.scalar(select(WorkKind.id).where(WorkKind.code == "answer"))
        for i in range(20):
            st = Student(person=Person(surname=f"Новый{i}", name="Ученик"), consent_date=dt.date(2026, 9, 1))
            db.session.add(st)
            db.session.flush()
            db.session.add(Enrolment(student_id=st.id, class_id=ids["class5"], from_day=dt.date(2026, 9, 1)))
            db.session.add(Mark(lesson_id=l2.id, student_id=st.id, slot=1, scale="five", code="4",
                                work_kind_id=answer, weight=Decimal(1), author_id=ids["users"]["teacher"],
                                created_at=at("2026-11-12", "12:00"), updated_at=at("2026-11-12", "12:00")))
        db.session.commit()
    assert queries() == before


# ---------------------------------------------------------------- report 2: accumulation

def test_accumulation_numbers(app, ids, school):
    from school.reports import accumulation
    r = compute(app, accumulation)
    assert r.minimum == 3
    classes = {c.class_id: (c.none, c.one, c.few) for c in r.classes}
    # 5-А: maths Иванов one mark, Шевченко and Умерова none; Russian: four none. Period marks on fewer than three
    # marks: maths Эмиль (2), Иванов (1), Шевченко (0), Russian Эмиль and Иванов (0); 6-А Ленур and Анна (0).
    assert classes == {ids["class5"]: (6, 1, 5), ids["class6"]: (2, 0, 2)}
    emil = [x for x in r.lines if x.student_id == ids["emil"] and x.course_id == ids["math5"]]
    assert [(x.marks, x.period_mark, x.problem) for x in emil] == [(2, "4", "few")]
    assert ids["class1"] not in classes  # grade 1 takes no marks


# ---------------------------------------------------------------- report 5: results

def test_results_numbers(app, ids, school):
    from school.reports import results
    r = compute(app, results, period_id=ids["q2"])
    rows = {c.class_id: (c.students, c.attested, c.passed, c.good) for c in r.classes}
    assert rows == {ids["class5"]: (4, 3, 2, 1), ids["class6"]: (2, 2, 1, 1)}
    five = next(c for c in r.classes if c.class_id == ids["class5"])
    assert five.progress == pytest.approx(2 / 3) and five.quality == pytest.approx(1 / 3)
    assert (r.school.students, r.school.attested, r.school.passed, r.school.good) == (6, 5, 3, 2)
    assert r.school.progress == pytest.approx(0.6) and r.school.quality == pytest.approx(0.4)
    assert [name for _sid, name, _m in five.failing] == ["Шевченко Тарас"]
    assert compute(app, results, **{"from": "2026-11-10", "to": "2026-11-11"}).needs_period


@pytest.mark.parametrize("value, scale, expected", [
    (2, "five", (False, False)), (3, "five", (True, False)), (4, "five", (True, True)),
    (3, "twelve", (False, False)), (4, "twelve", (True, False)), (6, "twelve", (True, False)),
    (7, "twelve", (True, True)), (12, "twelve", (True, True)),
])
def test_results_thresholds(value, scale, expected):
    from school.reports.results import judge
    assert judge(Decimal(value), str(value), scale) == expected
    assert judge(None, "н/а", scale) == (False, False) and judge(None, "зач", scale) == (True, True)


# ---------------------------------------------------------------- report 3: attendance

def test_attendance_numbers(app, client, auth, ids, school):
    from openpyxl import load_workbook

    from school.reports import attendance
    with app.app_context():
        l1 = school["l1"]
        for student, code in ((ids["emil"], "late"), (ids["other5"][2], "ill")):
            db.session.add(Attendance(lesson_id=l1, student_id=student, code=code, set_by=ids["users"]["teacher"],
                                      set_at=at("2026-11-10", "08:30"), version=1))
        db.session.commit()
    r = compute(app, attendance)
    # November (the quarter up to today): Иванов absent today, Шевченко on 12.11, Умерова ill on 10.11; Эмиль late.
    assert r.months == [dt.date(2026, 11, 1)]
    nov = r.cells[(ids["class5"], dt.date(2026, 11, 1))]
    assert (nov.missed, nov.reason, nov.unexcused, nov.late) == (3, 1, 2, 1)
    assert [label for _cid, label in r.classes] == ["5-А"]
    assert [(c, s, t.missed, t.reason, t.late) for c, s, t in r.students] == [
        ("5-А", "Аблаев Эмиль", 0, 0, 1), ("5-А", "Иванов Иван", 1, 0, 0), ("5-А", "Умерова Алие", 1, 1, 0),
        ("5-А", "Шевченко Тарас", 1, 0, 0)]
    assert [(x.student, x.topic, x.kind) for x in r.lines if x.student == "Умерова Алие"] == [
        ("Умерова Алие", "Дроби 1", "ill")]
    auth.login("director")
    page = client.get(f"/reports/attendance?class_id={ids['class5']}").get_data(as_text=True)
    assert '<dd id="a-missed">3</dd>' in page and '<dd id="a-reason">1</dd>' in page and "<svg" in page
    assert "Дроби 1" in page and f'#c{l1}-{ids["other5"][2]}' in page
    book = load_workbook(io.BytesIO(client.get(f"/reports/attendance.xlsx?class_id={ids['class5']}").data))
    assert [c.value for c in book.worksheets[0][4]] == ["5-А", 3, 1, 3, 1, 1]
    assert isinstance(book.worksheets[2]["C4"].value, dt.datetime)


# ---------------------------------------------------------------- report 4: unsatisfactory marks

def test_unsatisfactory_marks(app, client, auth, ids, school):
    from openpyxl import load_workbook

    from school.reports import unsatisfactory
    with app.app_context():
        answer = db.session.scalar(select(WorkKind.id).where(WorkKind.code == "answer"))
        for student, code in ((ids["other5"][2], "2"), (ids["other5"][2], "3")):
            db.session.add(Mark(lesson_id=school["l1"], student_id=student, slot=int(code) - 1, scale="five",
                                code=code, work_kind_id=answer, weight=Decimal(1), author_id=ids["users"]["teacher"],
                                created_at=at("2026-11-10", "10:00"), updated_at=at("2026-11-10", "10:00")))
        db.session.commit()
    r = compute(app, unsatisfactory)
    assert [(x.student, x.topic, x.code) for x in r.lines] == [("Умерова Алие", "Дроби 1", "2")]
    assert r.students == [("5-А", "Умерова Алие", 1)]
    auth.login("director")
    assert f'#c{school["l1"]}-{ids["other5"][2]}' in client.get("/reports/unsatisfactory").get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(client.get("/reports/unsatisfactory.xlsx").data)).worksheets[1]
    assert [c.value for c in sheet[4]][4:6] == ["Дроби 1", 2]


# ---------------------------------------------------------------- report 6: completion of the curriculum

def test_curriculum(app, client, auth, ids, school):
    from school.models import PlanItem
    from school.reports import curriculum
    with app.app_context():
        db.session.add_all([PlanItem(course_id=ids["math5"], position=1, topic="Дроби", hours=30),
                            PlanItem(course_id=ids["math5"], position=2, topic="Уравнения", hours=40)])
        db.session.commit()
    rows = {r.course_id: (r.plan_hours, r.scheduled, r.due, r.held, r.cancelled) for r in compute(app, curriculum).rows}
    # 5-А maths in quarter 2: 10, 12, 17, 19 (cancelled), 24 (today), 26 (ahead) November.
    assert rows == {ids["math5"]: (70, 6, 5, 4, 1), ids["math6"]: (0, 1, 1, 1, 0), ids["rus5"]: (0, 0, 0, 0, 0)}
    auth.login("director")
    assert "80,0" in client.get("/reports/curriculum").get_data(as_text=True)


# ---------------------------------------------------------------- report 7: substituted, moved, cancelled

def test_changes_numbers(app, client, auth, ids, school):
    from school.models import LessonChange
    from school.reports import changes
    with app.app_context():
        sub = db.session.scalar(select(Lesson.id).where(Lesson.course_id == ids["math6"]))
        for lesson_id, kind, reason in ((school["l1"], "moved", "перенос"), (sub, "substitution", "болезнь")):
            db.session.add(LessonChange(lesson_id=lesson_id, day=dt.date(2026, 11, 9), kind=kind, reason=reason,
                                        changed_by=ids["users"]["admin"], changed_at=at("2026-11-09", "10:00")))
        db.session.commit()
    r = compute(app, changes)
    assert dict(r.teachers) == {"Абдураимова Э.": {"substitution": 1, "moved": 1, "cancelled": 1}}
    assert [(x.day.isoformat(), x.kind, x.substitute, x.reason) for x in r.lines] == [
        ("2026-11-10", "moved", None, "перенос"), ("2026-11-18", "substitution", "Иванова А.", "болезнь"),
        ("2026-11-19", "cancelled", None, None)]
    assert [x.kind for x in compute(app, changes, class_id=ids["class6"]).lines] == ["substitution"]
    auth.login("director")
    assert "болезнь" in client.get("/reports/changes/print").get_data(as_text=True)


# ---------------------------------------------------------------- report 8: mark changes

def test_mark_changes(app, client, auth, ids, school):
    from openpyxl import load_workbook

    from school.models import MarkChange, PeriodMarkChange
    from school.reports import mark_changes
    with app.app_context():
        db.session.add(MarkChange(lesson_id=school["l2"], student_id=ids["emil"], slot=1, old_code="4", new_code="5",
                                  changed_by=ids["users"]["teacher"], changed_at=at("2026-11-14", "10:00"),
                                  reason="ошибка"))
        db.session.add(PeriodMarkChange(student_id=ids["emil"], course_id=ids["math5"], kind="period",
                                        period_id=ids["q2"], old_code="3", new_code="4",
                                        changed_by=ids["users"]["teacher"], changed_at=at("2026-11-20", "09:00")))
        db.session.commit()
    r = compute(app, mark_changes)
    assert [(x.changed_at.isoformat(), x.who, x.student, x.old, x.new) for x in r.lines] == [
        ("2026-11-20T09:00:00", "Абдураимова Э.", "Аблаев Эмиль", "3", "4"),
        ("2026-11-14T10:00:00", "Абдураимова Э.", "Аблаев Эмиль", "4", "5")]
    assert len(compute(app, mark_changes, **{"from": "2026-11-15", "to": "2026-11-30"}).lines) == 1
    auth.login("admin")
    page = client.get("/reports/mark_changes").get_data(as_text=True)
    assert "ошибка" in page and f'#c{school["l2"]}-{ids["emil"]}' in page
    sheet = load_workbook(io.BytesIO(client.get("/reports/mark_changes.xlsx").data)).worksheets[0]
    assert sheet["A4"].value == dt.datetime(2026, 11, 20, 9, 0) and [sheet["G5"].value, sheet["H5"].value] == ["4", "5"]


# ---------------------------------------------------------------- report 9: user activity, diary visits

def test_activity(app, client, auth, ids, school):
    from openpyxl import load_workbook

    from school.models import AuditEvent, DiaryView
    from school.reports import activity
    u = ids["users"]
    with app.app_context():
        for user, when in (("director", "2026-11-10"), ("parent", "2026-11-11"), ("parent", "2026-11-12"),
                           ("student", "2026-11-12"), ("parent", "2026-10-20")):  # October: another period
            db.session.add(AuditEvent(user_id=u[user], action="login", at=at(when, "08:00")))
        db.session.add(AuditEvent(user_id=u["parent"], action="logout", at=at("2026-11-12", "09:00")))
        week = dt.date(2026, 11, 9)
        for user, student, ack in (("parent", ids["emil"], True), ("parent", ids["lenur"], False),
                                   ("student", ids["emil"], False)):
            db.session.add(DiaryView(user_id=u[user], student_id=student, week_start=week,
                                     viewed_at=at("2026-11-12", "19:00"),
                                     acknowledged_at=at("2026-11-12", "19:01") if ack else None))
        db.session.commit()
    r = compute(app, activity)
    assert [(m.first.isoformat(), m.logins, {k: len(v) for k, v in m.users.items()}) for m in r.months] == [
        ("2026-11-01", {"staff": 1, "parent": 2, "student": 1}, {"staff": 1, "parent": 1, "student": 1})]
    visits = {c.label: (c.students, c.parent_visits, c.student_visits, c.acknowledged, c.families_seen)
              for c in r.classes}
    assert visits == {"1-А": (1, 0, 0, 0, 0), "5-А": (4, 1, 1, 1, 1), "6-А": (2, 1, 0, 0, 1)}
    auth.login("director")
    sheets = load_workbook(io.BytesIO(client.get("/reports/activity.xlsx").data)).worksheets
    assert [c.value for c in sheets[0][4]][1:] == [2, 2, 1, 1, 1, 1]  # the director's own login of this test too
    auth.logout()
    auth.login("teacher")  # a class teacher: their class's visits, not the school's logins
    page = client.get("/reports/activity").get_data(as_text=True)
    assert 'id="act-months"' not in page and f'id="act-{ids["class5"]}"' in page
    assert f'id="act-{ids["class6"]}"' not in page


# ---------------------------------------------------------------- screen, print, XLSX

def test_screen_print_and_xlsx_agree(app, client, auth, ids, school):
    from openpyxl import load_workbook
    auth.login("director")
    page = client.get("/reports/timeliness").get_data(as_text=True)
    assert '<dd id="t-on-time">6</dd>' in page and 'href="#late">5</a>' in page and "54,5" in page
    assert f'/journal/lessons/{school["l3"]}' in page  # the missing topic opens its lesson
    assert f'#c{school["l2"]}-{ids["other5"][0]}' in page  # the late mark opens its grid cell
    printed = client.get("/reports/timeliness/print").get_data(as_text=True)
    assert '<dd id="t-on-time">6</dd>' in printed and "Школа № 1" in printed and "<nav" not in printed
    r = client.get("/reports/timeliness.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(r.data))
    teachers = book.worksheets[0]
    rows = [[c.value for c in row] for row in teachers.iter_rows(min_row=4)]
    assert rows[0][:11] == ["Абдураимова Э.", 1, 1, 1, 1, 1, 2, 1, 1, 1, 0.5]
    assert rows[1][0] == "Иванова А." and rows[1][10] == 1
    late = [[c.value for c in row] for row in book.worksheets[2].iter_rows(min_row=4)]
    assert len(late) == 5 and all(isinstance(row[1], dt.datetime) for row in late)
    assert {row[7] for row in late} == {0, 1, 5, 7}

    results = client.get(f"/reports/results?period_id={ids['q2']}").get_data(as_text=True)
    assert "<svg" in results and "66,7" in results and "60,0" in results and "40,0" in results
    sheet = load_workbook(io.BytesIO(client.get(f"/reports/results.xlsx?period_id={ids['q2']}").data)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert values[0][:5] == ["5-А", 4, 3, 2, 1] and values[0][5] == pytest.approx(2 / 3)
    assert values[-1][1:5] == [6, 5, 3, 2] and values[-1][6] == pytest.approx(0.4)

    acc = load_workbook(io.BytesIO(client.get("/reports/accumulation.xlsx").data)).worksheets[0]
    assert [[c.value for c in row] for row in acc.iter_rows(min_row=4)] == [["5-А", 6, 1, 5], ["6-А", 2, 0, 2]]


def test_htmx_answers_the_report_alone(client, auth, school):
    auth.login("director")
    r = client.get("/reports/timeliness", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.get_data(as_text=True) and "HX-Request" in r.headers["Vary"]
    full = client.get("/reports/timeliness").get_data(as_text=True)
    assert 'hx-push-url="true"' in full and 'method="get"' in full


@pytest.mark.parametrize("report", ["timeliness", "accumulation", "results", "attendance",
                                    "unsatisfactory", "curriculum", "changes", "mark_changes", "activity"])
def test_access(client, auth, ids, report):
    for login, status in (("director", 200), ("admin", 200), ("secretary", 403), ("parent", 403),
                          ("student", 403)):
        auth.login(login)
        assert client.get(f"/reports/{report}").status_code == status, login
        assert client.get(f"/reports/{report}.xlsx").status_code == status, login
        auth.logout()
    auth.login("teacher")  # the class teacher of 5-А: their class, and no other
    page = client.get(f"/reports/{report}")
    assert page.status_code == 200 and '<option value="">' not in page.get_data(as_text=True).split("subject_id")[0]
    assert client.get(f"/reports/{report}?class_id={ids['class5']}").status_code == 200
    assert client.get(f"/reports/{report}?class_id={ids['class6']}").status_code == 404
    assert client.get(f"/reports/{report}/print?class_id={ids['class6']}").status_code == 404
    assert client.get("/reports/nonsense").status_code == 404


def test_bad_dates_are_a_clear_422(client, auth):
    auth.login("director")
    r = client.get("/reports/timeliness?from=2026-13-01&to=2026-11-30")
    assert r.status_code == 422 and "2026-13-01" in r.get_data(as_text=True)


# ---------------------------------------------------------------- the teacher's to-do

@pytest.fixture
def noon(monkeypatch):
    """The time of day pinned at noon (the homework deadline is counted in minutes)."""
    from school import clock
    monkeypatch.setattr(clock, "now", lambda: dt.datetime.combine(clock.today(), dt.time(12, 0)))


def test_todo_lists_what_is_owed_oldest_first(app, client, auth, ids, school, noon):
    from school.models import User
    from school.reports.todo import todo
    with app.app_context():
        u = ids["users"]
        test_kind = db.session.scalar(select(WorkKind.id).where(WorkKind.code == "test"))
        l3 = db.session.get(Lesson, school["l3"])
        l3.work_kind_id = test_kind  # a test on 17.11, no marks, due 20.11
        db.session.commit()
        mine = todo(u["teacher"], ids["year_id"])
        got = [(i.day.isoformat(), i.missing) for i in mine.lessons]
        # 17.11: topic, homework and the test's marks; 24.11 (today): the homework, due 9:45; 10.11 and 12.11 are
        # filled; 18.11 in 6-А is substituted: teacher2 owes its homework, not the course's teacher.
        assert got == [("2026-11-17", ["topic", "homework", "marks"]), ("2026-11-24", ["homework"])]
        sub = todo(u["teacher2"], ids["year_id"])
        assert [(i.day.isoformat(), i.class_label, i.missing) for i in sub.lessons] == [
            ("2026-11-18", "6-А", ["homework"])]
        # The class teacher of 5-А: Иванов's absence today (Н, no reason); Шевченко's on 12.11 too.
        assert [(a.day.isoformat(), a.student) for a in mine.absences] == [
            ("2026-11-12", "Шевченко Тарас"), ("2026-11-24", "Иванов Иван")]
        assert todo(u["director"], ids["year_id"]).lessons == []
        lesson_id = l3.id
    auth.login("teacher")
    home = client.get("/").get_data(as_text=True)
    assert 'id="todo"' in home and f"/journal/lessons/{lesson_id}" in home and "2026-W46" in home
    # The list empties as the teacher fills the register.
    with app.app_context():
        for les in db.session.scalars(select(Lesson).where(Lesson.course_id == ids["math5"])):
            les.topic, les.homework = les.topic or "Тема", les.homework or "§ 1"
        for a in db.session.scalars(select(Attendance)):
            a.reason, a.reason_by, a.reason_at = "ill", ids["users"]["teacher"], at("2026-11-24", "11:00")
        db.session.add(Mark(lesson_id=lesson_id, student_id=ids["emil"], slot=1, scale="five", code="5",
                            work_kind_id=test_kind, weight=Decimal(2), author_id=u["teacher"],
                            created_at=at("2026-11-24", "11:00"), updated_at=at("2026-11-24", "11:00")))
        db.session.commit()
        assert not todo(u["teacher"], ids["year_id"])
    home = client.get("/").get_data(as_text=True)
    assert 'id="todo"' in home and "todo-link" not in home


@pytest.mark.parametrize("now", ["2026-11-24 00:00:00", "2026-11-24 12:00:00", "2026-11-24 23:59:59",
                                 "2026-11-24 23:59:59.500000", "2026-12-01 08:00:00"])
@pytest.mark.parametrize("days", [0, 1, 3, 7])
def test_the_todos_deadline_cutoff_is_exactly_the_days_whose_deadline_passed(now, days):
    """todo() compares each lesson's day with last_day_past() instead of working out its deadline: the same days."""
    from school.reports.timeliness import end_of, last_day_past
    now = dt.datetime.fromisoformat(now)
    cutoff = last_day_past(now, days)
    for offset in range(-12, 3):
        day = now.date() + dt.timedelta(days=offset)
        assert (day <= cutoff) == (now > end_of(day, days)), (day, cutoff)


@pytest.mark.parametrize("language, subject", [("ru", "Математика"), ("crh", "Риязиет")])
def test_todo_names_the_subjects_in_the_teachers_language(app, client, auth, ids, school, noon, language, subject):
    from school.models import User
    with app.app_context():
        db.session.get(User, ids["users"]["teacher"]).language = language
        db.session.commit()
    auth.login("teacher")
    home = client.get("/").get_data(as_text=True)
    todo = home[home.index('id="todo"'):]
    todo = todo[:todo.index("</section>")]
    # Both of the teacher's owed lessons (mathematics, 5-А) and the absences of their class name the subject.
    assert todo.count(f"5-А · {subject}:") == 2 and f" · {subject}</a>" in todo, todo


def test_todo_not_for_families_nor_the_administration(client, auth):
    for login in ("parent", "student", "director", "secretary"):
        auth.login(login)
        assert 'id="todo"' not in client.get("/").get_data(as_text=True), login
        auth.logout()


# ---------------------------------------------------------------- the director's page

def test_director_page(app, client, auth, ids, school, monkeypatch):
    auth.login("director")
    page = client.get("/reports/overview").get_data(as_text=True)
    # Whole school, quarter 2: 6 of 11 entries on time; the teacher with 5 late or missing entries first.
    assert "54,5" in page and f"teacher_id={ids['users']['teacher']}" in page
    row = page.split(f'id="glance-{ids["class5"]}"')[1].split("</tr>")[0]
    assert "50,0" in row and "66,7" in row and "33,3" in row  # on time 5 of 10; results 2/3 and 1/3
    assert f"class_id={ids['class5']}" in row
    # Two weeks before the period's end the classes short of period marks are named: 5-А lacks Умерова's maths
    # and Шевченко's and Умерова's Russian .
    from school import clock
    assert 'class="todo-link" href="/reports/accumulation' not in page
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 12, 20))
    near = client.get("/reports/overview").get_data(as_text=True)
    link = f'/reports/accumulation?period_id={ids["q2"]}&amp;class_id={ids["class5"]}'
    assert f'class="todo-link" href="{link}">5-А' in near
    auth.logout()
    for login, status in (("teacher", 403), ("parent", 403), ("admin", 200)):
        auth.login(login)
        assert client.get("/reports/overview").status_code == status, login
        auth.logout()


def test_the_home_page_shows_the_oldest_of_a_long_todo_and_links_the_whole_list(app, client, auth, ids, school,
                                                                               noon, monkeypatch):
    from school.main import routes as main_routes
    from school.reports.todo import todo
    monkeypatch.setattr(main_routes, "TODO_ON_HOME", 1)  # the test school owes two lessons and two absences
    with app.app_context():
        owed = todo(ids["users"]["teacher"], ids["year_id"])
        first, last = owed.lessons[0], owed.lessons[-1]
        assert len(owed.lessons) == 2 and len(owed.absences) == 2
    auth.login("teacher")
    home = client.get("/").get_data(as_text=True)
    assert f"/journal/lessons/{first.lesson_id}" in home and f"/journal/lessons/{last.lesson_id}" not in home
    assert "Все 2 урока" in home and "Все 2 пропуска" in home and 'href="/todo"' in home
    whole = client.get("/todo").get_data(as_text=True)
    assert f"/journal/lessons/{first.lesson_id}" in whole and f"/journal/lessons/{last.lesson_id}" in whole
    assert "Иванов Иван" in whole and "Шевченко Тарас" in whole and "Все 2" not in whole
    auth.logout()
    auth.login("parent")
    assert client.get("/todo").status_code == 403


def test_a_teacher_who_leads_no_class_has_no_absences_read_for_their_todo(app, client, auth, ids, school, noon):
    """The class's absences without a reason are read for a class teacher only: a teacher who leads no class this
    year (the derived role the login's statement reads) is spared that statement on their home page and to-do,
    and still sees the lessons they owe; their class teacher sees the absences as before."""
    from school.models import SchoolClass
    from tests.conftest import statements_during
    with app.app_context():
        db.session.get(SchoolClass, ids["class6"]).class_teacher_id = ids["users"]["teacher"]
        db.session.commit()
        substituted = db.session.scalar(select(Lesson.id).where(Lesson.substitute_id == ids["users"]["teacher2"]))

    def absences_read(url: str) -> tuple[int, str]:
        seen, response = statements_during(app, lambda: client.get(url))
        assert response.status_code == 200
        return sum(1 for s in seen if "attendance.reason IS NULL" in s), response.get_data(as_text=True)

    auth.login("teacher2")
    for url in ("/", "/todo"):
        read, html = absences_read(url)
        assert read == 0, url
        assert f"/journal/lessons/{substituted}" in html, url  # the homework they owe for the lesson they took
    auth.logout()
    auth.login("teacher")
    read, html = absences_read("/todo")
    assert read == 1 and "Иванов Иван" in html
