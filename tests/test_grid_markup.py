"""What the teacher's grid tells its script: why a column is locked, which columns take marks, and a picker
that offers only what the server accepts."""
from __future__ import annotations

import datetime as dt
import re

from school.extensions import db
from school.models import Enrolment, Person, SchoolClass, Student
from tests.factory import TODAY
from tests.grid_page import grid_cells
from tests.test_journal import _grade1_course, add_lesson


def _cols(html: str) -> list[str]:
    """The <col> of each lesson column, in order (two for № and name before them, three after)."""
    group = re.search(r"<colgroup>(.*?)</colgroup>", html, re.S).group(1)
    return re.findall(r"<col\b[^>]*>", group)[2:-3]


def _picker(html: str) -> str:
    return re.search(r'<div id="picker".*?\n</div>', html, re.S).group(0)


def test_grade_one_grid_offers_attendance_only(app, auth, ids):
    course = _grade1_course(app, ids)
    add_lesson(app, course, TODAY)
    auth.login("teacher")
    html = auth.client.get(f"/journal/courses/{course}").get_data(as_text=True)
    picker = _picker(html)
    assert 'data-a="absent"' in picker and 'data-a="clear"' in picker
    assert not re.search(r'data-a="\d+"', picker)
    assert "pk-kind" not in picker and "slot2" not in picker
    assert all("data-nomarks" in c for c in _cols(html))
    assert "В этом периоде класс обучается без отметок" in html  # the grid says so; so do the digits
    assert 'data-no-marks-msg="В этот день класс обучается без отметок: можно отметить только посещаемость."' in html


def test_grade_two_columns_take_marks_from_the_day_its_marks_start(app, auth, ids):
    with app.app_context():
        c2 = SchoolClass(year_id=ids["year_id"], grade=2, letter="Б", marks_from=dt.date(2026, 11, 20))
        db.session.add(c2)
        db.session.flush()
        pupil = Student(person=Person(surname="Бойко", name="Уляна"))
        db.session.add(pupil)
        db.session.flush()
        db.session.add(Enrolment(student_id=pupil.id, class_id=c2.id, from_day=dt.date(2026, 9, 1)))
        db.session.commit()
        c2_id = c2.id
    course = _grade1_course(app, ids, class_id=c2_id)
    add_lesson(app, course, dt.date(2026, 11, 19))
    add_lesson(app, course, TODAY)
    auth.login("teacher")
    html = auth.client.get(f"/journal/courses/{course}").get_data(as_text=True)
    assert re.search(r'data-a="5"', _picker(html))
    before, after = _cols(html)
    assert "data-nomarks" in before and "data-nomarks" not in after


def test_locked_columns_say_why(app, auth, ids):
    closed = add_lesson(app, ids["math5"], dt.date(2026, 11, 5), number=2)
    future = add_lesson(app, ids["math5"], dt.date(2026, 11, 26), number=2)
    cancelled = add_lesson(app, ids["math5"], dt.date(2026, 11, 23), number=2, state="cancelled")
    with app.app_context():  # Иванов joined on 20 November
        db.session.execute(Enrolment.__table__.update().where(Enrolment.student_id == ids["other5"][1])
                           .values(from_day=dt.date(2026, 11, 20)))
        db.session.commit()
    auth.login("teacher")
    html = auth.client.get(f"/journal/courses/{ids['math5']}").get_data(as_text=True)
    heads = re.findall(r'<th id="h(\d+)"', html)
    cols = dict(zip(map(int, heads), _cols(html)))
    # Each column names its reason; the table words each reason once, the window's with the column's date.
    assert 'data-lock="window" data-d="05.11.2026"' in cols[closed]
    assert 'data-lock="future"' in cols[future] and 'data-lock="cancelled"' in cols[cancelled]
    assert "data-lock" not in cols[ids["lesson"]]
    window = re.search(r'data-lock-window="([^"]+)"', html).group(1)
    assert "14" in window and "{date}" in window and "администратор" in window
    assert "ещё не состоялся" in re.search(r'data-lock-future="([^"]+)"', html).group(1)
    assert "отменён" in re.search(r'data-lock-cancelled="([^"]+)"', html).group(1)
    cells = grid_cells(html)
    assert cells[(closed, ids["other5"][1])].classes == ["x", "out"]
    assert cells[(closed, ids["emil"])].classes == ["x"]
    assert cells[(ids["lesson"], ids["emil"])].classes == []


def test_a_readers_grid_carries_no_locks(app, auth, ids):
    add_lesson(app, ids["math5"], dt.date(2026, 11, 5), number=2)
    auth.login("director")
    html = auth.client.get(f"/journal/courses/{ids['math5']}").get_data(as_text=True)
    assert "<colgroup>" not in html and 'id="picker"' not in html


