"""Imports from the school's own files: readers per format, the plan (preview), apply (all or nothing, idempotent),
refusals (not what it claims, too large, zip and XML bombs), the web pages and the CLI."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from school.extensions import db
from tests.imports_files import CONTENT, FORMATS, csv_bytes, ods, replace_member, xlsx

HEADER = ["Класс", "Фамилия", "Имя", "Отчество", "Дата народження", "Телефон", "Эл. почта",
          "Родитель 1: фамилия", "Родитель 1: имя", "Родитель 1: отчество", "Родитель 1: телефон",
          "Родитель 1: эл. почта", "Родитель 1: кем приходится",
          "Родитель 2: фамилия", "Родитель 2: имя", "Родитель 2: отчество", "Родитель 2: телефон",
          "Родитель 2: эл. почта", "Родитель 2: кем приходится", "Способ получения", "Statement language"]
GOOD = [
    ["5-А", "Петров", "Олег", "Ильич", "01.09.2015", "", "", "Петрова", "Анна", "Сергеевна", "+7 978 111-22-33", "",
     "мать"],
    ["6-А", "Петрова", "Ира", "Ильинична", "2014-03-02", "", "", "Петрова", "Анна", "Сергеевна", "+7 978 111-22-33",
     "", "мама", "Петров", "Илья", "Олегович", "", "", "отец"],
    ["1-А", "Шевчук", "Мар'яна", "", "42248", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
     "на папері", "uk"],
    ["5A", "Сейтов", "Эмир", "=1+2", "10.10.2015"],
]
BAD = [
    ["9-Я", "Неизвестный", "Класс", "", "01.01.2015"],
    ["5-А", "Бадов", "Иван", "", "31.02.2015"],
    ["5-А", "Петров", "Олег", "Ильич", "01.09.2015"],
    ["", "", "", "", "", "", "", "Сидорова", "Ольга"],
]

TABLES = ("persons", "students", "enrolments", "guardianships", "classes", "pending_staff_roles", "staff_roles")


def counts() -> dict[str, int]:
    from sqlalchemy import text
    return {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


def upload(auth, kind: str, name: str, data: bytes):
    return auth.post("/admin/import/", {"kind": kind, "file": (io.BytesIO(data), name)},
                     page="/admin/import/", content_type="multipart/form-data")


def run_id_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/runs/(\d+)", response.headers["Location"])[1])


# ------------------------------------------------------------------------------------------------ readers

@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_format_reads_the_same_rows(app, fmt):
    from school.imports.readers import read_rows

    name, make = FORMATS[fmt]
    with app.app_context():
        rows = read_rows(name, make([HEADER, *GOOD]))
    assert rows[0] == HEADER
    assert rows[1][:5] == ["5-А", "Петров", "Олег", "Ильич", "01.09.2015"]
    assert rows[3][2] == "Мар'яна" and rows[3][-1] == "uk"
    assert rows[4][3] == "=1+2"  # as typed, never evaluated


def test_csv_separator_and_encoding_detected(app):
    from school.imports.readers import read_rows

    with app.app_context():
        # Windows-1251 bytes are not UTF-8; one column only: the header decides the separator.
        assert read_rows("a.csv", "Класс;Фамилия\r\n5-А;Щукин\r\n".encode("cp1251")) == [["Класс", "Фамилия"],
                                                                                         ["5-А", "Щукин"]]
        assert read_rows("a.csv", "Класс,Фамилия\n5-А,\"Щукин, мл.\"\n".encode()) == [["Класс", "Фамилия"],
                                                                                    ["5-А", "Щукин, мл."]]
        assert read_rows("a.csv", b"\xef\xbb\xbf" + "Фамилия\nЩукин\n".encode()) == [["Фамилия"], ["Щукин"]]


def test_xlsx_formula_cell_is_never_evaluated(app):
    from school.imports.readers import read_rows

    with app.app_context():
        rows = read_rows("f.xlsx", xlsx([["Фамилия", "Имя"], ["=1+2", "=HYPERLINK(\"http://x\")"]],
                                        text_cells=False))
    # A real formula gives only the value a spreadsheet program stored (none here): never the computed 3.
    assert rows[1:] == [] or "3" not in rows[1]


@pytest.mark.parametrize("name, data, words", [
    ("list.xlsx", b"PK\x03\x04" + b"\x00" * 100, "не то, чем назван"),
    ("list.xlsx", csv_bytes([["a"]]), "не то, чем назван"),
    ("list.ods", xlsx([["a"]]), "не то, чем назван"),
    ("list.csv", xlsx([["a"]]), "не то, чем назван"),
    ("list.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "только файлы XLSX, ODS и CSV"),
    ("list.xlsx", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "старый файл Excel"),
    ("list.doc", b"hello", "только файлы XLSX, ODS и CSV"),
])
def test_a_file_that_is_not_what_it_claims_is_refused(app, name, data, words):
    from school.imports.readers import FileRefused, read_rows

    with app.app_context(), pytest.raises(FileRefused, match=words):
        read_rows(name, data)


def test_a_zip_that_is_not_a_spreadsheet_is_refused(app):
    from school.imports.readers import FileRefused, read_rows

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
        z.writestr("[Content_Types].xml", "<Types/>")
    with app.app_context(), pytest.raises(FileRefused, match="не то, чем назван"):
        read_rows("list.xlsx", out.getvalue())


DTD = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;">'
       b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;">]>')
BOMB = DTD + (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')


def test_an_xml_bomb_inside_an_xlsx_is_refused(app):
    from school.imports.readers import FileRefused, read_rows

    from school.imports.readers import _xlsx_rows

    good = xlsx([["Фамилия"], ["Петров"]])
    bomb = replace_member(good, "xl/worksheets/sheet1.xml", BOMB)
    with app.app_context(), pytest.raises(FileRefused, match="DOCTYPE"):
        read_rows("list.xlsx", bomb)
    # Behind the check, openpyxl parses with defusedxml and refuses it too.
    with app.app_context(), pytest.raises(FileRefused, match="DOCTYPE"):
        _xlsx_rows(bomb)


def test_an_xml_bomb_inside_an_ods_is_refused(app):
    from school.imports.readers import FileRefused, read_rows

    bomb = ods([["a"]], content=(DTD + CONTENT.format(rows="<table:table-row><table:table-cell><text:p>&lol2;"
                                                        "</text:p></table:table-cell></table:table-row>")
                                 .split("?>", 1)[1].encode()).decode())
    with app.app_context(), pytest.raises(FileRefused, match="DOCTYPE"):
        read_rows("list.ods", bomb)


def test_a_zip_bomb_is_refused_before_parsing(app):
    from school.imports.readers import FileRefused, Limits, read_rows

    padded = replace_member(xlsx([["Фамилия"]]), "", b"", extra={"xl/media/pad.bin": b"\0" * (3 * 1024 * 1024)})
    assert len(padded) < 100 * 1024
    with app.app_context():
        with pytest.raises(FileRefused, match="больше чем в 2 МБ"):
            read_rows("list.xlsx", padded, Limits(max_bytes=5 * 1024 * 1024, max_unpacked_bytes=2 * 1024 * 1024))
        assert read_rows("list.xlsx", padded) == [["Фамилия"]]   # under the default 50 MB


def test_a_file_over_the_limit_is_refused(app):
    from school.imports.readers import FileRefused, Limits, read_rows

    with app.app_context(), pytest.raises(FileRefused, match="больше 1 МБ"):
        read_rows("a.csv", b"x" * (1024 * 1024 + 1), Limits(max_bytes=1024 * 1024, max_unpacked_bytes=10_000))


@pytest.mark.parametrize("text, day", [("01.09.2015", dt.date(2015, 9, 1)), ("1.9.2015", dt.date(2015, 9, 1)),
                                       ("2015-09-01", dt.date(2015, 9, 1)), ("42248", dt.date(2015, 9, 1)),
                                       ("42248.0", dt.date(2015, 9, 1)), ("2015-09-01 00:00:00", dt.date(2015, 9, 1))])
def test_dates_as_schools_write_them(text, day):
    from school.imports.values import parse_date

    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["31.02.2015", "2015/13/01", "завтра", "09.2015", "0", "99999"])
def test_not_a_date(text):
    from school.imports.values import parse_date

    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("headers", [
    ["Клас", "Прізвище", "Ім'я", "По батькові", "Дата народження"],
    ["Сыныф", "Сойады", "Ады", "Ата ады", "Догъгъан тарихы"],
    ["Class", "Surname", "Name", "Patronymic", "Birth date"],
    ["КЛАСС", " фамилия ", "Имя:", "отчество", "Дата рождения"],
])
def test_headers_in_every_language(headers):
    from school.imports.columns import read_header

    header = read_header("people", headers)
    assert header.columns == {"class": 0, "surname": 1, "name": 2, "patronymic": 3, "birth_date": 4}
    assert not header.missing and not header.unknown


# ------------------------------------------------------------------------------------------------ plan and apply

def test_plan_names_each_bad_row_and_column(app):
    from school.imports.plan import make_plan

    with app.test_request_context():
        plan = make_plan("people", [HEADER, *GOOD, *BAD])
    by_row = {r.number: r for r in plan.rows}
    assert [by_row[n].outcome for n in (2, 3, 4, 5)] == ["new"] * 4
    assert all(by_row[n].outcome == "error" for n in (6, 7, 8, 9))
    assert by_row[6].problems[0].column == "Класс" and "9-Я" in by_row[6].problems[0].message
    assert by_row[7].problems[0].column == "Дата народження" and "31.02.2015" in by_row[7].problems[0].message
    assert by_row[8].problems[0].column == "Фамилия" and "строке 2" in by_row[8].problems[0].message
    assert "без ученика" in by_row[9].problems[0].message
    assert plan.has_errors and plan.counts == {"new": 4, "updated": 0, "unchanged": 0, "error": 4}
    assert [r.number for r in plan.rows_errors_first()][:4] == [6, 7, 8, 9]


def test_unknown_values_are_errors(app):
    from school.imports.plan import make_plan

    rows = [["Класс", "Фамилия", "Имя", "Дата рождения", "Телефон", "Способ получения", "Язык ведомости",
             "Родитель 1: фамилия", "Родитель 1: имя", "Родитель 1: кем приходится"],
            ["5-А", "Аа", "Бб", "01.01.2015", "звоните", "голубем", "латынь", "Вв", "Гг", "сосед"]]
    with app.test_request_context():
        row = make_plan("people", rows).rows[0]
    assert {p.column for p in row.problems} == {"Телефон", "Способ получения", "Язык ведомости",
                                                "Родитель 1: кем приходится"}


def test_missing_columns_refuse_the_whole_file(app):
    from school.imports.plan import make_plan

    with app.test_request_context():
        plan = make_plan("people", [["Фамилия", "Имя"], ["Аа", "Бб"]])
    assert plan.has_errors and not plan.rows and "Класс" in plan.problems[0]


def test_apply_writes_all_rows_then_nothing_twice(app):
    from school.imports.apply import apply
    from school.imports.plan import make_plan
    from school.models import AuditEvent, Enrolment, Guardianship, ImportRun, Person, Student

    with app.test_request_context():
        before = counts()
        plan, run = apply("people", [HEADER, *GOOD], file_name="list.csv", digest="0" * 64, user_id=None)
        after = counts()
        assert after["students"] == before["students"] + 4
        assert after["persons"] == before["persons"] + 4 + 2   # Анна Петрова once for her two children, Илья
        anna = db.session.scalars(select(Person).where(Person.surname == "Петрова", Person.name == "Анна")).one()
        assert db.session.scalar(select(func.count()).where(Guardianship.guardian_id == anna.id)) == 2
        seitov = db.session.scalars(select(Person).where(Person.surname == "Сейтов")).one()
        assert seitov.patronymic == "=1+2"
        shevchuk = db.session.scalars(select(Student).join(Person).where(Person.surname == "Шевчук")).one()
        assert shevchuk.person.birth_date == dt.date(2015, 9, 1)
        assert (shevchuk.delivery, shevchuk.statement_language) == ("paper", "uk")
        enrolment = db.session.scalars(select(Enrolment).where(Enrolment.student_id == shevchuk.id)).one()
        assert enrolment.from_day == dt.date(2026, 11, 24)   # today: later than the year's first day
        assert (run.state, run.rows_new) == ("applied", 4)
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "import_applied",
                                        AuditEvent.object == f"import_run:{run.id}")) == 1

        again = make_plan("people", [HEADER, *GOOD])
        assert again.counts == {"new": 0, "updated": 0, "unchanged": 4, "error": 0}
        apply("people", [HEADER, *GOOD], file_name="list.csv", digest="0" * 64, user_id=None)
        assert counts() == after
        assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 2


def test_apply_refuses_a_plan_with_errors_and_writes_nothing(app):
    from school.imports.apply import PlanRefused, apply

    with app.test_request_context():
        before = counts()
        with pytest.raises(PlanRefused) as refused:
            apply("people", [HEADER, *GOOD, *BAD], file_name="bad.csv", digest="0" * 64, user_id=None)
        assert counts() == before
        assert refused.value.run.state == "refused" and refused.value.run.rows_error == 4


def test_changed_contacts_are_an_update_and_the_class_stays(app):
    from school.imports.apply import apply
    from school.imports.plan import make_plan

    with app.test_request_context():
        apply("people", [HEADER, *GOOD], file_name="a.csv", digest="0" * 64, user_id=None)
        changed = [list(GOOD[0]), ["6-А", *GOOD[0][1:]]]
        changed[0][5] = "+7 900 000-00-00"
        changed[0] += [""] * (len(HEADER) - len(changed[0]))
        changed[0][19] = "бумага"
        plan = make_plan("people", [HEADER, changed[0]])
        assert plan.rows[0].outcome == "updated" and "+7 900 000-00-00" in plan.rows[0].changes[0]
        assert plan.rows[0].changes[1] == "способ получения: электронно → на бумаге"
        moved = make_plan("people", [HEADER, changed[1]]).rows[0]
        assert moved.outcome == "error" and "5-А" in moved.problems[0].message


def test_a_guardian_with_two_phones_in_one_file_is_an_error(app):
    from school.imports.plan import make_plan

    second = list(GOOD[1])
    second[10] = "+7 978 999-99-99"
    with app.test_request_context():
        row = make_plan("people", [HEADER, GOOD[0], second]).rows[1]
    assert row.outcome == "error" and "строки 2" in row.problems[0].message


def test_an_existing_guardian_is_linked_not_duplicated(app):
    from school.imports.apply import apply
    from school.models import Guardianship, Person

    rows = [["Класс", "Фамилия", "Имя", "Дата рождения", "Родитель 1: фамилия", "Родитель 1: имя"],
            ["5-А", "Аблаева", "Сабина", "05.05.2016", "Аблаева", "Зарема"]]
    with app.test_request_context():
        persons = counts()["persons"]
        apply("people", rows, file_name="a.csv", digest="0" * 64, user_id=None)
        assert counts()["persons"] == persons + 1
        zarema = db.session.scalars(select(Person).where(Person.name == "Зарема")).one()
        assert db.session.scalar(select(func.count()).where(Guardianship.guardian_id == zarema.id)) == 3


# ------------------------------------------------------------------------------------------------ staff, classes

STAFF = [["Фамилия", "Имя", "Отчество", "Дата рождения", "Роли"],
         ["Абдураимова", "Эльмира", "", "", "учитель, секретарь"],
         ["Гафаров", "Ленур", "Энверович", "03.04.1985", "вчитель"],
         ["Кто", "То", "", "", "дворник"]]


def test_staff_roles_added_and_waiting_for_a_login(app):
    from school.imports.accounts import create_account
    from school.imports.apply import apply
    from school.imports.plan import make_plan
    from school.models import PendingStaffRole, Person, User

    with app.test_request_context():
        plan = make_plan("staff", STAFF)
        assert [r.outcome for r in plan.rows] == ["updated", "new", "error"]
        assert "дворник" in plan.rows[2].problems[0].message and plan.rows[2].problems[0].column == "Роли"
        apply("staff", STAFF[:3], file_name="s.xlsx", digest="0" * 64, user_id=None)
        teacher = db.session.scalars(select(User).where(User.username == "teacher")).one()
        assert teacher.staff_roles == {"teacher", "secretary"}
        gafarov = db.session.scalars(select(Person).where(Person.surname == "Гафаров")).one()
        assert gafarov.user is None
        assert db.session.scalars(select(PendingStaffRole.role).where(
            PendingStaffRole.person_id == gafarov.id)).all() == ["teacher"]
        assert make_plan("staff", STAFF[:3]).counts["unchanged"] == 2
        user = create_account(gafarov.id, "gafarov", "x")
        assert user.staff_roles == {"teacher"} and user.must_change_password
        assert not db.session.scalars(select(PendingStaffRole)).all()


def test_classes_import(app):
    from school.imports.apply import apply
    from school.imports.plan import make_plan
    from school.models import SchoolClass

    rows = [["Параллель", "Буква", "Классный руководитель", "Учебные периоды", "Отметки с"],
            ["7", "Б", "Иванова Анна", "триместры", ""],
            ["5", "А", "Иванова А.", "", ""],
            ["1", "Б", "", "", "01.09.2026"],
            ["8", "В", "Никто Никтоевич", "", ""],
            ["10", "А", "", "", ""]]
    with app.test_request_context():
        plan = make_plan("classes", rows)
        assert [r.outcome for r in plan.rows] == ["new", "updated", "error", "error", "new"]
        apply("classes", [rows[0], rows[1], rows[2], rows[5]], file_name="c.ods", digest="0" * 64, user_id=None)
        seventh = db.session.scalars(select(SchoolClass).where(SchoolClass.grade == 7)).one()
        assert (seventh.letter, seventh.period_scheme, seventh.class_teacher.username) == ("Б", "trimesters",
                                                                                          "teacher2")
        assert seventh.marks_from == dt.date(2026, 9, 1)
        tenth = db.session.scalars(select(SchoolClass).where(SchoolClass.grade == 10)).one()
        assert tenth.period_scheme == "halves"
        fifth = db.session.scalars(select(SchoolClass).where(SchoolClass.grade == 5)).one()
        assert fifth.class_teacher.username == "teacher2"
        assert make_plan("classes", [rows[0], rows[1], rows[2], rows[5]]).counts["unchanged"] == 3


# ------------------------------------------------------------------------------------------------ web

@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_web_preview_confirm_and_reimport(app, client, auth, fmt):
    name, make = FORMATS[fmt]
    auth.login("admin")
    bad = upload(auth, "people", name, make([HEADER, *GOOD, *BAD]))
    bad_id = run_id_of(bad)
    page = client.get(f"/admin/import/runs/{bad_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "нет класса 9-Я" in html
    assert "31.02.2015" in html and "без ученика" in html
    assert f'action="/admin/import/runs/{bad_id}/apply"' not in html   # no confirm button while errors remain
    with app.app_context():
        before = counts()
    r = auth.post(f"/admin/import/runs/{bad_id}/apply", page="/admin/import/")
    assert r.status_code == 422
    with app.app_context():
        assert counts() == before

    good_id = run_id_of(upload(auth, "people", name, make([HEADER, *GOOD])))
    html = client.get(f"/admin/import/runs/{good_id}").get_data(as_text=True)
    assert "по фамилии, имени, отчеству и дате рождения" in html
    assert auth.post(f"/admin/import/runs/{good_id}/apply", page="/admin/import/").status_code == 303
    from school.models import ImportRun
    with app.app_context():
        after = counts()
        run = db.session.get(ImportRun, good_id)
        assert (run.state, run.rows_new, run.stored_name is not None) == ("applied", 4, True)
        assert after["students"] == before["students"] + 4
    assert "Записано" in client.get(f"/admin/import/runs/{good_id}").get_data(as_text=True)

    again = run_id_of(upload(auth, "people", name, make([HEADER, *GOOD])))
    auth.post(f"/admin/import/runs/{again}/apply", page="/admin/import/")
    with app.app_context():
        assert counts() == after
        assert db.session.get(ImportRun, again).rows_unchanged == 4


def test_web_refuses_a_bad_file_with_a_message(app, client, auth):
    auth.login("admin")
    r = upload(auth, "people", "list.xlsx", replace_member(xlsx([["Фамилия"]]), "xl/worksheets/sheet1.xml", BOMB))
    assert r.status_code == 422 and "DOCTYPE" in r.get_data(as_text=True)
    r = upload(auth, "people", "list.xlsx", b"PK\x03\x04 not really")
    assert r.status_code == 422


def test_web_file_over_the_limit(app, client, auth):
    auth.login("admin")
    app.config["IMPORT_MAX_BYTES"] = 1000
    r = upload(auth, "people", "list.csv", b"a;b\n" * 1000)
    assert r.status_code == 422 and "больше" in r.get_data(as_text=True)
    app.config["IMPORT_MAX_BYTES"] = 5 * 1024 * 1024
    # Over the app's 1 MB for forms, under the upload's own limit: read and kept for the preview.
    big = csv_bytes([HEADER] + [["5-А", "Длинный" * 40, "Ряд", "", "01.01.2015"]] * 5000)
    assert 1024 * 1024 < len(big) < 5 * 1024 * 1024
    # The body built here: the test client's own encoder leaves a temporary file open for bodies over 500 kB.
    from tests.conftest import csrf_token
    body = b"".join([b"--B\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n",
                     csrf_token(client, "/admin/import/").encode(),
                     b"\r\n--B\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\npeople\r\n--B\r\n"
                     b"Content-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\n"
                     b"Content-Type: text/csv\r\n\r\n", big, b"\r\n--B--\r\n"])
    r = client.post("/admin/import/", data=body, content_type="multipart/form-data; boundary=B")
    assert r.status_code == 303
    # Over the upload's request limit: refused from its Content-Length, before a byte is read.
    r = client.post("/admin/import/", data=b"x" * (6 * 1024 * 1024), content_type="multipart/form-data; boundary=x")
    assert r.status_code == 413


def test_preview_writes_nothing(app, client, auth):
    auth.login("admin")
    run_id = run_id_of(upload(auth, "people", "list.csv", csv_bytes([HEADER, *GOOD])))
    with app.app_context():
        before = counts()
    assert client.get(f"/admin/import/runs/{run_id}").status_code == 200
    with app.app_context():
        assert counts() == before


@pytest.mark.parametrize("kind", ["people", "staff", "classes"])
def test_template_download(app, client, auth, kind):
    from school.imports.columns import headers
    from school.imports.readers import read_rows

    auth.login("director")
    assert client.get(f"/admin/import/templates/{kind}.xlsx").status_code == 403
    auth.logout()
    auth.login("admin")
    r = client.get(f"/admin/import/templates/{kind}.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    with app.app_context():
        assert read_rows("t.xlsx", r.data) == [headers(kind, "ru")]
    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(r.data))
    assert len(book.worksheets[1]["A"]) == 2   # the example row, on its own sheet
    if kind == "people":
        assert book.worksheets[0].data_validations.dataValidation


# ------------------------------------------------------------------------------------------------ CLI

def test_cli_preview_confirm_and_exit_codes(app, runner, tmp_path):
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.csv"
    good.write_bytes(xlsx([HEADER, *GOOD]))
    bad.write_bytes(csv_bytes([HEADER, *GOOD, *BAD]))
    with app.app_context():
        before = counts()
    r = runner.invoke(args=["school", "--lang", "ru", "import", "people", str(bad)])
    assert r.exit_code == 1 and "9-Я" in r.output and "31.02.2015" in r.output
    r = runner.invoke(args=["school", "--lang", "ru", "import", "people", str(bad), "--confirm"])
    assert r.exit_code == 1
    r = runner.invoke(args=["school", "import", "people", str(good)])
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert counts() == before
    r = runner.invoke(args=["school", "import", "people", str(good), "--confirm"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert counts()["students"] == before["students"] + 4
    r = runner.invoke(args=["school", "--lang", "uk", "import", "people", str(good), "--confirm"])
    assert r.exit_code == 0


def test_cli_template_in_the_language_and_refusals(app, runner, tmp_path):
    from school.imports.columns import headers
    from school.imports.readers import read_rows

    path = tmp_path / "t.xlsx"
    r = runner.invoke(args=["school", "--lang", "crh", "import", "staff", "--template", str(path)])
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert read_rows("t.xlsx", path.read_bytes()) == [headers("staff", "crh")]
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"hello")
    r = runner.invoke(args=["school", "import", "people", str(fake)])
    assert r.exit_code == 1 and r.output.strip()


def test_pages_and_template_in_the_administrators_language(app, client, auth):
    from school.imports.columns import headers
    from school.imports.readers import read_rows
    from school.models import User

    with app.app_context():
        db.session.scalars(select(User).where(User.username == "admin")).one().language = "crh"
        db.session.commit()
    auth.login("admin")
    page = client.get("/admin/import/")
    assert page.status_code == 200 and "Файллардан импорт" in page.get_data(as_text=True)
    assert page.headers["Vary"] and "HX-Request" in page.headers["Vary"]
    r = client.get("/admin/import/templates/people.xlsx")
    with app.app_context():
        assert read_rows("t.xlsx", r.data) == [headers("people", "crh")]
    assert headers("people", "crh")[:3] == ["Сыныф", "Фамилия", "Ады"]
