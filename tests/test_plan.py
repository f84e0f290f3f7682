"""The calendar-thematic plan (КТП) of a course: import from XLSX / ODS / CSV with a preview, edit in place, the
hours checked against the course's lessons and the curriculum (001 п. 4.4.7), and who may do what."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from school.extensions import db
from school.models import AuditEvent, Course, Lesson, PlanItem, User
from school.register import plan
from school.register.errors import Forbidden, NotFound, RegisterError
from tests.imports_files import csv_bytes, ods, xlsx

PLAN_URL = "/journal/courses/{}/plan"
ROWS = [["№", "Тема", "Часы"], [1, "Натуральные числа", 3], [2, "Дроби", 5], [3, "Проценты", 4]]


def stored(app, course_id) -> list[tuple[int, str, int]]:
    with app.app_context():
        return [(i.position, i.topic, i.hours) for i in plan.items(course_id)]


def put_plan(app, course_id, rows) -> None:
    with app.app_context():
        db.session.add_all(PlanItem(course_id=course_id, position=p, topic=t, hours=h) for p, t, h in rows)
        db.session.commit()


def upload(auth, course_id, name, data, follow=True):
    """Upload a file to the course's import page; the preview page it leads to (or the refusal)."""
    url = PLAN_URL.format(course_id) + "/import/upload"
    r = auth.post(url, {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    if r.status_code != 303 or not follow:
        return r
    return auth.client.get(r.headers["Location"])


def confirm(auth, course_id, preview_html):
    file = re.search(r'name="file" value="([^"]+)"', preview_html).group(1)
    name = re.search(r'name="name" value="([^"]*)"', preview_html).group(1)
    return auth.post(PLAN_URL.format(course_id) + "/import/confirm", {"file": file, "name": name})


def outcomes(html) -> list[str]:
    return re.findall(r'<tr class="outcome-(\w+)">', html)


# ------------------------------------------------------------------------------------------------ import

@pytest.mark.parametrize("kind", ["xlsx", "ods", "csv"])
def test_import_each_format_then_the_same_file_changes_nothing(app, auth, ids, kind):
    data = {"xlsx": lambda: xlsx(ROWS, text_cells=False), "ods": lambda: ods(ROWS),
            "csv": lambda: csv_bytes(ROWS, ";", "cp1251")}[kind]()
    auth.login("teacher")
    page = upload(auth, ids["math5"], f"plan.{kind}", data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert outcomes(html) == ["new", "new", "new"]
    assert stored(app, ids["math5"]) == []           # the preview writes nothing
    r = confirm(auth, ids["math5"], html)
    assert r.status_code == 303 and r.headers["Location"].endswith(PLAN_URL.format(ids["math5"]))
    assert stored(app, ids["math5"]) == [(1, "Натуральные числа", 3), (2, "Дроби", 5), (3, "Проценты", 4)]
    with app.app_context():
        first_ids = [i.id for i in plan.items(ids["math5"])]
        events = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "plan_replaced"))
    assert events == 1

    # The same file again: every row unchanged, nothing to confirm, and confirming anyway writes nothing.
    html = upload(auth, ids["math5"], f"plan.{kind}", data).get_data(as_text=True)
    assert outcomes(html) == ["unchanged"] * 3
    assert "Replace the plan" not in html and "Заменить план" not in html
    with app.app_context():
        assert [i.id for i in plan.items(ids["math5"])] == first_ids
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "plan_replaced")) == 1


def test_the_same_file_confirmed_twice_changes_nothing(app, auth, ids):
    auth.login("teacher")
    data = xlsx(ROWS)
    html = upload(auth, ids["math5"], "plan.xlsx", data).get_data(as_text=True)
    assert confirm(auth, ids["math5"], html).status_code == 303
    # A second tab still holds the first preview: its confirm finds nothing to change.
    html2 = upload(auth, ids["math5"], "plan.xlsx", data).get_data(as_text=True)
    with app.app_context():
        before = [(i.id, i.position, i.topic, i.hours) for i in plan.items(ids["math5"])]
    r = confirm(auth, ids["math5"], html)
    assert r.status_code == 303
    with app.app_context():
        assert [(i.id, i.position, i.topic, i.hours) for i in plan.items(ids["math5"])] == before
    assert "outcome-unchanged" in html2


