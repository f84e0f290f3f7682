"""Printed statements for families, the paper register and the summary statement (issue 5)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from school.extensions import db
from school.models import (DiaryView, Enrolment, Lesson, Mark, PaperStatement, PeriodMark, SchoolClass, Student,
                           User, WorkKind)
from tests import factory
from tests.factory import TODAY

HX = {"HX-Request": "true"}
W48 = "2026-W48"  # 23–29 November 2026, TODAY's week


def weasyprint_or_skip():
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as e:  # OSError: Pango is missing
        pytest.skip(f"WeasyPrint cannot load here: {e}")
    return pytest.importorskip("pypdf")


def set_student(app, student_id, **values):
    with app.app_context():
        student = db.session.get(Student, student_id)
        for k, v in values.items():
            setattr(student, k, v)
        db.session.commit()


def add_lesson(app, course_id, day, number=1, **kw):
    with app.app_context():
        lesson = factory.lesson_at(course_id, day, number, **kw)
        db.session.commit()
        return lesson.id


def add_mark(app, lesson_id, student_id, code="5", kind="test"):
    with app.app_context():
        wk = db.session.scalar(select(WorkKind).where(WorkKind.code == kind))
        teacher = db.session.scalar(select(User).where(User.username == "teacher"))
        now = dt.datetime.combine(TODAY, dt.time(9))
        db.session.add(Mark(lesson_id=lesson_id, student_id=student_id, slot=1, scale="five", code=code,
                            work_kind_id=wk.id, weight=wk.weight, author_id=teacher.id, created_at=now,
                            updated_at=now, version=1))
        db.session.commit()


def printed(app) -> list[tuple[int, dt.date, dt.date]]:
    with app.app_context():
        return db.session.execute(select(PaperStatement.student_id, PaperStatement.first_day,
                                         PaperStatement.last_day).order_by(PaperStatement.student_id)).all()


def pdf_text(pypdf, data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def statement_sections(html: str) -> list[str]:
    return re.findall(r'<section class="sheet statement".*?</section>', html, re.S)


# ---------------------------------------------------------------- who is printed

def test_electronic_families_are_printed_only_when_the_teacher_asks(app, auth, ids):
    shevchenko = ids["other5"][1]
    set_student(app, shevchenko, delivery="paper")
    auth.login("teacher")
    r = auth.client.get(f"/statements/classes/{ids['class5']}?week={W48}")
    assert r.status_code == 200
    pages = statement_sections(r.get_data(as_text=True))
    assert len(pages) == 1 and "Шевченко Тарас" in pages[0]
    assert printed(app) == []  # viewing records nothing: the teacher confirms what was handed out
    r = auth.post(f"/statements/classes/{ids['class5']}/printed?week={W48}", {})
    assert r.status_code == 303
    assert printed(app) == [(shevchenko, dt.date(2026, 11, 23), dt.date(2026, 11, 29))]

    r = auth.client.get(f"/statements/classes/{ids['class5']}?week={W48}&all=1")
    html = r.get_data(as_text=True)
    assert len(statement_sections(html)) == 4
    assert all(name in html for name in ("Аблаев Эмиль", "Иванов Иван", "Умерова Алие"))
    auth.post(f"/statements/classes/{ids['class5']}/printed?week={W48}&all=1", {})
    assert len(printed(app)) == 4
    # Recording the same week again refreshes the open rows instead of adding more.
    auth.post(f"/statements/classes/{ids['class5']}/printed?week={W48}&all=1", {})
    assert len(printed(app)) == 4


def test_a_class_without_paper_families_says_so(auth, ids):
    auth.login("teacher")
    html = auth.client.get(f"/statements/classes/{ids['class5']}?week={W48}").get_data(as_text=True)
    assert not statement_sections(html)
    assert 'class="sheet empty-batch"' in html


def test_a_student_who_left_mid_week_gets_only_their_days(app, auth, ids):
    from school.statements import service

    leaver = ids["other5"][2]
    set_student(app, leaver, delivery="paper")
    add_lesson(app, ids["math5"], dt.date(2026, 11, 16), topic="Тема понедельника")
    add_lesson(app, ids["math5"], dt.date(2026, 11, 19), topic="Тема четверга")
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.student_id == leaver))
        enrolment.to_day = dt.date(2026, 11, 17)
        db.session.commit()
        klass = db.session.get(SchoolClass, ids["class5"])
        item = service.statement(db.session.get(Student, leaver), klass, service.parse_span("2026-W47"))
        assert [d.date.day for d in item.days] == [16, 17]
    auth.login("teacher")
    html = auth.client.get(f"/statements/classes/{ids['class5']}?week=2026-W47").get_data(as_text=True)
    (page,) = statement_sections(html)
    assert "Тема понедельника" in page and "Тема четверга" not in page
    assert "17.11" in page and "18.11" not in page


def add_students(app, ids, count: int, subgroup_id: int | None = None) -> list[int]:
    """Students of 5-А from the year's start, each with a mark and an absence today (in a subgroup when given)."""
    from school.models import Attendance, Person, SubgroupMember
    with app.app_context():
        wk = db.session.scalar(select(WorkKind).where(WorkKind.code == "answer"))
        now = dt.datetime.combine(TODAY, dt.time(9))
        added = []
        for i in range(count):
            st = Student(person=Person(surname=f"Добавлен{i:02d}", name="Ученик"), consent_date=dt.date(2026, 9, 1),
                         delivery="paper")
            db.session.add(st)
            db.session.flush()
            db.session.add(Enrolment(student_id=st.id, class_id=ids["class5"], from_day=dt.date(2026, 9, 1)))
            db.session.add(Mark(lesson_id=ids["lesson"], student_id=st.id, slot=1, scale="five", code="4",
                                work_kind_id=wk.id, weight=wk.weight, author_id=ids["users"]["teacher"],
                                created_at=now, updated_at=now, version=1))
            db.session.add(Attendance(lesson_id=ids["lesson"], student_id=st.id, code="late",
                                      set_by=ids["users"]["teacher"], set_at=now, version=1))
            if subgroup_id is not None:
                db.session.add(SubgroupMember(subgroup_id=subgroup_id, student_id=st.id,
                                              from_day=dt.date(2026, 9, 1)))
            added.append(st.id)
        db.session.commit()
        return added


