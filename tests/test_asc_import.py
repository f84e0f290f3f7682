"""The timetable import from aSc Timetables 2012 XML: the parser (masks, weeks, names, hardened XML), the plan
(matches, courses, subgroups, slots), apply (all or nothing, idempotent, a later day ends the old slots), the
choices by hand, the web pages, the command line and who may use them.

The fixture tests/fixtures/asc_small.xml is a small school as aSc exports it: four classes (two in the register,
two new), English in two groups with a teacher and a room each, a joint physical education block of two classes
with two teachers, Crimean Tatar every other week (week A), a technology block without a room, a card with two
rooms, a lesson without a teacher, an unplaced card, a teacher with an apostrophe and one given only as "name"."""
from __future__ import annotations

import datetime as dt
import io
import re
import sys
import types
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from school.extensions import db

FIXTURE = Path(__file__).parent / "fixtures" / "asc_small.xml"
SMALL = FIXTURE.read_bytes()
TODAY = dt.date(2026, 11, 24)
TABLES = ("persons", "users", "staff_roles", "pending_staff_roles", "subjects", "classes", "subgroups", "courses",
          "timetable_slots", "lessons")

# aSc ids of the fixture
KOVAL = "6EE94A6C299E0C01"
ENGLISH = "0A1B2C3D4E5F6074"
PE = "0A1B2C3D4E5F6075"
CLASS_5A = "A625DA1900F2313E"

BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE timetable [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 10) for i in range(8))
        + b']>\n<timetable><subjects><subject id="1" name="&i;"/></subjects><lessons/></timetable>')