@pytest.mark.parametrize("header", [
    ["№", "Тема урока", "Количество часов"],          # ru
    ["№ з/п", "Тема уроку", "Кількість годин"],       # uk
    ["Сыра", "Мевзу", "Саат"],                         # crh
    ["position", "TOPIC", "Hours"],                    # en, any case
    ["Часы", "ТЕМА", "№"],                             # any order
])
def test_headers_in_every_language_and_order(app, auth, ids, header):
    order = []
    for title in header:
        t = title.lower()
        order.append(0 if t.startswith(("№", "сыра", "position")) else 1 if t.startswith(("тема", "мевзу", "topic"))
                     else 2)
    rows = [header] + [[r[i] for i in order] for r in ROWS[1:]]
    auth.login("teacher")
    html = upload(auth, ids["math5"], "plan.csv", csv_bytes(rows, ",", "utf-8")).get_data(as_text=True)
    assert outcomes(html) == ["new"] * 3, html
    assert confirm(auth, ids["math5"], html).status_code == 303
    assert stored(app, ids["math5"])[1] == (2, "Дроби", 5)


def test_a_file_without_a_header_is_three_columns(app, auth, ids):
    auth.login("teacher")
    html = upload(auth, ids["math5"], "plan.csv", csv_bytes(ROWS[1:])).get_data(as_text=True)
    assert outcomes(html) == ["new"] * 3
    assert "без заголовка" in html
    confirm(auth, ids["math5"], html)
    assert stored(app, ids["math5"])[0] == (1, "Натуральные числа", 3)


def test_errors_are_shown_with_their_reason_and_nothing_is_written(app, auth, ids):
    put_plan(app, ids["math5"], [(1, "Старая тема", 2)])
    rows = [["№", "Тема", "Часы"],
            [1, "Натуральные числа", 3],
            [2, "", 2],                       # empty topic
            [3, "Дроби", 0],                  # not positive
            [4, "Проценты", "1,5"],           # not whole
            [5, "Уравнения", "много"],        # not a number
            [1, "Повтор", 1],                 # the number again
            [7, "Т" * 501, 1],                # too long
            ["семь", "Тема", 1]]              # № not a number
    auth.login("teacher")
    page = upload(auth, ids["math5"], "plan.xlsx", xlsx(rows))
    html = page.get_data(as_text=True)
    assert outcomes(html) == ["error"] * 7 + ["changed"]
    for reason in ("Тема не указана.", "Число часов должно быть целым числом больше нуля.",
                   "Номер (№) 1 уже есть в строке 2.", "Тема урока слишком длинная: не более 500 символов.",
                   "«1,5»", "«много»"):
        assert reason in html, reason
    assert "Заменить план" not in html
    # Forcing the confirm anyway is refused: 422, and the plan is what it was.
    file = re.search(r"file=([0-9a-f]{64}\.xlsx)", page.request.url).group(1)
    r = auth.post(PLAN_URL.format(ids["math5"]) + "/import/confirm", {"file": file, "name": "plan.xlsx"})
    assert r.status_code == 422
    assert "Ничего не записано" in r.get_data(as_text=True)
    assert stored(app, ids["math5"]) == [(1, "Старая тема", 2)]


def test_a_file_that_is_not_what_it_claims_is_refused(app, auth, ids):
    auth.login("teacher")
    r = upload(auth, ids["math5"], "plan.xlsx", csv_bytes(ROWS))
    assert r.status_code == 422
    assert ("Файл не то, чем назван: его имя оканчивается на .xlsx, но содержимое — не файл XLSX."
            in r.get_data(as_text=True))
    r = upload(auth, ids["math5"], "plan.pdf", b"%PDF-1.4")
    assert r.status_code == 422 and "Импортировать можно только файлы XLSX, ODS и CSV" in r.get_data(as_text=True)
    assert stored(app, ids["math5"]) == []
    # A confirm of a file that is not kept (never uploaded, or written and removed): upload it again.
    r = auth.post(PLAN_URL.format(ids["math5"]) + "/import/confirm", {"file": "0" * 64 + ".xlsx", "name": "x.xlsx"})
    assert r.status_code == 410 and "загрузите его снова" in r.get_data(as_text=True)
    r = auth.client.get(PLAN_URL.format(ids["math5"]) + "/import?file=../../etc/passwd")
    assert r.status_code == 410
    assert stored(app, ids["math5"]) == []