def test_a_classs_statements_read_as_often_for_four_students_as_for_fourteen(app, auth, ids):
    """The days, marks, attendance and averages of a class are read once for all its students (issue 14)."""
    from sqlalchemy import event

    auth.login("teacher")
    url = f"/statements/classes/{ids['class5']}?week={W48}&all=1"

    def statements_run() -> int:
        seen = []
        listener = lambda *a: seen.append(a[2])  # noqa: E731
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                r = auth.client.get(url)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
        assert r.status_code == 200
        return len(seen)

    statements_run()  # the per-process caches (settings, scale, work kinds) are filled by the first
    four = statements_run()
    add_students(app, ids, 10)
    page = auth.client.get(url).get_data(as_text=True)
    assert len(statement_sections(page)) == 14
    assert statements_run() == four


def test_a_classs_statements_are_each_students_diary(app, ids):
    """Read for the whole class at once, every statement still has the diary's days and averages of its student:
    a subgroup's course only for its members, a leaver's days only up to their last, a mover's only here."""
    from school import week
    from school.models import Course, Subgroup, Subject, SubgroupMember, TimetableSlot
    from school.register import timetable
    from school.statements import service

    with app.app_context():
        subject = Subject(short="eng", name_ru="Английский язык", name_uk="Англійська мова", name_crh="Инглиз тили")
        db.session.add(subject)
        db.session.flush()
        group = Subgroup(class_id=ids["class5"], subject_id=subject.id, name="1 группа")
        db.session.add(group)
        db.session.flush()
        course = Course(year_id=ids["year_id"], subject_id=subject.id, class_id=ids["class5"], subgroup_id=group.id,
                        teacher_id=ids["users"]["teacher"], hours_per_week=Decimal(2))
        db.session.add(course)
        db.session.flush()
        db.session.add(TimetableSlot(course_id=course.id, weekday=TODAY.isoweekday(), lesson_number=2,
                                     valid_from=dt.date(2026, 9, 1)))
        db.session.add(SubgroupMember(subgroup_id=group.id, student_id=ids["emil"], from_day=dt.date(2026, 9, 1)))
        db.session.commit()
        timetable.generate(None, ids["year_id"], course_ids=[course.id])
        english = db.session.scalar(select(Lesson.id).where(Lesson.course_id == course.id, Lesson.day == TODAY))
        leaver, mover = ids["other5"][1], ids["other5"][2]
        for sid, to_day in ((leaver, dt.date(2026, 11, 24)), (mover, dt.date(2026, 11, 23))):
            db.session.scalar(select(Enrolment).where(Enrolment.student_id == sid)).to_day = to_day
        db.session.add(Enrolment(student_id=mover, class_id=ids["class6"], from_day=dt.date(2026, 11, 24)))
        db.session.commit()
    add_mark(app, english, ids["emil"], "5")
    add_mark(app, ids["lesson"], ids["emil"], "3")
    add_mark(app, ids["lesson"], leaver, "2")
    add_students(app, ids, 3, subgroup_id=group.id)

    with app.test_request_context("/"):
        klass = db.session.get(SchoolClass, ids["class5"])
        span = service.parse_span(W48)
        items = service.statements(klass, span, include_all=True)
        assert len(items) == 7
        for item in items:
            sid = item.student.id
            days = [d for d in week.days(sid, span.first, span.last)
                    if d.school_class is not None and d.school_class.id == klass.id]
            assert item.days == [d for d in days if d.date.weekday() < 6 or d.lessons]
            last = max(d.date for d in days)
            assert sorted(a.subject.short for a in item.averages) == sorted(
                a.subject.short for a in week.averages(sid, klass, min(last, TODAY)))
            assert {a.subject.short: (a.count, a.average) for a in item.averages} == {
                a.subject.short: (a.count, a.average) for a in week.averages(sid, klass, min(last, TODAY))}
        by_id = {item.student.id: item for item in items}
        assert {a.subject.short: a.average for a in by_id[ids["emil"]].averages} == {
            "eng": Decimal(5), "math": Decimal(3), "rus": None}
        assert "eng" not in {a.subject.short for a in by_id[leaver].averages}
        assert by_id[leaver].averages[0].average == Decimal(2)
        assert [d.date.day for d in by_id[mover].days] == [23]