EXTERNAL = (b'<?xml version="1.0"?>\n<!DOCTYPE timetable [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            b'<timetable><subjects><subject id="1" name="&x;"/></subjects><lessons/></timetable>')


def counts() -> dict[str, int]:
    return {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


def plan_of(app, data: bytes = SMALL, **options):
    from school.imports import timetable

    with app.test_request_context():
        opts = timetable.parse_options(None)
        opts.update(options)
        return timetable.make_plan(data, opts)


def apply_file(app, data: bytes = SMALL, **options):
    from school.imports import timetable

    with app.test_request_context():
        opts = timetable.parse_options(None)
        opts.update(options)
        return timetable.apply(data, opts, file_name="asc.xml", digest="0" * 64, actor=None)


def upload(auth, data: bytes = SMALL, name: str = "Расписание 2026.xml"):
    return auth.post("/admin/import/", {"kind": "timetable", "file": (io.BytesIO(data), name)},
                     page="/admin/import/", content_type="multipart/form-data")


def timetable_options(run) -> dict:
    """What the run keeps besides the empty defaults."""
    from school.imports.timetable import parse_options

    return {k: v for k, v in parse_options(run.options).items() if v}


def run_id_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/runs/(\d+)", response.headers["Location"])[1])


def course_of(klass: str, subject: str, group: str | None = None):
    from school.models import Course, SchoolClass, Subgroup, Subject

    grade, letter = klass.split("-")
    stmt = (select(Course).join(SchoolClass, SchoolClass.id == Course.class_id)
            .join(Subject, Subject.id == Course.subject_id)
            .where(SchoolClass.grade == int(grade), SchoolClass.letter == letter, Subject.name_ru == subject))
    if group:
        stmt = stmt.join(Subgroup, Subgroup.id == Course.subgroup_id).where(Subgroup.name == group)
    else:
        stmt = stmt.where(Course.subgroup_id.is_(None))
    return db.session.scalars(stmt).one()


def slots_of(course, open_only: bool = True) -> set[tuple]:
    from school.models import TimetableSlot

    stmt = select(TimetableSlot).where(TimetableSlot.course_id == course.id)
    if open_only:
        stmt = stmt.where(TimetableSlot.valid_to.is_(None))
    return {(s.weekday, s.lesson_number, s.weeks, s.room, s.joint) for s in db.session.scalars(stmt)}


# ------------------------------------------------------------------------------------------------ the parser

@pytest.mark.parametrize("masks, weeks", [("10,01", "every"), ("11", "every"), ("1", "every"), ("", "every"),
                                          ("10", "A"), ("01", "B"), ("100", None), ("010,001", None),
                                          ("1x", None)])
def test_weeks_masks(masks, weeks):
    from school.imports.asc import weeks_of

    assert weeks_of(masks) == weeks


@pytest.mark.parametrize("mask, days", [("10000", [1]), ("00001", [5]), ("0000001", [7]), ("01010", [2, 4]),
                                        ("", None), ("000000001", None), ("1a000", None)])
def test_day_masks(mask, days):
    from school.imports.asc import weekdays_of

    assert weekdays_of(mask) == days


def test_the_fixture_parses_as_aSc_writes_it(app):
    from school.imports.asc import parse

    with app.test_request_context():
        asc = parse(SMALL)
    assert asc.version == "2021.6.2"
    assert len(asc.lessons) == 12 and len(asc.cards) == 34
    danzhelo = next(t for t in asc.teachers.values() if t.surname == "Д'Анжело")
    assert (danzhelo.name, danzhelo.patronymic, danzhelo.email) == ("Лилия", "Сергеевна", "danzhelo@school.test")
    mamutov = next(t for t in asc.teachers.values() if t.short == "МЭР")   # only `name` is filled in
    assert (mamutov.surname, mamutov.name, mamutov.patronymic) == ("Мамутов", "Эрвин", "Рефатович")
    ivanova = next(t for t in asc.teachers.values() if t.surname == "Иванова")
    assert ivanova.name == "А."
    english = asc.lessons[ENGLISH]
    assert len(english.teacher_ids) == 2 and len(english.group_ids) == 2
    assert asc.lessons[PE].periods_per_card == 2
    assert asc.lessons["0A1B2C3D4E5F6077"].periods_per_week == Decimal("0.5")
    assert asc.classrooms["A0402F8BECD7C881"] == "Кабинет информатики №2"    # no short name: the name
    unplaced = [c for c in asc.cards if c.period is None]
    assert len(unplaced) == 1 and unplaced[0].weekdays == []


def test_a_windows_1251_export_is_read(app):
    from school.imports.asc import parse

    data = SMALL.decode().replace('encoding="UTF-8"', 'encoding="windows-1251"').encode("cp1251")
    with app.test_request_context():
        asc = parse(data)
    assert any(t.surname == "Д'Анжело" for t in asc.teachers.values())


@pytest.mark.parametrize("data, words", [
    (BOMB, "XML-бомба"),
    (EXTERNAL, "внешняя сущность"),
    (b"<timetable><lessons><lesson id='1'></timetable>", "не является правильным XML"),
    (b"\xff\xfe\x00garbage", "не является правильным XML"),
    (b"<?xml version='1.0'?><workbook><sheet/></workbook>", "корневой элемент не <timetable>"),
    (b"<timetable ascttversion='2021'><teachers/></timetable>", "нет ни уроков, ни карточек"),
])
def test_a_malformed_or_dangerous_file_is_refused_with_a_clear_message(app, data, words):
    from school.imports.asc import parse
    from school.imports.readers import FileRefused

    with app.test_request_context(), pytest.raises(FileRefused, match=words):
        parse(data)


def test_the_bomb_is_refused_before_anything_is_expanded(app):
    """The refusal comes from the DTD itself: even a bomb of a billion expansions answers at once."""
    import time

    from school.imports.asc import parse
    from school.imports.readers import FileRefused

    big = BOMB.replace(b"aaaaaaaaaa", b"a" * 1000)
    started = time.perf_counter()
    with app.test_request_context(), pytest.raises(FileRefused):
        parse(big)
    assert time.perf_counter() - started < 1


# ------------------------------------------------------------------------------------------------ the plan

def test_the_preview_shows_matches_and_new_records(app):
    plan = plan_of(app)
    assert not plan.has_errors and plan.valid_from == TODAY   # the year has begun: today
    teachers = {m.label.split(" (")[0]: (m.outcome, m.existing) for m in plan.teachers}
    assert teachers == {
        "Абдураимова Эльмира": ("matched", "Абдураимова Эльмира"),
        "Иванова А.": ("matched", "Иванова Анна"),               # surname and initials
        "Д'Анжело Лилия Сергеевна": ("new", ""),
        "Коваль Ольга": ("new", ""),
        "Мамутов Эрвин Рефатович": ("new", ""),
    }
    subjects = {m.label.split(" (")[0]: m.outcome for m in plan.subjects}
    assert subjects == {"Математика": "matched", "Русский язык": "matched", "Английский язык": "new",
                        "Физическая культура": "new", "Крымскотатарский язык": "new", "Информатика": "new",
                        "Технология": "new"}
    classes = {m.label: (m.outcome, m.existing) for m in plan.classes}
    assert classes == {"5-А": ("matched", "5-А"), "6А": ("matched", "6-А"), "5 Б": ("new", "5-Б"),
                       "10-Б": ("new", "10-Б")}
    assert plan.subgroups_new == ["10-Б · Информатика · 1 группа", "10-Б · Информатика · 2 группа",
                                  "5-А · Английский язык · 1 группа", "5-А · Английский язык · 2 группа"]
    courses = {c.label: c for c in plan.courses}
    assert len(courses) == 13
    assert courses["5-А · Математика"].outcome == "updated"       # its Tuesday slot stays, four are new
    assert (courses["5-А · Математика"].slots_kept, courses["5-А · Математика"].slots_new) == (1, 4)
    assert courses["5-Б · Крымскотатарский язык"].hours == Decimal("0.5")
    notes = "\n".join(plan.not_imported)
    assert "Абибуллаев Сейран не импортированы (курс ведёт Мамутов Эрвин Рефатович)" in notes
    assert "кабинеты 12 не импортированы (в расписании — Спортзал)" in notes
    assert "Классный час 5-А: в файле нет учителя" in notes
    assert "1 карточка не размещена" in notes
    assert "2 учителя из файла не ведут своего курса" in notes      # Петренко; Абибуллаев has no course


def test_an_unknown_year_day_and_ambiguous_names_are_errors(app):
    from school.models import Person, StaffRole, User

    plan = plan_of(app, valid_from=dt.date(2027, 9, 1))
    assert plan.has_errors and "в пределах учебного года" in plan.problems[0]
    with app.app_context():
        twin = User(person=Person(surname="Абдураимова", name="Эльмира"), username="twin", password_hash="!")
        twin.roles.append(StaffRole(role="teacher"))
        db.session.add(twin)
        db.session.commit()
    plan = plan_of(app)
    twin_row = next(m for m in plan.teachers if m.label.startswith("Абдураимова"))
    assert twin_row.outcome == "error" and "выберите одного вручную" in twin_row.problems[0]
    assert plan.has_errors


# ------------------------------------------------------------------------------------------------ apply

def test_apply_writes_every_class_teacher_subgroup_course_and_slot(app):
    from school.models import (ImportRun, Person, SchoolClass, StaffRole, Subgroup, Subject, TimetableSlot,
                               User)

    with app.app_context():
        before = counts()
    plan, run, changed = apply_file(app)
    with app.app_context():
        after = counts()
        assert after["persons"] - before["persons"] == 3 and after["users"] - before["users"] == 3
        assert after["subjects"] - before["subjects"] == 5
        assert after["classes"] - before["classes"] == 2
        assert after["subgroups"] - before["subgroups"] == 4
        assert after["courses"] - before["courses"] == 10
        assert after["lessons"] == before["lessons"]          # no generator on main yet: lessons untouched
        assert after["pending_staff_roles"] == before["pending_staff_roles"]
        # New teachers: a person, a login without a usable password, the teacher role.
        danzhelo = db.session.scalars(select(User).join(Person).where(Person.surname == "Д'Анжело")).one()
        assert (danzhelo.person.name, danzhelo.person.patronymic, danzhelo.person.email) == (
            "Лилия", "Сергеевна", "danzhelo@school.test")
        assert danzhelo.username == "danzhelo.liliya" and danzhelo.staff_roles == {"teacher"}
        assert danzhelo.must_change_password
        from school.passwords import verify_password
        assert not verify_password(danzhelo.password_hash, "")
        koval = db.session.scalars(select(Person).where(Person.surname == "Коваль")).one()
        assert koval.email is None                              # "не указан" is not an address
        mamutov = db.session.scalars(select(User).join(Person).where(Person.surname == "Мамутов")).one()
        assert mamutov.person.patronymic == "Рефатович"
        # New classes: the grade's period scheme, the class teacher from the file.
        c5b = db.session.scalars(select(SchoolClass).where(SchoolClass.grade == 5, SchoolClass.letter == "Б")).one()
        c10 = db.session.scalars(select(SchoolClass).where(SchoolClass.grade == 10)).one()
        assert (c5b.period_scheme, c10.period_scheme) == ("quarters", "halves")
        assert c5b.class_teacher_id == danzhelo.id
        assert db.session.scalar(select(Subject.short).where(Subject.name_ru == "Технология")) == "Технология"
        assert db.session.scalar(select(Subject.name_crh).where(Subject.name_ru == "Информатика")) == "Информатика"
        # English: one course per group, its teacher and its room in order; weeks A and B.
        en1 = course_of("5-А", "Английский язык", "1 группа")
        en2 = course_of("5-А", "Английский язык", "2 группа")
        assert en1.teacher_id == danzhelo.id and en2.teacher.person.surname == "Коваль"
        assert slots_of(en1) == {(1, 3, "every", "Линг.", None), (3, 3, "A", "Линг.", None),
                                 (3, 4, "B", "Линг.", None), (5, 2, "every", "Линг.", None)}
        assert {s[3] for s in slots_of(en2)} == {"21"}
        assert en1.hours_per_week == Decimal(3)
        # Physical education: a joint block of two classes, one teacher, the first room, the aSc lesson as joint.
        pe_a, pe_b = course_of("5-А", "Физическая культура"), course_of("5-Б", "Физическая культура")
        assert slots_of(pe_a) == slots_of(pe_b) == {(4, 5, "every", "Спортзал", PE), (4, 6, "every", "Спортзал", PE)}
        assert pe_a.teacher_id == pe_b.teacher_id == mamutov.id
        # Week A only, half an hour a week; a block without a room; an empty `weeks` takes the lesson's weeksdef.
        crh = course_of("5-Б", "Крымскотатарский язык")
        assert slots_of(crh) == {(5, 4, "A", None, None)} and crh.hours_per_week == Decimal("0.5")
        assert slots_of(course_of("10-Б", "Технология")) == {(5, 5, "every", None, None), (5, 6, "every", None, None)}
        assert (3, 1, "every", "12", None) in slots_of(course_of("10-Б", "Русский язык"))
        assert {s[3] for s in slots_of(course_of("10-Б", "Информатика", "1 группа"))} == {"Кабинет информатики"}
        # The register's own course keeps its slot from September and gets the new ones from today.
        m5 = course_of("5-А", "Математика")
        days = {(s.weekday, s.lesson_number): s.valid_from for s in
                db.session.scalars(select(TimetableSlot).where(TimetableSlot.course_id == m5.id))}
        assert days == {(2, 1): dt.date(2026, 9, 1), (1, 1): TODAY, (3, 2): TODAY, (4, 1): TODAY, (5, 3): TODAY}
        assert course_of("5-А", "Русский язык").teacher.username == "teacher2"      # Иванова А.
        assert db.session.scalar(select(func.count()).select_from(Subgroup)) == 4
        assert db.session.get(ImportRun, run.id).state == "applied" and run.kind == "timetable"
        assert set(changed) >= {m5.id, en1.id, pe_a.id}
        from school.models import AuditEvent
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "import_applied")) == 1