def test_missing_columns_are_named(app, auth, ids):
    auth.login("teacher")
    html = upload(auth, ids["math5"], "plan.csv", csv_bytes([["№", "Тема"], [1, "Дроби"]])).get_data(as_text=True)
    assert "нет столбца «Часы»" in html
    assert "Заменить план" not in html


def test_replace_is_all_or_nothing(app, ids, monkeypatch):
    put_plan(app, ids["math5"], [(1, "Старая тема", 2), (2, "Вторая", 1)])
    with app.app_context():
        teacher = db.session.get(User, ids["users"]["teacher"])
        course = db.session.get(Course, ids["math5"])
        rows = [plan.Row(1, "Новая", 3), plan.Row(2, "Вторая", 1), plan.Row(3, "Третья", 2)]
        # A row the domain refuses: none is written.
        with pytest.raises(RegisterError):
            plan.replace(teacher, course, rows + [plan.Row(4, "Плохая", 0)])
        # A failure after the rows went to the database (here: the audit record): rolled back, none is written.
        from school.register import plan as module

        def broken(*_a, **_k):
            raise RuntimeError("disk full")
        monkeypatch.setattr(module.audit, "record", broken)
        with pytest.raises(RuntimeError):
            plan.replace(teacher, course, rows)
        monkeypatch.undo()
        db.session.remove()
    assert stored(app, ids["math5"]) == [(1, "Старая тема", 2), (2, "Вторая", 1)]
    with app.app_context():
        teacher = db.session.get(User, ids["users"]["teacher"])
        course = db.session.get(Course, ids["math5"])
        result = plan.replace(teacher, course, [plan.Row(2, "Вторая", 1), plan.Row(3, "Третья", 2)])
        assert (len(result.new), len(result.changed), len(result.unchanged), len(result.removed)) == (1, 0, 1, 1)
    assert stored(app, ids["math5"]) == [(2, "Вторая", 1), (3, "Третья", 2)]


def test_cli_preview_then_confirm(app, runner, ids, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(xlsx(ROWS))
    r = runner.invoke(args=["school", "--lang", "ru", "import", "plan", "--course", str(ids["math5"]), str(path)])
    assert r.exit_code == 0, r.output
    assert "Дроби" in r.output and "новый" in r.output
    assert stored(app, ids["math5"]) == []
    r = runner.invoke(args=["school", "import", "plan", "--course", str(ids["math5"]), str(path), "--confirm"])
    assert r.exit_code == 0, r.output
    assert len(stored(app, ids["math5"])) == 3
    r = runner.invoke(args=["school", "import", "plan", "--course", str(ids["math5"]), str(path), "--confirm"])
    assert r.exit_code == 0 and "ничего не изменилось" in r.output.lower()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["№", "Тема", "Часы"], [1, "", 2]]))
    r = runner.invoke(args=["school", "import", "plan", "--course", str(ids["math5"]), str(bad), "--confirm"])
    assert r.exit_code == 1 and "Тема не указана." in r.output
    assert len(stored(app, ids["math5"])) == 3
    r = runner.invoke(args=["school", "import", "plan", "--course", "999999", str(path)])
    assert r.exit_code == 1


# ------------------------------------------------------------------------------------------------ access