def test_an_empty_week_prints_a_clear_page(app, auth, ids):
    set_student(app, ids["emil"], delivery="paper")
    auth.login("teacher")
    html = auth.client.get(f"/statements/classes/{ids['class5']}?week=2026-W44").get_data(as_text=True)  # holidays
    (page,) = statement_sections(html)
    assert 'class="empty"' in page and "Уроков в эти дни не было." in page
    assert "Осенние каникулы" in page


def test_the_statement_shows_the_diary_data_marks_absences_totals_averages(app, auth, ids):
    ivanov = ids["other5"][0]  # absent today in the test school
    set_student(app, ivanov, delivery="paper")
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson"])
        lesson.homework, lesson.substitute_id = "№ 12, 14", ids["users"]["teacher2"]
        db.session.commit()
    monday = add_lesson(app, ids["math5"], dt.date(2026, 11, 23), topic="Сложение дробей")
    add_mark(app, monday, ivanov, "4", "test")
    auth.login("teacher")
    (page,) = statement_sections(auth.client.get(f"/statements/classes/{ids['class5']}?week={W48}")
                                 .get_data(as_text=True))
    assert "Дроби" in page and "№ 12, 14" in page and "Сложение дробей" in page
    assert "Дроби (Замена: Иванова А.)" in page
    assert "<b>4</b> Контрольная работа" in page
    assert "отсутствовал(а) без уважительной причины" in page
    assert re.search(r"Пропущено уроков</th>.*?<td><b>1</b></td><td>0</td><td>0</td><td>1</td><td><b>0</b>", page, re.S)
    assert "Математика <b>4,00</b>" in page


def test_the_statement_is_in_the_familys_language_not_the_teachers(app, auth, ids):
    set_student(app, ids["emil"], delivery="paper", statement_language="uk")
    set_student(app, ids["other5"][1], delivery="paper", statement_language="ru")
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "teacher")).language = "crh"
        db.session.commit()
    auth.login("teacher")
    html = auth.client.get(f"/statements/classes/{ids['class5']}?week={W48}").get_data(as_text=True)
    uk, ru = statement_sections(html)
    assert 'lang="uk"' in uk and "Домашнє завдання" in uk and "Щотижнева виписка" in uk
    assert "Домашнее задание" not in uk and "листопада 2026" in uk
    assert 'lang="ru"' in ru and "Домашнее задание" in ru and "ноября 2026" in ru
    assert 'lang="crh"' in html  # the document around them stays in the teacher's language