def test_importing_twice_changes_nothing(app):
    from school.models import TimetableSlot

    apply_file(app)
    with app.app_context():
        before = counts()
        slots = db.session.execute(select(TimetableSlot.id, TimetableSlot.valid_from, TimetableSlot.valid_to,
                                          TimetableSlot.room)).all()
    plan = plan_of(app)
    assert plan.unchanged and all(m.outcome == "matched" for m in plan.matches)
    assert {c.outcome for c in plan.courses} == {"unchanged"}
    plan, _run, changed = apply_file(app)
    assert changed == []
    with app.app_context():
        assert counts() == before
        assert db.session.execute(select(TimetableSlot.id, TimetableSlot.valid_from, TimetableSlot.valid_to,
                                         TimetableSlot.room)).all() == slots


def moved(data: bytes) -> bytes:
    """The same school after a change: 5-А's Monday mathematics moves from lesson 1 to lesson 6 and 10-Б's
    Russian is gone from the timetable."""
    text_ = data.decode()
    text_ = text_.replace('<card lessonid="0A1B2C3D4E5F6071" classroomids="A15E20D77C992831" period="1" weeks="11" '
                          'terms="1" days="10000"/>',
                          '<card lessonid="0A1B2C3D4E5F6071" classroomids="A15E20D77C992831" period="6" weeks="11" '
                          'terms="1" days="10000"/>')
    text_ = re.sub(r'\s*<lesson id="0A1B2C3D4E5F607B"[^>]*/>', "", text_)
    return text_.encode()