def test_a_cell_describes_its_marks_with_their_comments(app, auth, ids):
    auth.login("teacher")
    r = auth.post(f"/journal/lessons/{ids['lesson']}/students/{ids['emil']}",
                  {"action": "5", "version": "0-0", "comment": "у доски"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    html = auth.client.get(f"/journal/courses/{ids['math5']}").get_data(as_text=True)
    assert re.fullmatch(r"5: [^\"]+ — у доски", grid_cells(html)[(ids["lesson"], ids["emil"])].title)


def test_the_pages_cells_are_found_by_row_and_column_and_say_what_a_saves_answer_says(app, auth, ids):
    """A cell of the page has no id (journal.js names it c<lesson>-<student> from its row and its column's head);
    past that it is the markup a save answers with, version and all, so the script reads both alike."""
    auth.login("teacher")
    url = f"/journal/lessons/{ids['lesson']}/students/{ids['emil']}"
    answer = auth.post(url, {"action": "absent", "version": "0-0"}, headers={"HX-Request": "true"})
    answer = auth.post(url, {"action": "5", "version": re.search(r'data-v="([^"]+)"', answer.get_data(as_text=True))
                             .group(1)}, headers={"HX-Request": "true"}).get_data(as_text=True)
    saved = re.match(rf'<td id="c{ids["lesson"]}-{ids["emil"]}"( data-v="(\d+-\d+)"[^>]*>.*?</td>)', answer)
    assert saved, answer
    html = auth.client.get(f"/journal/courses/{ids['math5']}").get_data(as_text=True)
    body = html.split("<tbody>", 1)[1]
    assert 'id="c' not in body
    assert re.search(rf'<tr id="r{ids["emil"]}"', body)
    cell = grid_cells(html)[(ids["lesson"], ids["emil"])]
    assert cell.version == saved.group(2) and cell.text == "Н 5"
    assert cell.attrs + ">" + cell.inner + "</td>" == saved.group(1)
    # An empty cell of the page carries neither id nor version (the script sends "0-0" for it).
    empty = grid_cells(html)[(ids["lesson"], ids["other5"][2])]
    assert (empty.attrs, empty.inner, empty.version) == ("", "", "0-0")


def test_a_cell_with_an_absence_two_marks_and_a_comment(app, auth, ids):
    """What a filled cell shows and says: the absence, then the marks by slot; each mark described with its kind
    of work and its comment, escaped; the version of both mark slots and of the attendance."""
    from tests.test_journal import current_version, save
    auth.login("teacher")
    lesson, emil = ids["lesson"], ids["emil"]
    assert save(auth, lesson, emil, "absent").status_code == 200
    assert save(auth, lesson, emil, "5", comment='<b>у доски</b> & "вслух"').status_code == 200
    assert save(auth, lesson, emil, "4", slot="2").status_code == 200
    html = auth.client.get(f"/journal/courses/{ids['math5']}").get_data(as_text=True)
    cell = grid_cells(html)[(lesson, emil)]
    kind = re.search(r"5: ([^;&]+) — ", cell.title).group(1)
    assert cell.title == f"5: {kind} — &lt;b&gt;у доски&lt;/b&gt; &amp; &#34;вслух&#34;; 4: {kind}"
    assert cell.inner == "<i>Н</i> 5 4"
    assert cell.version == current_version(app, lesson, emil) and re.fullmatch(r"\d+\.\d+-\d+", cell.version)


def test_the_pages_lesson_heads_are_those_a_lesson_save_answers_with(app, auth, ids):
    """The page writes its heads at once (lesson_heads); a save of the lesson form answers with one (lesson_head):
    the same markup, for a moved, a substituted, an extra and a cancelled lesson alike."""
    from tests.test_journal import edit_lesson
    moved = add_lesson(app, ids["math5"], dt.date(2026, 11, 20), number=3, moved_from_day=dt.date(2026, 11, 19),
                       moved_from_number=2, substitute_id=ids["users"]["teacher2"], homework="§ 4 <и> 5")
    extra = add_lesson(app, ids["math5"], dt.date(2026, 11, 23), number=5, extra=True, state="cancelled")
    auth.login("teacher")
    for lesson in (moved, extra, ids["lesson"]):
        answer = edit_lesson(auth, lesson, {"topic": "Тема & <дроби>"}, headers={"HX-Request": "true"})
        head = re.search(rf'<th hx-swap-oob="true" (id="h{lesson}".*?</th>)', answer.get_data(as_text=True), re.S)
        page = auth.client.get(f"/journal/courses/{ids['math5']}").get_data(as_text=True)
        assert f"<th {head.group(1)}" in page
    head = re.search(rf'<th id="h{moved}".*?</th>', page, re.S).group(0)
    assert "&lt;и&gt;" in head and "19.11.2026" in head and f'<a href="/journal/lessons/{moved}"' in head