# ---------------------------------------------------------------- PDF

def test_class_pdf_has_a_page_per_student_and_crimean_tatar_text(app, auth, ids):
    pypdf = weasyprint_or_skip()
    set_student(app, ids["emil"], delivery="paper", statement_language="crh")
    auth.login("teacher")
    r = auth.client.get(f"/statements/classes/{ids['class5']}.pdf?week={W48}&all=1")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "attachment" in r.headers["Content-Disposition"]
    pages, text = pdf_text(pypdf, r.data)
    assert pages == 4
    assert "Аблаев Эмиль" in text and "Шевченко Тарас" in text
    first = pypdf.PdfReader(io.BytesIO(r.data)).pages[0].extract_text()
    assert "Аблаев Эмиль" in first
    assert "Къыйметлер" in first and re.search("къ|гъ|нъ", first.lower())
    assert "23 ноябрь 2026" in first  # crh dates: nominative month
    assert printed(app) == []  # a download records nothing


def test_a_pdf_is_laid_out_without_automatic_garbage_collections(app, ids):
    """Collections of the whole heap took a third of a class's PDF: layout runs with the collector paused, then one
    collection of the young generations frees what the document made (issue 14)."""
    import gc

    from school.statements import documents, pdf, service

    weasyprint_or_skip()
    with app.test_request_context("/"):
        klass = db.session.get(SchoolClass, ids["class5"])
        span = service.parse_span(W48)
        (html,) = documents.statement_documents([documents.Batch(klass, service.statements(klass, span, True))], span)
        pdf.to_pdf(html)  # WeasyPrint's import and fonts, once
        seen = []

        def collection(phase, info):
            if phase == "start":
                seen.append(info["generation"])

        gc.callbacks.append(collection)
        try:
            data = pdf.to_pdf(html)
        finally:
            gc.callbacks.remove(collection)
    assert data.startswith(b"%PDF")
    assert seen == [1]
    assert gc.isenabled()


def embedded_fonts(page) -> list[tuple[str, bool]]:
    """(name, embedded) of the fonts a PDF page uses."""
    fonts = []
    for ref in page["/Resources"]["/Font"].values():
        font = ref.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        fonts.append((str(font["/BaseFont"]), "/FontFile2" in descriptor or "/FontFile3" in descriptor))
    return fonts


def test_pdf_documents_leave_out_the_pages_lang_the_html_keeps_it(app, ids):
    """WeasyPrint computes the styles of an element with a lang attribute, and of all in it, apart from every other
    element's: the PDF's documents leave it out so that their statements share their styles; the HTML page keeps it
    (test_the_statement_is_in_the_familys_language_not_the_teachers)."""
    from school.statements import documents, service

    set_student(app, ids["emil"], statement_language="uk")
    with app.test_request_context("/"):
        klass = db.session.get(SchoolClass, ids["class5"])
        span = service.parse_span(W48)
        batches = [documents.Batch(klass, service.statements(klass, span, True))]
        html = documents.statements_document(batches, span)
        (pdf_html,) = documents.statement_documents(batches, span)
    assert re.findall(r'<section class="sheet statement"( lang="\w+")?>', html) == [
        ' lang="uk"', ' lang="ru"', ' lang="ru"', ' lang="ru"']
    assert re.findall(r'<section class="sheet statement"( lang="\w+")?>', pdf_html) == ["", "", "", ""]
    assert "Щотижнева виписка" in pdf_html  # still the family's language