def test_a_later_day_ends_the_old_slots_the_day_before_and_keeps_the_rest(app):
    from school.models import Lesson, TimetableSlot

    apply_file(app)
    later = dt.date(2026, 12, 7)
    plan = plan_of(app, moved(SMALL), valid_from=later)
    rows = {c.label: c for c in plan.courses}
    assert rows["5-А · Математика"].slots_ended == 1 and rows["5-А · Математика"].slots_new == 1
    assert rows["10-Б · Русский язык"].outcome == "updated" and rows["10-Б · Русский язык"].slots_ended == 4 - 1
    assert "нет в файле" in rows["10-Б · Русский язык"].changes
    assert rows["6-А · Математика"].outcome == "unchanged"
    with app.app_context():
        lessons_before = db.session.execute(select(Lesson.id, Lesson.day, Lesson.topic)).all()
    apply_file(app, moved(SMALL), valid_from=later)
    with app.app_context():
        m5 = course_of("5-А", "Математика")
        monday = {(s.lesson_number, s.valid_from, s.valid_to) for s in db.session.scalars(
            select(TimetableSlot).where(TimetableSlot.course_id == m5.id, TimetableSlot.weekday == 1))}
        assert monday == {(1, TODAY, dt.date(2026, 12, 6)), (6, later, None)}
        rus10 = course_of("10-Б", "Русский язык")
        assert slots_of(rus10) == set()
        assert {s.valid_to for s in db.session.scalars(select(TimetableSlot).where(
            TimetableSlot.course_id == rus10.id))} == {dt.date(2026, 12, 6)}
        # Lessons before the day stay as they were (the generator makes those from the day on).
        assert db.session.execute(select(Lesson.id, Lesson.day, Lesson.topic)).all() == lessons_before
    assert plan_of(app, moved(SMALL), valid_from=later).unchanged