def test_who_may_read_and_write_the_plan(app, client, auth, ids):
    put_plan(app, ids["math5"], [(1, "Дроби", 2)])
    url = PLAN_URL.format(ids["math5"])
    for login, status in (("teacher2", 404), ("parent", 404), ("student", 404), ("secretary", 404),
                          ("director", 200), ("admin", 200), ("teacher", 200)):
        auth.login(login)
        r = client.get(url)
        assert r.status_code == status, (login, r.status_code)
        if status == 200:
            assert "Дроби" in r.get_data(as_text=True)
            assert ("/plan/items" in r.get_data(as_text=True)) == (login in ("admin", "teacher")), login
        auth.logout()
    with app.app_context():
        item_id = plan.items(ids["math5"])[0].id
    # Writes: the teacher of another course gets a 404, the director (reads, never writes) a 403.
    for login, status in (("teacher2", 404), ("director", 403), ("parent", 403)):
        auth.login(login)
        assert auth.post(f"{url}/items", {"add-topic": "Чужая", "add-hours": "1"}).status_code == status, login
        assert auth.post(f"{url}/items/{item_id}", {"row-topic": "Чужая", "row-hours": "1"}).status_code == status
        assert auth.post(f"{url}/items/{item_id}/delete").status_code == status
        assert auth.post(f"{url}/items/{item_id}/move", {"direction": "down"}).status_code == status
        assert client.get(f"{url}/import").status_code == status
        auth.logout()
    assert stored(app, ids["math5"]) == [(1, "Дроби", 2)]
    # The administrator writes every course's plan.
    auth.login("admin")
    assert auth.post(f"{url}/items", {"add-topic": "Проценты", "add-hours": "3"}).status_code == 303
    assert stored(app, ids["math5"]) == [(1, "Дроби", 2), (2, "Проценты", 3)]
    # A row of another course through this course's address: 404.
    put_plan(app, ids["rus5"], [(1, "Алфавит", 1)])
    with app.app_context():
        other = plan.items(ids["rus5"])[0].id
    assert auth.post(f"{url}/items/{other}/delete").status_code == 404


def test_the_domain_checks_the_writer_itself(app, ids):
    with app.app_context():
        users = {k: db.session.get(User, v) for k, v in ids["users"].items()}
        math5, rus5 = db.session.get(Course, ids["math5"]), db.session.get(Course, ids["rus5"])
        with pytest.raises(NotFound):                      # cannot even read it
            plan.add_item(users["teacher2"], math5, "Тема", 1)
        with pytest.raises(NotFound):
            plan.replace(users["parent"], math5, [plan.Row(1, "Тема", 1)])
        with pytest.raises(Forbidden):                     # reads every register, writes none
            plan.add_item(users["director"], math5, "Тема", 1)
        with pytest.raises(Forbidden):                     # the class teacher of 5-А reads rus5, teaches it not
            plan.add_item(users["teacher"], rus5, "Тема", 1)
        plan.add_item(users["admin"], rus5, "Алфавит", 2)
        plan.add_item(plan.OPERATOR, rus5, "Звуки", 1)
        assert [(i.position, i.topic) for i in plan.items(rus5.id)] == [(1, "Алфавит"), (2, "Звуки")]


# ------------------------------------------------------------------------------------------------ the hours

def _year_of_lessons(app, ids) -> list[dt.date]:
    """math5's Tuesday lessons (its timetable slot) on every school day of its two quarters, 13 October cancelled.
    Made here, whoever made the course's lessons before (the test school may hold some or all of them already)."""
    holidays = (dt.date(2026, 10, 25), dt.date(2026, 11, 4))
    quarters = ((dt.date(2026, 9, 1), dt.date(2026, 10, 24)), (dt.date(2026, 11, 5), dt.date(2026, 12, 28)))
    days = [first + dt.timedelta(days=n) for first, last in quarters for n in range((last - first).days + 1)]
    days = [d for d in days if d.isoweekday() == 2 and not holidays[0] <= d <= holidays[1]]
    with app.app_context():
        existing = {les.day: les for les in db.session.scalars(select(Lesson).where(
            Lesson.course_id == ids["math5"], Lesson.number == 1))}
        for day in days:
            lesson = existing.get(day) or Lesson(course_id=ids["math5"], day=day, number=1)
            lesson.state = "cancelled" if day == dt.date(2026, 10, 13) else "held"
            db.session.add(lesson)
        db.session.commit()
    return days