def test_a_class_pdf_in_several_documents_parses_its_stylesheet_once_and_keeps_a_page_per_student(
        app, auth, ids, monkeypatch):
    """The documents of a class's PDF share print.css, fetched and parsed once with its fonts (pdf.Stylesheets),
    instead of once a document: still each student's statement on an A4 page of its own, in the class's order, in
    the project's embedded font."""
    pypdf = weasyprint_or_skip()
    import weasyprint

    from school.statements import documents
    monkeypatch.setattr(documents, "STUDENTS_PER_DOCUMENT", 1)
    app.config["PDF_PROCESSES"] = 1  # laid out here, where the parsing is seen
    parsed = []
    real = weasyprint.CSS.__init__

    def parsing(self, *args, **kwargs):
        parsed.append(str(kwargs.get("url")))
        real(self, *args, **kwargs)
    monkeypatch.setattr(weasyprint.CSS, "__init__", parsing)
    auth.login("teacher")
    html = auth.client.get(f"/statements/classes/{ids['class5']}?week={W48}&all=1").get_data(as_text=True)
    names = [re.search(r"<b>(.*?)</b>", section).group(1) for section in statement_sections(html)]
    r = auth.client.get(f"/statements/classes/{ids['class5']}.pdf?week={W48}&all=1")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert len([url for url in parsed if "/css/print.css" in url]) == 1
    reader = pypdf.PdfReader(io.BytesIO(r.data))
    assert len(names) == 4 and len(reader.pages) == 4
    for page, name in zip(reader.pages, names):
        assert name in page.extract_text()
        assert (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842)  # A4 portrait
        fonts = embedded_fonts(page)
        assert fonts and all(embedded for _, embedded in fonts)
        assert all("Defter-Print" in font for font, _ in fonts)


def test_a_class_pdf_laid_out_in_processes_of_its_own_is_the_pdf_laid_out_here(app, auth, ids, monkeypatch):
    """With PDF_PROCESSES above 1 the documents of a class's PDF are laid out side by side in processes of their
    own: the same pages in the class's order, each student's text, as when this process lays them out one after
    another. pdf.last_layout says that two processes did it and what memory they added."""
    pypdf = weasyprint_or_skip()
    from school.statements import documents, pdf
    monkeypatch.setattr(documents, "STUDENTS_PER_DOCUMENT", 1)
    auth.login("teacher")
    url = f"/statements/classes/{ids['class5']}.pdf?week={W48}&all=1"
    texts = {}
    for processes in (1, 2):
        app.config["PDF_PROCESSES"] = processes
        r = auth.client.get(url)
        assert r.status_code == 200 and r.mimetype == "application/pdf"
        texts[processes] = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(r.data)).pages]
        assert pdf.last_layout.processes == processes
    assert len(texts[2]) == 4 and texts[2] == texts[1]
    assert pdf.last_layout.others_peak_kb > 0
    html = auth.client.get(url.replace(".pdf", "")).get_data(as_text=True)
    names = [re.search(r"<b>(.*?)</b>", section).group(1) for section in statement_sections(html)]
    assert all(name in text for name, text in zip(names, texts[2], strict=True))


def test_one_document_is_laid_out_here_whatever_the_processes_allowed(app, auth, ids):
    """A PDF of one document starts no process: there is nothing to lay out side by side."""
    weasyprint_or_skip()
    from school.statements import pdf
    app.config["PDF_PROCESSES"] = 4
    auth.login("teacher")
    r = auth.client.get(f"/statements/classes/{ids['class5']}.pdf?week={W48}&all=1")
    assert r.status_code == 200 and pdf.last_layout == pdf.Layout(processes=1, others_peak_kb=0)


def test_where_no_layout_process_can_start_the_pdf_is_laid_out_here(app, auth, ids, monkeypatch):
    """No shared memory for the pool's queues, a limit on processes: the worker lays the documents out itself, one
    after another, rather than answering 500."""
    pypdf = weasyprint_or_skip()
    from school.statements import documents, pdf

    def no_processes():
        raise OSError(38, "Function not implemented")
    monkeypatch.setattr(pdf, "_fork_server", no_processes)
    monkeypatch.setattr(documents, "STUDENTS_PER_DOCUMENT", 1)
    app.config["PDF_PROCESSES"] = 2
    auth.login("teacher")
    r = auth.client.get(f"/statements/classes/{ids['class5']}.pdf?week={W48}&all=1")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert len(pypdf.PdfReader(io.BytesIO(r.data)).pages) == 4 and pdf.last_layout.processes == 1