def test_the_same_day_again_replaces_the_slots_it_made(app):
    """A slot that starts on the chosen day is removed, not ended the day before its start."""
    from school.models import TimetableSlot

    apply_file(app)
    apply_file(app, moved(SMALL))
    with app.app_context():
        m5 = course_of("5-А", "Математика")
        monday = {(s.lesson_number, s.valid_from, s.valid_to) for s in db.session.scalars(
            select(TimetableSlot).where(TimetableSlot.course_id == m5.id, TimetableSlot.weekday == 1))}
        assert monday == {(6, TODAY, None)}


def test_a_plan_with_an_error_writes_nothing_and_leaves_a_refused_run(app):
    from school.imports.timetable import TimetableRefused
    from school.models import ImportRun

    broken = SMALL.replace(b'name="10-\xd0\x91" short="10-\xd0\x91"', b'name="Inclusive" short="Incl"')
    with app.app_context():
        before = counts()
    with pytest.raises(TimetableRefused) as refused:
        apply_file(app, broken)
    assert any(m.outcome == "error" and m.label == "Inclusive" for m in refused.value.plan.classes)
    with app.app_context():
        assert counts() == before
        assert db.session.get(ImportRun, refused.value.run.id).state == "refused"


def test_only_an_administrator_writes(app):
    from school.imports import timetable
    from school.models import User

    with app.test_request_context():
        teacher = db.session.scalars(select(User).where(User.username == "teacher")).one()
        with pytest.raises(PermissionError):
            timetable.apply(SMALL, timetable.parse_options(None), file_name="a.xml", digest="0" * 64, actor=teacher)


def test_the_generator_is_called_for_the_changed_courses_from_the_day(app, monkeypatch):
    from school.imports import timetable

    calls = []
    fake = types.ModuleType("school.register.timetable")
    fake.generate = lambda actor, year_id, since=None, course_ids=None: calls.append(
        (actor, year_id, since, sorted(course_ids))) or types.SimpleNamespace(created=7, removed=0, kept=[])
    monkeypatch.setitem(sys.modules, "school.register.timetable", fake)
    plan, _run, changed = apply_file(app)
    with app.app_context():
        made = timetable.generate_lessons(None, plan.year.id, plan.valid_from, changed)
    assert made.created == 7 and calls == [(None, plan.year.id, TODAY, sorted(changed))]
    with app.app_context():
        assert timetable.generate_lessons(None, plan.year.id, plan.valid_from, []) is None