def test_the_hours_check_number_by_number(app, auth, ids):
    days = _year_of_lessons(app, ids)
    assert len(days) == 15                       # 8 Tuesdays in the first quarter, 7 in the second
    put_plan(app, ids["math5"], [(1, "Натуральные числа", 3), (2, "Дроби", 5), (3, "Проценты", 4)])
    with app.app_context():
        course = db.session.get(Course, ids["math5"])
        check = plan.hours_check(course)
        assert check.plan_hours == 12
        assert check.lessons == 14               # 15 lessons, one cancelled
        # Monday to Friday: 1 September – 24 October is 39 days, 5 November – 28 December 38: 77 days.
        assert check.school_days == 77
        assert str(check.weeks) == "15.4"
        assert check.curriculum == 77            # 5 hours a week × 15.4 weeks
        assert not check.agrees
    auth.login("teacher")
    html = auth.client.get(PLAN_URL.format(ids["math5"])).get_data(as_text=True)
    assert "В плане 12 часов, расписание даёт 14 уроков." in html
    assert re.search(r'id="plan-hours">12<', html) and re.search(r'id="plan-lessons">14<', html)
    assert re.search(r'id="plan-curriculum">77<', html) and "15,4" in html
    # Running totals and the lessons each row falls on: 3 + 5 + 4 hours over the held lessons in order.
    rows = re.findall(r'<tr id="item-\d+"[^>]*>(.*?)</tr>', html, re.S)
    totals = [re.findall(r'<td class="num">(\d+)</td>', row)[-1] for row in rows]
    assert totals == ["3", "8", "12"]
    assert "01.09, 08.09, 15.09</td>" in rows[0]
    assert "22.09, 29.09, 06.10, 20.10, 10.11</td>" in rows[1]   # 13 October was cancelled
    assert "17.11, 24.11, 01.12, 08.12</td>" in rows[2]
    # The next lesson (today, 24 November) gets row 3.
    assert re.search(r"Следующий урок, 24\.11\.2026:</strong>\s*№ 3 · Проценты", html)
    assert "2 урока идут после последнего часа плана" in html

    # Two more hours in the plan: the plan agrees with the timetable.
    auth.post(PLAN_URL.format(ids["math5"]) + "/items", {"add-topic": "Повторение", "add-hours": "2"})
    html = auth.client.get(PLAN_URL.format(ids["math5"])).get_data(as_text=True)
    assert "План совпадает с расписанием: 14 часов, 14 уроков." in html


def test_a_course_without_lessons_or_plan_says_what_is_missing(app, auth, ids):
    auth.login("teacher2")                      # rus5 has no place in the timetable: no lessons
    r = auth.client.get(PLAN_URL.format(ids["rus5"]))
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "План пуст" in html
    assert "В журнале ещё нет уроков этого курса" in html


# ------------------------------------------------------------------------------------------------ edit in place