def test_the_homework_due_and_the_homework_set_print_on_two_lines_of_one_cell(app, auth, ids):
    """Two lines without a <br> (two more boxes for WeasyPrint): a line feed in a cell whose white-space is
    pre-line. A line break typed into the homework itself stays a space, as in the other cells."""
    pypdf = weasyprint_or_skip()
    set_student(app, ids["emil"], delivery="paper")
    add_lesson(app, ids["math5"], dt.date(2026, 11, 20), homework="упр. 3")  # Friday: due on Tuesday
    with app.app_context():
        db.session.get(Lesson, ids["lesson"]).homework = "упр. 7\r\nи 8"
        db.session.commit()
    auth.login("teacher")
    (page,) = statement_sections(auth.client.get(f"/statements/classes/{ids['class5']}?week={W48}")
                                 .get_data(as_text=True))
    assert "<br>" not in page
    assert re.search(r'<td class="hw">К этому уроку: упр\. 3\nЗадано: упр\. 7 +и 8</td>', page)
    r = auth.client.get(f"/statements/classes/{ids['class5']}.pdf?week={W48}")
    text = pypdf.PdfReader(io.BytesIO(r.data)).pages[0].extract_text()
    assert re.search(r"К этому уроку: упр\. 3 *\n *Задано: упр\. 7 и 8", text), text


def test_pdf_embeds_the_projects_font(app, auth, ids):
    pypdf = weasyprint_or_skip()
    auth.login("director")
    r = auth.client.get(f"/statements/classes/{ids['class5']}/summary.pdf")
    assert r.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(r.data))
    embedded = embedded_fonts(reader.pages[0])
    assert embedded and all(e for _, e in embedded)
    assert any("Defter-Print" in name for name, _ in embedded)
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape


def test_pdf_without_weasyprint_is_a_clear_503(app, auth, ids, monkeypatch):
    from school.statements import pdf

    def missing(*a, **kw):
        raise pdf.PdfUnavailable("no pango")
    monkeypatch.setattr(pdf, "to_pdf", missing)
    set_student(app, ids["emil"], delivery="paper")
    auth.login("teacher")
    r = auth.client.get(f"/statements/classes/{ids['class5']}.pdf?week={W48}")
    assert r.status_code == 503 and "WeasyPrint" in r.get_data(as_text=True)
    assert printed(app) == []


# ---------------------------------------------------------------- access

@pytest.mark.parametrize("login,status", [("parent", 403), ("student", 403), ("secretary", 403),
                                          ("teacher2", 404), ("director", 200), ("admin", 200),
                                          ("teacher", 200)])
def test_who_may_print_a_class(auth, ids, login, status):
    auth.login(login)
    for url in (f"/statements/classes/{ids['class5']}?week={W48}", f"/statements/classes/{ids['class5']}/summary"):
        assert auth.client.get(url).status_code == status, url


@pytest.mark.parametrize("login,course,status", [("teacher2", "rus5", 200),   # the course's teacher
                                                 ("teacher2", "math6", 200),  # class teacher of 6-А
                                                 ("teacher2", "math5", 404),
                                                 ("director", "math5", 200),
                                                 ("parent", "math5", 403)])
def test_who_may_print_a_register(auth, ids, login, course, status):
    auth.login(login)
    assert auth.client.get(f"/statements/courses/{ids[course]}/register").status_code == status


def test_a_bad_week_is_404_and_the_form_says_what_is_wrong(auth, ids):
    auth.login("teacher")
    assert auth.client.get(f"/statements/classes/{ids['class5']}?week=2026-W99").status_code == 422
    r = auth.client.get("/statements/?from=2026-11-30&to=2026-11-01")
    assert r.status_code == 422 and "Период заканчивается раньше, чем начинается." in r.get_data(as_text=True)


# ---------------------------------------------------------------- periods

@pytest.mark.parametrize("args,first,last", [
    (dict(week_value="2026-W48"), "2026-11-23", "2026-11-29"),
    (dict(month="2027-02"), "2027-02-01", "2027-02-28"),
    (dict(month="2026-12"), "2026-12-01", "2026-12-31"),
    (dict(first="2026-11-02", last="2026-11-20"), "2026-11-02", "2026-11-20"),
    (dict(), "2026-11-23", "2026-11-29"),  # this week by default
])
def test_periods(ctx, args, first, last):
    from school.statements import service

    span = service.parse_span(**args)
    assert (span.first.isoformat(), span.last.isoformat()) == (first, last)