# ------------------------------------------------------------------------------------------------ web

def test_upload_preview_choose_by_hand_and_confirm(app, client, auth, ids):
    from school.models import Course, ImportRun, Person

    auth.login("admin")
    run_id = run_id_of(upload(auth))
    page = client.get(f"/admin/import/runs/{run_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Д&#39;Анжело Лилия Сергеевна" in html and 'name="teacher-' + KOVAL in html
    with app.app_context():
        assert db.session.get(ImportRun, run_id).state == "previewed"
        before = counts()
    # Коваль is Иванова in this school's register; and the slots hold from 1 December.
    r = auth.post(f"/admin/import/runs/{run_id}/choices",
                  {"valid_from": "2026-12-01", f"teacher-{KOVAL}": str(ids["users"]["teacher2"])},
                  page=f"/admin/import/runs/{run_id}")
    assert r.status_code == 303
    html = client.get(f"/admin/import/runs/{run_id}").get_data(as_text=True)
    assert re.search(r'<option value="%d" selected>' % ids["users"]["teacher2"], html)
    with app.app_context():
        assert counts() == before                                   # choosing writes only the run's options
    r = auth.post(f"/admin/import/runs/{run_id}/apply", page=f"/admin/import/runs/{run_id}")
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.get(ImportRun, run_id).state == "applied"
        assert not db.session.scalar(select(func.count()).select_from(Person).where(Person.surname == "Коваль"))
        en2 = course_of("5-А", "Английский язык", "2 группа")
        assert en2.teacher_id == ids["users"]["teacher2"]
        assert course_of("10-Б", "Технология").teacher_id == ids["users"]["teacher2"]
        from school.models import TimetableSlot
        assert {s.valid_from for s in db.session.scalars(select(TimetableSlot).where(
            TimetableSlot.course_id == en2.id))} == {dt.date(2026, 12, 1)}
        assert db.session.get(Course, ids["math5"]).hours_per_week == Decimal(5)
    assert client.get(f"/admin/import/runs/{run_id}").status_code == 200
    # The same file again: the preview says nothing would change and offers no button.
    again = run_id_of(upload(auth))
    html = client.get(f"/admin/import/runs/{again}").get_data(as_text=True)
    assert f"/admin/import/runs/{again}/apply" not in html


def test_a_wrong_choice_or_day_is_refused_with_422(app, client, auth, ids):
    auth.login("admin")
    run_id = run_id_of(upload(auth))
    page = f"/admin/import/runs/{run_id}"
    r = auth.post(f"{page}/choices", {"valid_from": "2026-12-01", f"teacher-{KOVAL}": "99999"}, page=page)
    assert r.status_code == 422
    r = auth.post(f"{page}/choices", {"valid_from": "2027-09-01"}, page=page)
    assert r.status_code == 422
    r = auth.post(f"{page}/choices", {"valid_from": "", f"class-{CLASS_5A}": str(ids["class6"])}, page=page)
    assert r.status_code == 422
    from school.models import ImportRun
    with app.app_context():
        assert timetable_options(db.session.get(ImportRun, run_id)) == {}


@pytest.mark.parametrize("data, name", [(BOMB, "bomb.xml"), (EXTERNAL, "x.xml"), (b"<timetable>", "broken.xml"),
                                        (SMALL, "timetable.xlsx")])
def test_a_dangerous_or_wrong_upload_is_refused_and_not_kept(app, auth, data, name):
    from school.models import ImportRun

    auth.login("admin")
    r = upload(auth, data, name)
    assert r.status_code == 422 and 'role="alert"' in r.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalar(select(func.count()).select_from(ImportRun))


def test_an_upload_over_the_size_limit_is_refused(app, auth):
    app.config["IMPORT_MAX_BYTES"] = 4096
    auth.login("admin")
    r = upload(auth)
    assert r.status_code == 422


@pytest.mark.parametrize("who", ["teacher", "director", "secretary", "parent"])
def test_only_the_administrator_imports_a_timetable(app, client, auth, who):
    auth.login("admin")
    run_id = run_id_of(upload(auth))
    auth.logout()
    auth.login(who)
    assert client.get(f"/admin/import/runs/{run_id}").status_code == 403
    r = auth.post(f"/admin/import/runs/{run_id}/choices", {"valid_from": "2026-12-01"})
    assert r.status_code == 403
    assert auth.post(f"/admin/import/runs/{run_id}/apply").status_code == 403


# ------------------------------------------------------------------------------------------------ CLI

def test_cli_preview_then_confirm_then_nothing_to_change(app, runner, tmp_path):
    path = tmp_path / "asc.xml"
    path.write_bytes(SMALL)
    with app.app_context():
        before = counts()
    r = runner.invoke(args=["school", "--lang", "ru", "import", "timetable", str(path)])
    assert r.exit_code == 0, r.output
    assert "Д'Анжело Лилия Сергеевна" in r.output and "--confirm" in r.output
    with app.app_context():
        assert counts() == before
    r = runner.invoke(args=["school", "import", "timetable", str(path), "--from", "2026-12-01", "--confirm"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert counts()["courses"] == before["courses"] + 10
    r = runner.invoke(args=["school", "--lang", "uk", "import", "timetable", str(path), "--from", "2026-12-01"])
    assert r.exit_code == 0 and "імпорт нічого не змінить" in r.output


def test_cli_map_by_hand_and_refusals(app, runner, tmp_path, ids):
    path = tmp_path / "asc.xml"
    path.write_bytes(SMALL.replace(b'name="10-\xd0\x91" short="10-\xd0\x91"', b'name="Inclusive" short="Incl"'))
    r = runner.invoke(args=["school", "--lang", "ru", "import", "timetable", str(path), "--confirm"])
    assert r.exit_code == 1 and "выберите класс вручную" in r.output
    r = runner.invoke(args=["school", "--lang", "crh", "import", "timetable", str(path), "--confirm",
                            "--map", f"class:D52EE29D8E4AE732={ids['class6']}"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert course_of("6-А", "Технология").hours_per_week == Decimal(2)
    bomb = tmp_path / "bomb.xml"
    bomb.write_bytes(BOMB)
    r = runner.invoke(args=["school", "--lang", "ru", "import", "timetable", str(bomb)])
    assert r.exit_code == 1 and "XML-бомба" in r.output
    r = runner.invoke(args=["school", "import", "timetable", str(path), "--map", "room:1=2"])
    assert r.exit_code == 2


def test_a_generated_export_previews_and_writes_without_errors(app):
    """The bench's generator (tests/asc_files.py) writes what the import reads: every shape of lesson."""
    from tests.asc_files import export

    data = export(classes=8, lessons=80, teachers=12)
    assert data.count(b"<card ") == 160
    plan = plan_of(app, data)
    assert not plan.has_errors, [m.problems for m in plan.matches if m.problems]
    assert len(plan.classes) == 8 and any(c.slots_new for c in plan.courses)
    apply_file(app, data)
    assert plan_of(app, data).unchanged


def test_without_a_current_year_the_plan_says_so(app, monkeypatch):
    monkeypatch.setenv("DEFTER_TODAY", "2030-01-15")
    plan = plan_of(app)
    assert plan.has_errors and not plan.courses and plan.year is None
    assert plan.problems == ["Нет учебного года, в который входит сегодняшний день: сначала настройте год."]


def test_a_stored_day_outside_the_year_is_shown_and_the_choices_survive_a_new_day(app, client, auth, ids):
    """The year changed under a kept preview: the page explains, offers no button, and choosing a new day keeps
    the matches chosen before (the preview could not show their selects)."""
    from school.imports.timetable import dump_options
    from school.models import ImportRun

    auth.login("admin")
    run_id = run_id_of(upload(auth))
    with app.app_context():
        db.session.get(ImportRun, run_id).options = dump_options(dt.date(2025, 1, 1),
                                                                 {"teacher": {KOVAL: ids["users"]["teacher2"]}})
        db.session.commit()
    page = client.get(f"/admin/import/runs/{run_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "должен быть в пределах учебного года" in html
    assert f"/admin/import/runs/{run_id}/apply" not in html
    r = auth.post(f"/admin/import/runs/{run_id}/choices", {"valid_from": "2026-12-01"},
                  page=f"/admin/import/runs/{run_id}")
    assert r.status_code == 303
    with app.app_context():
        kept = timetable_options(db.session.get(ImportRun, run_id))
    assert kept == {"valid_from": dt.date(2026, 12, 1), "teacher": {KOVAL: ids["users"]["teacher2"]}}