def test_add_edit_move_and_delete_rows(app, client, auth, ids):
    url = PLAN_URL.format(ids["math5"])
    auth.login("teacher")
    for topic, hours in (("Дроби", "2"), ("Проценты", "3"), ("Уравнения", "1")):
        r = auth.post(f"{url}/items", {"add-topic": topic, "add-hours": hours})
        assert r.status_code == 303
    assert stored(app, ids["math5"]) == [(1, "Дроби", 2), (2, "Проценты", 3), (3, "Уравнения", 1)]
    # Inserted at a number: the rows from there move down.
    auth.post(f"{url}/items", {"add-topic": "Натуральные  числа\n", "add-hours": "4", "add-position": "1"})
    assert stored(app, ids["math5"]) == [(1, "Натуральные числа", 4), (2, "Дроби", 2), (3, "Проценты", 3),
                                         (4, "Уравнения", 1)]
    with app.app_context():
        by_topic = {i.topic: i.id for i in plan.items(ids["math5"])}

    # The row as a form (htmx: only the row; without JavaScript: the page with the row open).
    r = client.get(f"{url}/items/{by_topic['Дроби']}/edit", headers={"HX-Request": "true"})
    assert r.status_code == 200 and r.get_data(as_text=True).lstrip().startswith("<tr")
    assert 'name="row-topic"' in r.get_data(as_text=True)
    page = client.get(f"{url}/items/{by_topic['Дроби']}/edit").get_data(as_text=True)
    assert "<!doctype html>" in page and 'name="row-topic"' in page
    assert client.get(f"{url}?edit={by_topic['Дроби']}").get_data(as_text=True).count('name="row-topic"') == 1

    # Saved with htmx: the section comes back with the new running totals.
    r = auth.post(f"{url}/items/{by_topic['Дроби']}", {"row-topic": "Обыкновенные дроби", "row-hours": "5"},
                  headers={"HX-Request": "true"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="plan"') and "Обыкновенные дроби" in html
    assert re.search(r'id="plan-hours">13<', html)
    # Refused: nothing stored, the row stays open with the reason.
    for data in ({"row-topic": "", "row-hours": "2"}, {"row-topic": "Т", "row-hours": "0"},
                 {"row-topic": "Т" * 501, "row-hours": "1"}, {"row-topic": "Т\x00", "row-hours": "1"}):
        r = auth.post(f"{url}/items/{by_topic['Дроби']}", data)
        assert r.status_code == 422, data
        assert 'name="row-topic"' in r.get_data(as_text=True)
    assert stored(app, ids["math5"])[1] == (2, "Обыкновенные дроби", 5)

    # Moved: swaps with the neighbour; at the edge nothing moves.
    assert auth.post(f"{url}/items/{by_topic['Уравнения']}/move", {"direction": "up"}).status_code == 303
    assert [t for _p, t, _h in stored(app, ids["math5"])] == ["Натуральные числа", "Обыкновенные дроби",
                                                             "Уравнения", "Проценты"]
    auth.post(f"{url}/items/{by_topic['Натуральные числа']}/move", {"direction": "up"})
    auth.post(f"{url}/items/{by_topic['Натуральные числа']}/move", {"direction": "down"},
              headers={"HX-Request": "true"})
    assert [p for p, _t, _h in stored(app, ids["math5"])] == [1, 2, 3, 4]
    assert [t for _p, t, _h in stored(app, ids["math5"])][:2] == ["Обыкновенные дроби", "Натуральные числа"]
    assert auth.post(f"{url}/items/{by_topic['Уравнения']}/move", {"direction": "sideways"}).status_code == 422

    # Deleted: the numbers close up.
    assert auth.post(f"{url}/items/{by_topic['Натуральные числа']}/delete").status_code == 303
    assert stored(app, ids["math5"]) == [(1, "Обыкновенные дроби", 5), (2, "Уравнения", 1), (3, "Проценты", 3)]
    # Refused adds.
    for data in ({"add-topic": "", "add-hours": "1"}, {"add-topic": "Т", "add-hours": "x"},
                 {"add-topic": "Т", "add-hours": "1", "add-position": "0"}):
        assert auth.post(f"{url}/items", data).status_code == 422, data
    assert len(stored(app, ids["math5"])) == 3
    # Without the CSRF token: nothing.
    assert client.post(f"{url}/items", data={"add-topic": "Т", "add-hours": "1"}).status_code == 400
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("plan_%"))).all()
    assert {"plan_row_added", "plan_row_changed", "plan_row_deleted"} <= set(actions)


def test_the_grid_links_to_the_plan(app, auth, ids):
    auth.login("teacher")
    html = auth.client.get(f"/journal/courses/{ids['math5']}").get_data(as_text=True)
    assert f'href="/journal/courses/{ids["math5"]}/plan"' in html


def test_a_write_that_meets_another_is_a_conflict_not_a_500(app, auth, ids):
    """Two writes of the same plan at once collide on UNIQUE (course, position): the second gets 409 and the plan
    as it is. Made here with a row parked where a move parks its row (position -1), as a concurrent move would."""
    put_plan(app, ids["math5"], [(1, "Дроби", 2), (2, "Проценты", 3), (-1, "Чужое перемещение", 1)])
    with app.app_context():
        second = next(i.id for i in plan.items(ids["math5"]) if i.position == 2)
    auth.login("teacher")
    r = auth.post(PLAN_URL.format(ids["math5"]) + f"/items/{second}/move", {"direction": "up"})
    assert r.status_code == 409
    assert "Кто-то другой тем временем изменил этот план." in r.get_data(as_text=True)
    assert stored(app, ids["math5"])[1:] == [(1, "Дроби", 2), (2, "Проценты", 3)]