@pytest.mark.parametrize("label,expected", [("5A", (5, "А")), ("5-А", (5, "А")), ("5а", (5, "А")),
                                            ("5 a", (5, "А")), ("10B", (10, "Б")), ("7V", (7, "В")),
                                            ("9G", (9, "Г")), ("11-Б", (11, "Б")), ("A5", None), ("", None)])
def test_class_labels_latin_or_cyrillic(label, expected):
    from school.statements.service import parse_class_label

    assert parse_class_label(label) == expected


# ---------------------------------------------------------------- CLI

def test_cli_writes_the_week_for_paper_families(app, runner, ids, tmp_path):
    pypdf = weasyprint_or_skip()
    set_student(app, ids["emil"], delivery="paper", statement_language="crh")
    set_student(app, ids["lenur"], delivery="paper")  # 6-А: not in a --class 5A batch
    path = tmp_path / "week.pdf"
    result = runner.invoke(args=["school", "--lang", "ru", "statements", "--week", W48, "--class", "5A",
                                 "--pdf", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"В {path} записана 1 выписка."
    pages, text = pdf_text(pypdf, path.read_bytes())
    assert pages == 1 and "Аблаев Эмиль" in text and "Аблаев Ленур" not in text
    assert printed(app) == [(ids["emil"], dt.date(2026, 11, 23), dt.date(2026, 11, 29))]


def test_cli_with_nothing_to_print_writes_nothing(app, runner, tmp_path):
    path = tmp_path / "none.pdf"
    result = runner.invoke(args=["school", "--lang", "ru", "statements", "--week", W48, "--class", "5-А",
                                 "--pdf", str(path)])
    assert result.exit_code == 0, result.output
    assert "Печатать нечего" in result.output and not path.exists()
    assert printed(app) == []


@pytest.mark.parametrize("args", [["--week", "2026-W48", "--from", "2026-11-01", "--to", "2026-11-02"],
                                  ["--from", "2026-11-01"], ["--week", "48"], ["--class", "5Z"]])
def test_cli_refuses_unclear_requests(runner, tmp_path, args):
    result = runner.invoke(args=["school", "statements", *args, "--pdf", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and not (tmp_path / "x.pdf").exists()


# ---------------------------------------------------------------- signed statements and acknowledgement counts

def test_class_teacher_records_a_signed_statement(app, auth, ids):
    set_student(app, ids["emil"], delivery="paper")
    auth.login("teacher")
    auth.post(f"/statements/classes/{ids['class5']}/printed?week={W48}", {})
    with app.app_context():
        paper_id = db.session.scalar(select(PaperStatement.id))
        db.session.add(DiaryView(user_id=ids["users"]["parent"], student_id=ids["other5"][0],
                                 week_start=dt.date(2026, 11, 23), viewed_at=dt.datetime(2026, 11, 24, 19),
                                 acknowledged_at=dt.datetime(2026, 11, 24, 19, 5)))
        db.session.commit()
    page = auth.client.get(f"/statements/?class_id={ids['class5']}&week={W48}").get_data(as_text=True)
    assert f'id="paper-{paper_id}"' in page
    assert f'1 напечатано, <span id="returned-{ids["emil"]}">0</span> возвращено' in page
    assert "24.11" in page  # the acknowledgement of Иванов's family

    r = auth.post(f"/statements/{paper_id}/returned", {"returned": "1", "class_id": ids["class5"],
                                                        "from": "2026-11-23", "to": "2026-11-29"}, headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.startswith(f'<span id="paper-{paper_id}"')
    assert f'<span id="returned-{ids["emil"]}" hx-swap-oob="true">1</span>' in html  # the count beside it
    assert 'name="returned" value="0"' in html and 'name="from" value="2026-11-23"' in html  # undo, same page
    assert "HX-Request" in r.headers["Vary"]
    with app.app_context():
        paper = db.session.get(PaperStatement, paper_id)
        assert paper.returned_on == TODAY and paper.recorded_by == ids["users"]["teacher"]
    r = auth.post(f"/statements/{paper_id}/returned", {"returned": "0", "class_id": ids["class5"]})
    assert r.status_code == 303 and "/statements/" in r.headers["Location"]
    with app.app_context():
        assert db.session.get(PaperStatement, paper_id).returned_on is None
    assert auth.post(f"/statements/{paper_id}/returned", {"returned": "maybe"}, headers=HX).status_code == 422


def test_only_the_class_teacher_records_returns(app, auth, ids):
    with app.app_context():
        paper = PaperStatement(student_id=ids["emil"], first_day=dt.date(2026, 11, 16), last_day=dt.date(2026, 11, 22),
                               printed_at=dt.datetime(2026, 11, 20, 14))
        db.session.add(paper)
        db.session.commit()
        paper_id = paper.id
    auth.login("teacher2")  # class teacher, of 6-А
    assert auth.post(f"/statements/{paper_id}/returned", {"returned": "1"}, headers=HX).status_code == 404
    auth.logout()
    auth.login("director")
    assert auth.post(f"/statements/{paper_id}/returned", {"returned": "1"}, headers=HX).status_code == 403
    assert auth.client.get(f"/statements/?class_id={ids['class5']}&week=2026-W47").status_code == 200


# ---------------------------------------------------------------- the paper register and the summary statement

def test_register_lists_grid_and_topics_with_repeating_headers(app, auth, ids):
    add_mark(app, ids["lesson"], ids["emil"], "5", "answer")
    auth.login("teacher")
    r = auth.client.get(f"/statements/courses/{ids['math5']}/register?period={ids['q2']}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<thead>" in html and 'class="topics' in html
    assert "Дроби" in html and "24.11" in html and "Аблаев Эмиль" in html
    assert "<nav" not in html and "<script" not in html and "print.css" in html
    assert "Напечатано" in html


def add_period_marks(app, ids):
    with app.app_context():
        teacher = ids["users"]["teacher"]
        now = dt.datetime.combine(TODAY, dt.time(10))
        rows = [PeriodMark(student_id=sid, course_id=ids["math5"], kind="period", period_id=ids["q2"], scale="five",
                           code=code, set_by=teacher, set_at=now, version=1)
                for sid, code in ((ids["emil"], "5"), (ids["other5"][0], "4"))]
        rows.append(PeriodMark(student_id=ids["emil"], course_id=ids["rus5"], kind="year", scale="five", code="4",
                               set_by=teacher, set_at=now, version=1))
        db.session.add_all(rows)
        db.session.commit()
        return rows[0].id


def test_summary_sha256_covers_the_marks_it_lists(app, auth, ids):
    from school.statements.summary import canonical_text, summary

    first = add_period_marks(app, ids)
    with app.app_context():
        klass = db.session.get(SchoolClass, ids["class5"])
        s = summary(klass)
        text = canonical_text(s.marks)
        assert text.split("\n") == sorted([
            f"{ids['emil']}|Аблаев Эмиль|math|period|2|5",
            f"{ids['emil']}|Аблаев Эмиль|rus|year||4",
            f"{ids['other5'][0]}|Иванов Иван|math|period|2|4"])
        assert s.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
        before = s.sha256
        assert summary(klass).sha256 == before  # the same marks, the same hash
        db.session.get(PeriodMark, first).code = "4"
        db.session.commit()
        after = summary(klass).sha256
        assert after != before
    auth.login("director")
    html = auth.client.get(f"/statements/classes/{ids['class5']}/summary").get_data(as_text=True)
    assert after in html and "Аблаев Эмиль" in html


def test_summary_pdf_carries_the_hash_and_the_marks(app, auth, ids):
    pypdf = weasyprint_or_skip()
    from school.statements.summary import summary

    add_period_marks(app, ids)
    with app.app_context():
        s = summary(db.session.get(SchoolClass, ids["class5"]))
        expected, canonical = s.sha256, s.canonical
    auth.login("teacher")
    r = auth.client.get(f"/statements/classes/{ids['class5']}/summary.pdf")
    reader = pypdf.PdfReader(io.BytesIO(r.data))
    assert expected in reader.pages[-1].extract_text().replace("\n", "")
    assert reader.attachments["marks.txt"][0].decode("utf-8") == canonical


def test_the_statements_page_lists_the_class_and_its_registers(auth, ids):
    auth.login("teacher")
    r = auth.client.get("/statements/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "5-А" in html and "6-А" not in html
    assert f"/statements/classes/{ids['class5']}.pdf?week={W48}" in html
    assert f"/statements/courses/{ids['math5']}/register?period=" in html
    assert 'href="/statements/"' in html  # the link in the navigation
