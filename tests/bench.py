"""`make bench`: the figures the issues name, as JSON lines on stdout (nothing else goes to stdout).

The fixture is the demo school plus a 35-student class with 30 lessons for the grid figures, built in a scratch
database: a temporary SQLite file, or a scratch database on the PostgreSQL server DATABASE_URL points at (created
and dropped here). The first line names the database. Every page and save is measured twice: in-process through
the Flask test client, and as `http_*` through gunicorn on 127.0.0.1 with the README's settings (`-w 2 --threads 4`)
by a plain keep-alive http.client after logging in. Times are judged as ratios to baseline_ms (GET /healthz)
measured the same way in the same run, each run against the baseline of its own round (measure()), so a slow or
shared machine neither fails them nor hides a regression.
Statement counts (`*_queries`) are deterministic. `make bench` prints everything, then exits 1 when a figure is
over its budget (named on stderr).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
import gzip
import http.client
import io
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path

os.environ["DEFTER_TODAY"] = "2026-11-24"
TODAY = dt.date(2026, 11, 24)
ROOT = Path(__file__).resolve().parent.parent

# The issues' budgets: ratios to baseline_ms of the same run (in-process and through the server alike), sizes,
# seconds and statement counts. `make bench` fails when a figure is over its budget.
RATIO_BUDGETS = {
    "login_page_per_baseline": 8,
    "mark_save_p50_per_baseline": 10, "mark_save_p99_per_baseline": 25,
    "attendance_save_p50_per_baseline": 10, "attendance_save_p99_per_baseline": 25,
    "grid_render_per_baseline": 60,
    "diary_week_per_baseline": 20, "diary_marks_per_baseline": 20, "diary_attendance_per_baseline": 20,
    "teacher_day_per_baseline": 20,
}
BUDGETS = {
    **RATIO_BUDGETS, **{f"http_{k}": v for k, v in RATIO_BUDGETS.items()},
    "mark_save_response_bytes": 1024, "grid_page_gzip_bytes": 40 * 1024,
    "diary_week_first_visit_bytes": 15 * 1024, "diary_week_first_visit_requests": 3,
    "diary_week_repeat_visit_bytes": 6 * 1024,
    "statements_class_pdf_s": 2, "statements_school_html_s": 3, "statements_pdf_peak_mb": 300,
    # A class's statements read a constant number of times, whatever the number of its students.
    "statements_class_queries_growth": 0,
    "import_preview_1000_rows_ms": 2000, "import_commit_1000_rows_ms": 5000, "admin_people_list_ms": 50,
    "lessons_generate_year_s": 10, "timetable_class_page_ms": 250,
    # Control reports (issue 11): each for the whole demo school and the current period, the largest one's XLSX.
    "report_timeliness_ms": 500, "report_accumulation_ms": 500, "report_results_ms": 500,
    "report_attendance_ms": 500, "report_unsatisfactory_ms": 500, "report_curriculum_ms": 500,
    "report_changes_ms": 500, "report_mark_changes_ms": 500, "report_activity_ms": 500,
    "report_timeliness_xlsx_ms": 2000, "director_page_ms": 200,
    # The timeliness report reads a constant number of times, whatever the number of students (a class or the school).
    "report_timeliness_queries_growth": 0,
    "plan_import_preview_ms": 500,
    "messages_inbox_first_visit_bytes": 15 * 1024,
    "asc_import_preview_ms": 3000,
}
SEEN: dict[str, float] = {}


def emit(metric: str, value, unit: str, **extra) -> None:
    SEEN[metric] = value
    line = {"metric": metric, "value": round(value, 3) if isinstance(value, float) else value, "unit": unit}
    if metric in BUDGETS:
        line["budget"] = BUDGETS[metric]
    print(json.dumps({**line, **extra}, ensure_ascii=False), flush=True)


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def emit_time(prefix: str, name: str, times: list[float], ratios: list[float], p99: bool = False) -> None:
    """The median (and p99) in ms, and of the ratios: each run's time over the baseline of its own round, of the
    same kind (in-process or http)."""
    if p99:
        emit(f"{prefix}{name}_p50_ms", statistics.median(times), "ms")
        emit(f"{prefix}{name}_p50_per_baseline", statistics.median(ratios), "ratio")
        emit(f"{prefix}{name}_p99_ms", p(times, 0.99), "ms")
        emit(f"{prefix}{name}_p99_per_baseline", p(ratios, 0.99), "ratio")
    else:
        emit(f"{prefix}{name}_ms", statistics.median(times), "ms")
        emit(f"{prefix}{name}_per_baseline", statistics.median(ratios), "ratio")


class Statements:
    """Counts the SQL statements the engine runs (cursor executions), for the deterministic `*_queries` figures."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1

    def of(self, fn) -> int:
        before = self.count
        fn()
        return self.count - before


# ---------------------------------------------------------------------------------------------------- the database

@contextlib.contextmanager
def scratch_database():
    """(kind, URL) of an empty database for this run: PostgreSQL when DATABASE_URL names one, else SQLite."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from school.config import _database_url

    url = os.environ.get("DATABASE_URL", "").strip()
    if not url or not url.startswith(("postgres://", "postgresql")):
        tmp = tempfile.mkdtemp(prefix="defter-bench-")
        yield "sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    server = make_url(_database_url(""))  # the psycopg 3 driver named as the app names it
    name = f"defter_bench_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield "postgresql", server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def database_version(app) -> str:
    from sqlalchemy import text

    from school.extensions import db
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            return "SQLite " + db.session.scalar(text("select sqlite_version()"))
        return db.session.scalar(text("show server_version")).split()[0]

def build(app) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from school import demo
    from school.extensions import db
    from school.models import (AcademicYear, Course, Enrolment, Lesson, Mark, Person, SchoolClass, Student, Subject,
                               User, WorkKind)

    with app.app_context():
        with contextlib.redirect_stdout(sys.stderr):
            upgrade()
            demo.build(TODAY)
        year = db.session.scalar(select(AcademicYear).where(AcademicYear.is_current.is_(True)))
        teacher = db.session.scalar(select(User).where(User.username == "teacher"))
        subject = db.session.scalar(select(Subject).where(Subject.short == "math"))
        klass = SchoolClass(year_id=year.id, grade=9, letter="Я", period_scheme="quarters", marks_from=year.first_day)
        db.session.add(klass)
        db.session.flush()
        rnd = random.Random(35)
        students = []
        for i in range(35):
            st = Student(person=Person(surname=f"Бенчев{i:02d}", name=rnd.choice(["Анна", "Эмиль", "Тарас"])),
                         consent_date=year.first_day)
            db.session.add(st)
            db.session.flush()
            db.session.add(Enrolment(student_id=st.id, class_id=klass.id, from_day=year.first_day))
            students.append(st.id)
        course = Course(year_id=year.id, subject_id=subject.id, teacher_id=teacher.id, class_id=klass.id,
                        hours_per_week=Decimal(5))
        db.session.add(course)
        db.session.flush()
        answer = db.session.scalar(select(WorkKind).where(WorkKind.code == "answer"))
        lessons = []
        day = dt.date(2026, 11, 5)
        while len(lessons) < 30:
            if day.weekday() < 5:
                for number in (3, 4):
                    if len(lessons) < 30:
                        lesson = Lesson(course_id=course.id, day=day, number=number, topic=f"Тема {len(lessons) + 1}",
                                        work_kind_id=answer.id, state="held")
                        db.session.add(lesson)
                        lessons.append(lesson)
            day += dt.timedelta(days=1)
        db.session.flush()
        now = dt.datetime(2026, 11, 24, 9)
        for lesson in lessons:
            for sid in students:
                if rnd.random() < 0.35:
                    db.session.add(Mark(lesson_id=lesson.id, student_id=sid, slot=1, scale="five",
                                        code=rnd.choice("2345"), work_kind_id=answer.id, weight=answer.weight,
                                        author_id=teacher.id, created_at=now, updated_at=now, version=1))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a bulk load in any running school (PostgreSQL 13 and later
            # vacuum after inserts too): the statistics, without which the planner guesses one row per table and
            # nests loops over the to-do's lessons and absences, and the visibility map, without which an
            # index-only scan (has a test marks?) visits the table for every row.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        open_lessons = [les.id for les in lessons if 0 <= (TODAY - les.day).days <= 14]
        return dict(course=course.id, students=students, open_lessons=open_lessons)


# ----------------------------------------------------------------------------------------------------- the clients

class InProcess:
    """The Flask test client behind the same small interface as OverHttp."""

    def __init__(self, app) -> None:
        self.client = app.test_client()

    def request(self, method: str, url: str, data: dict | None = None, headers: dict | None = None):
        r = self.client.open(url, method=method, data=data, headers=headers or {})
        return r.status_code, r.get_data(), r.headers


class OverHttp:
    """A plain http.client over one keep-alive connection, keeping the cookies it is given."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, data: dict | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, url, body=body, headers=headers)
        r = self.conn.getresponse()
        content = r.read()
        for header in r.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return r.status, content, r.headers


def csrf_of(html: bytes) -> str:
    text = html.decode()
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text) or re.search(r'"X-CSRFToken": "([^"]+)"', text)
    return found.group(1)


def logged_in(client, username: str):
    _, html, _ = client.request("GET", "/login")
    status, _, _ = client.request("POST", "/login", {"username": username, "password": "demo",
                                                     "csrf_token": csrf_of(html)})
    assert status == 302, (username, status)
    return client


def ok(client, url: str, headers: dict | None = None) -> bytes:
    status, body, _ = client.request("GET", url, headers=headers)
    assert status == 200, (url, status)
    return body


PHONE = {"Accept-Encoding": "br, gzip", "User-Agent": "Mozilla/5.0 (Linux; Android 8) Mobile"}
VERSION_RE = re.compile(rb'data-v="([^"]+)"')


class Saves:
    """The grid's saves of cells, one a call as the grid sends them, cycling through the cells; keeps each cell's
    version as the answer gives it, and the answers' sizes."""

    def __init__(self, teacher, token: str, cells: list, versions: dict, actions: str | tuple, seed: int) -> None:
        self.teacher, self.cells, self.versions, self.actions = teacher, cells, versions, actions
        self.headers = {"HX-Request": "true", "X-CSRFToken": token}
        self.rnd, self.i, self.sizes = random.Random(seed), 0, []

    def __call__(self) -> None:
        lesson_id, sid = self.cells[self.i % len(self.cells)]
        self.i += 1
        data = {"action": self.rnd.choice(self.actions), "version": self.versions.get((lesson_id, sid), "0-0")}
        status, body, _ = self.teacher.request("POST", f"/journal/lessons/{lesson_id}/students/{sid}", data,
                                               self.headers)
        assert status == 200, (status, body[:300])
        self.sizes.append(len(body))
        self.versions[(lesson_id, sid)] = VERSION_RE.search(body).group(1).decode()


def measure(prefix: str, new_client, fixture: dict, versions: dict, n: int, queries=None) -> None:
    """The pages and saves the issues name, through one kind of client; `prefix` names the kind ("" or "http_").
    With `queries` (in-process only) also the statements each one runs.

    The runs are taken in n rounds: in each, a block of the baseline (GET /healthz), then a few runs of every
    figure in turn, so that every figure's runs are spread over the same seconds. A run's ratio is its time over
    the baseline of its own round. This machine has spells of a second or so in which everything runs about 1.7
    times slower, /healthz too (twelve blocks of 100 in a row: 0.24, 0.39, 0.39, 0.42, 0.45 ms ...). One block of
    the baseline taken before the figures, as the bench did, caught one spell or none and moved every ratio of the
    run with it: five runs of the same code gave the diary's week 14.6-20.8 and the grid 51.9-64.6; with the
    baseline of each round, 15.5-17.6 and 51.5-55.6. The round's first two requests of /healthz are not counted
    (the one after a page pays for the caches the page left cold), which can only make the baseline lower and the
    ratios higher."""
    anonymous = new_client()
    teacher = logged_in(new_client(), "teacher")
    grid_url = f"/journal/courses/{fixture['course']}"
    token = csrf_of(ok(teacher, grid_url))
    cells = [(les, sid) for les in fixture["open_lessons"] for sid in fixture["students"]]
    mark_saves = Saves(teacher, token, cells, versions, "2345", 7)
    attendance_saves = Saves(teacher, token, cells, versions, ("absent", "late"), 8)
    parent = logged_in(new_client(), "parent")
    student_id = re.search(rb'/diary/(\d+)/marks', ok(parent, "/diary/")).group(1).decode()

    baseline = lambda: ok(anonymous, "/healthz")  # noqa: E731
    for _ in range(20):
        baseline()
    # name: (one run, runs a round, with p99)
    figures = {
        "login_page": (lambda: ok(anonymous, "/login"), 5, False),
        "grid_render": (lambda: ok(teacher, grid_url), 2, False),
        "teacher_day": (lambda: ok(teacher, "/"), 3, False),
        "mark_save": (mark_saves, 40, True),
        "attendance_save": (attendance_saves, 40, True),
        "diary_week": (lambda: ok(parent, "/diary/", PHONE), 3, False),
        "diary_marks": (lambda: ok(parent, f"/diary/{student_id}/marks", PHONE), 3, False),
        "diary_attendance": (lambda: ok(parent, f"/diary/{student_id}/attendance", PHONE), 3, False),
    }
    for name, (fn, _runs, _p99) in figures.items():
        for _ in range(5):
            fn()
        if queries is not None:
            emit(f"{name}_queries", queries.of(fn), "statements")
    bases: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in figures}
    ratios: dict[str, list[float]] = {name: [] for name in figures}
    for _ in range(n):
        baseline()
        baseline()
        block = timed(baseline, 20)
        bases.extend(block)
        base = statistics.median(block)
        for name, (fn, runs, _p99) in figures.items():
            taken = timed(fn, runs)
            times[name].extend(taken)
            ratios[name].extend(t / base for t in taken)
    emit(f"{prefix}baseline_ms", statistics.median(bases), "ms", rounds=n,
         fastest_round=round(min(statistics.median(bases[i:i + 20]) for i in range(0, len(bases), 20)), 3),
         slowest_round=round(max(statistics.median(bases[i:i + 20]) for i in range(0, len(bases), 20)), 3))
    for name, values in times.items():
        emit_time(prefix, name, values, ratios[name], p99=figures[name][2])
    if not prefix:
        emit("mark_save_response_bytes", int(statistics.median(mark_saves.sizes)), "bytes")


def sizes(app, fixture: dict) -> None:
    """Bytes of the grid's first visit and of the parent's week on a phone (first visit and repeat)."""
    teacher = logged_in(InProcess(app), "teacher")
    grid_url = f"/journal/courses/{fixture['course']}"
    body = ok(teacher, grid_url)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', body.decode())
    raw = len(body)
    compressed = len(ok(teacher, grid_url, {"Accept-Encoding": "gzip"}))
    for url in assets:
        raw += len(ok(teacher, url))
        _, data, headers = teacher.request("GET", url, headers={"Accept-Encoding": "gzip"})
        compressed += len(data) if headers.get("Content-Encoding") == "gzip" else len(gzip.compress(data))
    emit("grid_page_bytes", raw, "bytes")
    emit("grid_page_gzip_bytes", compressed, "bytes")

    parent = logged_in(InProcess(app), "parent")
    status, _, headers = parent.request("GET", "/diary/", headers=PHONE)
    assert status == 200 and headers.get("Content-Encoding") == "br"
    text = ok(parent, "/diary/").decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', text)
    assert "<script" not in text and len(assets) <= 2, assets
    first = _wire_bytes(parent, "/diary/") + sum(_wire_bytes(parent, u) for u in assets)
    emit("diary_week_first_visit_bytes", first, "bytes")
    emit("diary_week_first_visit_requests", 1 + len(assets), "requests")
    emit("diary_week_repeat_visit_bytes", _wire_bytes(parent, "/diary/"), "bytes")


def _wire_bytes(client, url: str) -> int:
    """Body plus status line and headers, as they cross the network to a phone."""
    status, body, headers = client.request("GET", url, headers=PHONE)
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return len(head.encode()) + 2 + len(body)


@contextlib.contextmanager
def gunicorn(database_url: str):
    """The app under gunicorn on a free loopback port with the README's settings; yields the port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    instance = tempfile.mkdtemp(prefix="defter-bench-instance-")
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench", "DEFTER_INSTANCE": instance,
           "DEFTER_TODAY": TODAY.isoformat()}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4",
                               "-b", f"127.0.0.1:{port}", "app:app"], cwd=ROOT, env=env,
                              stdout=sys.stderr, stderr=sys.stderr)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start")
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(30)


# ------------------------------------------------------------------------------------------------------------ main

def main() -> None:
    from school import create_app
    from school.extensions import db

    with scratch_database() as (kind, url):
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        emit("database", kind, "kind", version=database_version(app))
        fixture = build(app)
        with app.app_context():
            queries = Statements(db.engine)
            versions = current_versions(fixture)
        # Building the fixture leaves a heap a serving worker would not have; keep it out of the collector's way.
        gc.collect()
        gc.freeze()
        measure("", lambda: InProcess(app), fixture, versions, 15, queries)
        sizes(app, fixture)
        with gunicorn(url) as port:
            measure("http_", lambda: OverHttp(port), fixture, versions, 10)
        statements(app, queries)
        admin_people_list(app)
        timetable_figures(app)
        reports(app, queries)
        messages_and_outbox(app)
        imports(app)
        plan_import(app)
        asc_import(app)
        with app.app_context():
            db.engine.dispose()
    sys.exit(check_budgets())


def current_versions(fixture: dict) -> dict[tuple[int, int], str]:
    """The version each open cell of the bench class shows (marks-attendance), as the grid would send it."""
    from sqlalchemy import select

    from school.models import Attendance, Mark
    from school.extensions import db
    versions: dict[tuple[int, int], str] = {}
    for m in db.session.scalars(select(Mark).where(Mark.lesson_id.in_(fixture["open_lessons"]), Mark.slot == 1)):
        versions[(m.lesson_id, m.student_id)] = f"{m.version}-0"
    for a in db.session.scalars(select(Attendance).where(Attendance.lesson_id.in_(fixture["open_lessons"]))):
        mv = versions.get((a.lesson_id, a.student_id), "0-0").split("-")[0]
        versions[(a.lesson_id, a.student_id)] = f"{mv}-{a.version}"
    return versions


def check_budgets() -> int:
    over = [f"{k}: {SEEN[k]:.3f} > {limit}" for k, limit in BUDGETS.items() if k in SEEN and SEEN[k] > limit]
    missing = [k for k in BUDGETS if k not in SEEN]
    for line in over:
        print(f"over budget: {line}", file=sys.stderr)
    for k in missing:
        print(f"not measured: {k}", file=sys.stderr)
    return 1 if over or missing else 0


def statements(app, queries: Statements) -> None:
    """Printed statements: a 30-student class printed whole, as HTML and as PDF (a copy of the demo's 5-А with
    this week's lessons, marks and absences, families in all three languages), and the HTML of every student
    of the demo school, class by class. The statements a class's page runs, for that class and for the demo's 5-А
    (another number of students): their difference is `statements_class_queries_growth`."""
    from sqlalchemy import func, or_, select

    from school.extensions import db
    from school.models import (Attendance, Course, Enrolment, Lesson, Mark, Person, SchoolClass, Student,
                               TimetableSlot, User, WorkKind)

    with app.app_context():
        # The demo school's classes, not the 35-student class build() added (9-Я).
        demo_ids = db.session.scalars(select(SchoolClass.id).where(SchoolClass.letter != "Я")
                                      .order_by(SchoolClass.grade, SchoolClass.letter)).all()
        source = db.session.scalar(select(SchoolClass).where(SchoolClass.grade == 5, SchoolClass.letter == "А"))
        klass = SchoolClass(year_id=source.year_id, grade=5, letter="Ю", class_teacher_id=source.class_teacher_id,
                            period_scheme=source.period_scheme, marks_from=source.marks_from)
        db.session.add(klass)
        db.session.flush()
        copies: dict[int, Course] = {}
        for c in db.session.scalars(select(Course).where(Course.class_id == source.id).order_by(Course.id)):
            if c.subject_id in {k.subject_id for k in copies.values()}:
                continue  # one course per subject: the copy has no subgroups
            copies[c.id] = Course(year_id=c.year_id, subject_id=c.subject_id, teacher_id=c.teacher_id,
                                  class_id=klass.id, hours_per_week=c.hours_per_week)
        db.session.add_all(copies.values())
        db.session.flush()
        for s in db.session.scalars(select(TimetableSlot).where(TimetableSlot.course_id.in_(copies))):
            db.session.add(TimetableSlot(course_id=copies[s.course_id].id, weekday=s.weekday,
                                         lesson_number=s.lesson_number, room=s.room, valid_from=s.valid_from))
        rnd = random.Random(30)
        students = []
        for i in range(30):
            st = Student(person=Person(surname=f"Печатов{i:02d}", name=rnd.choice(["Алие", "Эмиль", "Оксана"]),
                                       patronymic="Тестович"), consent_date=klass.year.first_day, delivery="paper",
                         statement_language=("ru", "uk", "crh")[i % 3])
            db.session.add(st)
            db.session.flush()
            db.session.add(Enrolment(student_id=st.id, class_id=klass.id, from_day=klass.year.first_day))
            students.append(st.id)
        kinds = db.session.scalars(select(WorkKind)).all()
        teacher = db.session.scalar(select(User).where(User.username == "teacher"))
        now = dt.datetime(2026, 11, 24, 9)
        period_start = dt.date(2026, 11, 5)  # marks since the start of the quarter give the averages
        for les in db.session.scalars(select(Lesson).where(Lesson.course_id.in_(copies), Lesson.day >= period_start,
                                                           Lesson.day <= TODAY)):
            copy = Lesson(course_id=copies[les.course_id].id, day=les.day, number=les.number, topic=les.topic,
                          homework=les.homework, work_kind_id=les.work_kind_id, state=les.state)
            db.session.add(copy)
            db.session.flush()
            for sid in students:
                roll = rnd.random()
                if roll < 0.25:
                    kind = rnd.choice(kinds)
                    db.session.add(Mark(lesson_id=copy.id, student_id=sid, slot=1, scale="five",
                                        code=rnd.choice("2345"), work_kind_id=kind.id, weight=kind.weight,
                                        author_id=teacher.id, created_at=now, updated_at=now, version=1))
                elif roll > 0.96:
                    db.session.add(Attendance(lesson_id=copy.id, student_id=sid, code=rnd.choice(["absent", "ill",
                                                                                                 "late"]),
                                              set_by=teacher.id, set_at=now, version=1))
        db.session.commit()
        class_id, source_id = klass.id, source.id
        sizes = {cid: db.session.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.class_id == cid, Enrolment.from_day <= TODAY,
            or_(Enrolment.to_day.is_(None), Enrolment.to_day >= TODAY))) for cid in (class_id, source_id)}

    director = app.test_client()
    html = director.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    director.post("/login", data={"username": "director", "password": "demo", "csrf_token": token})

    def get(url: str, kind: str):
        r = director.get(url)
        assert r.status_code == 200 and r.mimetype == kind, (url, r.status_code)
        return r

    page = get(f"/statements/classes/{class_id}?all=1", "text/html").get_data(as_text=True)
    assert page.count('class="sheet statement"') == 30
    counted = {}
    for cid in (class_id, source_id):
        # The fewer of two views in a row: what the process keeps for 30 s (the school's settings, the bells, the
        # holidays: queries._kept) is read again by a view during which it expires, and by only one of the two.
        counted[cid] = min(queries.of(lambda: get(f"/statements/classes/{cid}?all=1", "text/html"))
                           for _ in range(2))
        emit("statements_class_queries", counted[cid], "statements", students=sizes[cid])
    emit("statements_class_queries_growth", counted[class_id] - counted[source_id], "statements",
         students=sizes[class_id] - sizes[source_id])
    emit("statements_class_html_s", statistics.median(timed(
        lambda: get(f"/statements/classes/{class_id}?all=1", "text/html"), 5)) / 1000, "s")
    # WeasyPrint's import and fonts, once; the fork server of the layout processes starts (a worker's first PDF).
    get(f"/statements/classes/{demo_ids[0]}.pdf", "application/pdf")
    get(f"/statements/classes/{source_id}.pdf?all=1", "application/pdf")
    emit("statements_class_pdf_s", statistics.median(timed(
        lambda: get(f"/statements/classes/{class_id}.pdf?all=1", "application/pdf"), 3)) / 1000, "s")

    # The memory of one worker printing that class over four weeks (the PDF is laid out a few students at a time):
    # the peak resident size during the request over the size before it (Linux: clear_refs resets the peak), plus
    # what the processes that laid the documents out beside it added at their peak (pdf.last_layout).
    from school.layout import status_kb
    from school.statements import pdf
    four_weeks = {"from": (TODAY - dt.timedelta(days=27)).isoformat(), "to": TODAY.isoformat(), "all": "1"}
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    before = status_kb("VmRSS")
    r = director.get(f"/statements/classes/{class_id}.pdf", query_string=four_weeks)
    assert r.status_code == 200 and r.mimetype == "application/pdf", r.status_code
    layout = pdf.last_layout
    emit("statements_pdf_peak_mb", (status_kb("VmHWM") - before + layout.others_peak_kb) / 1024, "MB",
         processes=layout.processes)

    def school() -> None:
        for cid in demo_ids:
            get(f"/statements/classes/{cid}?all=1", "text/html")
    emit("statements_school_html_s", statistics.median(timed(school, 3)) / 1000, "s")


def admin_people_list(app) -> None:
    """The administrator's students list over the whole demo school (before the import adds its 1,000), searched
    by a part of a name most students share: one page as served."""
    from sqlalchemy import func, select

    from school.extensions import db
    from school.models import Student
    with app.app_context():
        total = db.session.scalar(select(func.count(Student.id)))
    admin = admin_client(app)
    url = "/admin/people/students?q=а"
    page = admin.get(url)
    rows = len(re.findall(r'href="/admin/people/students/\d+"', page.get_data(as_text=True)))
    assert page.status_code == 200 and rows >= min(total, 200) // 2, (page.status_code, rows, total)
    emit("admin_people_list_ms", statistics.median(timed(lambda: admin.get(url), 50)), "ms")


def timetable_figures(app) -> None:
    """The whole demo school's year of lessons made again from its timetable (the future lessons deleted first,
    then generated from the year's first day, as after a new timetable), and the administrator's week of a class
    with its editor (a form in every cell), one page as served."""
    from sqlalchemy import delete, select

    from school.extensions import db
    from school.models import AcademicYear, Lesson, SchoolClass
    from school.register import timetable
    with app.app_context():
        year = db.session.scalar(select(AcademicYear).where(AcademicYear.is_current.is_(True)))
        db.session.execute(delete(Lesson).where(Lesson.day > TODAY))
        db.session.commit()
        start = time.perf_counter()
        result = timetable.generate(None, year.id)
        emit("lessons_generate_year_s", time.perf_counter() - start, "s", created=result.created,
             removed=result.removed, kept=len(result.kept))
        assert result.created > 1000, result.created
        klass = db.session.scalar(select(SchoolClass).where(SchoolClass.year_id == year.id)
                                  .order_by(SchoolClass.grade.desc(), SchoolClass.letter).limit(1))
        class_id = klass.id
    admin = admin_client(app)
    url = f"/timetable/classes/{class_id}"
    page = admin.get(url)
    assert page.status_code == 200 and page.get_data(as_text=True).count('class="add"') >= 25, page.status_code
    emit("timetable_class_page_ms", statistics.median(timed(lambda: admin.get(url), 20)), "ms")
def reports(app, queries: Statements) -> None:
    """The control reports and the director's page (/reports/overview) as the director opens them: the whole demo
    school and the current period (the default), median of 10; the XLSX of the timeliness report (the largest: a row per late entry). The statements the
    timeliness report runs for the whole school and for one class (the demo's 5-А): `report_timeliness_queries`,
    and their difference `report_timeliness_queries_growth`."""
    from flask import request
    from flask_login import login_user
    from sqlalchemy import select

    from school.extensions import db
    from school.models import SchoolClass, User
    from school.reports import filters, timeliness

    director = app.test_client()
    html = director.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    director.post("/login", data={"username": "director", "password": "demo", "csrf_token": token})
    for name in ("timeliness", "accumulation", "results", "attendance", "unsatisfactory", "curriculum", "changes",
                 "mark_changes", "activity"):
        url = f"/reports/{name}"
        assert director.get(url).status_code == 200, url
        emit(f"report_{name}_ms", statistics.median(timed(lambda: director.get(url), 10)), "ms")
    assert director.get("/reports/overview").status_code == 200
    emit("director_page_ms", statistics.median(timed(lambda: director.get("/reports/overview"), 10)), "ms")
    assert director.get("/reports/timeliness.xlsx").status_code == 200
    emit("report_timeliness_xlsx_ms", statistics.median(timed(lambda: director.get("/reports/timeliness.xlsx"), 3)),
         "ms")

    def count(**args) -> int:
        with app.test_request_context(query_string=args):
            user = db.session.scalar(select(User).where(User.username == "director"))
            login_user(user)
            f, _options, _error = filters.parse(request.args, user, "ru")
            timeliness.compute(f, "ru")  # the school's settings are cached by the first call
            return queries.of(lambda: timeliness.compute(f, "ru"))

    with app.app_context():
        five = db.session.scalar(select(SchoolClass.id).where(SchoolClass.grade == 5, SchoolClass.letter == "А"))
    school, one = count(), count(class_id=str(five))
    emit("report_timeliness_queries", school, "statements")
    emit("report_timeliness_queries_growth", school - one, "statements")
def messages_and_outbox(app) -> None:
    """The parent's inbox on a phone, first visit (page and its assets as they cross the network) with ten
    conversations of four messages about their children; and 100 notices sent from the outbox to an SMTP server
    on loopback (aiosmtpd), one connection, as the worker sends them."""
    from aiosmtpd.controller import Controller
    from sqlalchemy import delete, select

    from school.access import family_students
    from school.extensions import db
    from school.messages import service as messages
    from school.models import OutboxMessage, User
    from school.notices import outbox

    with app.test_request_context("/"), app.app_context():
        parent = db.session.scalar(select(User).where(User.username == "parent"))
        children = family_students(parent)
        for n in range(10):
            student = children[n % len(children)]
            teacher = messages.teachers_of(student)[n % 3]
            thread = messages.start(parent, student, teacher, f"Вопрос № {n + 1} о домашнем задании",
                                    "Здравствуйте! Подскажите, пожалуйста, что задано на завтра? " * 3)
            for k in range(3):
                messages.reply(teacher if k % 2 == 0 else parent, thread, "Ответ: параграф 12, упражнения 3–5. " * 2)
    client = logged_in(InProcess(app), "parent")
    text = ok(client, "/messages/").decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', text)
    assert "<script" not in text and text.count('class="threads"') == 1, assets
    emit("messages_inbox_first_visit_bytes",
         _wire_bytes(client, "/messages/") + sum(_wire_bytes(client, u) for u in assets), "bytes")

    class Count:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Count.received += 1
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    smtp = Controller(Count(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        with app.app_context():
            db.session.execute(delete(OutboxMessage))  # the messages' own notices: only the 100 are measured
            for n in range(100):
                outbox.queue(key=f"bench:{n}", kind="absence", to=f"family{n}@example.org", language="ru",
                             subject=f"Ученик {n}: отсутствовал(а) 24 ноября", text="Урок 1, Математика\n" * 5,
                             html="<p>Урок 1, Математика</p>" * 5)
            db.session.commit()
            start = time.perf_counter()
            done = outbox.send_due()
            elapsed = (time.perf_counter() - start) * 1000
        assert done["sent"] == 100 and Count.received == 100, (done, Count.received)
        emit("outbox_send_100_ms", elapsed, "ms")
    finally:
        smtp.stop()


def imports(app) -> None:
    """A 1,000-student XLSX with two guardians each (siblings share a parent) into the demo school's classes: the
    administrator's preview page (read, plan, render) and the confirm that writes it."""
    from tests.imports_files import xlsx
    from school.imports.columns import headers

    classes = ["1-А", "1-Б", "2-А", "3-А", "4-А", "5-А", "5-Б", "6-А", "7-А", "8-А", "9-А", "9-Б", "10-А", "11-А"]
    rnd = random.Random(1000)
    names = ["Эмиль", "Алие", "Тарас", "Оксана", "Рустем", "Мария", "Ленур", "Сабина", "Иван", "Анна"]
    rows = [headers("people", "ru")]
    for i in range(1000):
        family = f"Импортов{i // 2:03d}"   # two children per family: one parent Person each
        rows.append([rnd.choice(classes), family, names[i % len(names)], "Тестович",
                     (dt.date(2010, 1, 1) + dt.timedelta(days=rnd.randrange(3000))).strftime("%d.%m.%Y"),
                     "", "", family, "Мама", "Ивановна", f"+7 978 {i // 2:03d}-00-00", "", "мать",
                     family, "Папа", "Петрович", "", "", "отец", rnd.choice(["электронно", "на бумаге"]),
                     rnd.choice(["ru", "uk", "crh"]), "01.09.2026"])
    data = xlsx(rows)
    admin = admin_client(app)
    page = admin.get("/admin/import/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = admin.post("/admin/import/", data={"kind": "people", "csrf_token": token,
                                           "file": (io.BytesIO(data), "students.xlsx")},
                   content_type="multipart/form-data")
    assert r.status_code == 303, r.status_code
    url = r.headers["Location"]

    def preview():
        page = admin.get(url)
        assert page.status_code == 200 and "students.xlsx" in page.get_data(as_text=True)
    emit("import_preview_1000_rows_ms", statistics.median(timed(preview, 3)), "ms")
    start = time.perf_counter()
    r = admin.post(url + "/apply", data={"csrf_token": token})
    emit("import_commit_1000_rows_ms", (time.perf_counter() - start) * 1000, "ms")
    assert r.status_code == 303, (r.status_code, re.findall(r'<p class="error">([^<]*)', r.get_data(as_text=True))[:5])


def plan_import(app) -> None:
    """A 140-row thematic plan (XLSX, Russian headers) for a course of the demo school: the preview page as the
    administrator sees it after the upload (read the kept file, compare with the stored plan, render)."""
    from sqlalchemy import select

    from school.extensions import db
    from school.models import Course
    from tests.imports_files import xlsx
    with app.app_context():
        course_id = db.session.scalar(select(Course.id).order_by(Course.id).limit(1))
    rows = [["№", "Тема", "Часы"]] + [[i, f"Тема урока номер {i}: повторение и закрепление пройденного", 1 + i % 2]
                                      for i in range(1, 141)]
    admin = admin_client(app)
    page = admin.get(f"/journal/courses/{course_id}/plan/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = admin.post(f"/journal/courses/{course_id}/plan/import/upload", data={
        "csrf_token": token, "file": (io.BytesIO(xlsx(rows)), "plan.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 303, r.status_code
    url = r.headers["Location"]

    def preview():
        page = admin.get(url)
        assert page.status_code == 200 and page.get_data(as_text=True).count('class="outcome-new"') == 140
    emit("plan_import_preview_ms", statistics.median(timed(preview, 5)), "ms", rows=140)


def asc_import(app) -> None:
    """A generated aSc Timetables 2012 XML export of 36 classes, 550 lessons and 1,100 cards into the demo school:
    the administrator's preview page (parse, match, plan the courses and slots, render), median of 3."""
    from tests.asc_files import export

    data = export(classes=36, lessons=550)
    assert data.count(b"<card ") == 1100
    admin = admin_client(app)
    page = admin.get("/admin/import/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = admin.post("/admin/import/", data={"kind": "timetable", "csrf_token": token,
                                           "file": (io.BytesIO(data), "asc.xml")},
                   content_type="multipart/form-data")
    assert r.status_code == 303, r.status_code
    url = r.headers["Location"]

    def preview():
        page = admin.get(url)
        assert page.status_code == 200 and "asc.xml" in page.get_data(as_text=True)
    emit("asc_import_preview_ms", statistics.median(timed(preview, 3)), "ms")


def admin_client(app):
    """Flask's test client of the demo school, logged in as its administrator through the login form."""
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    client.post("/login", data={"username": "admin", "password": "demo", "csrf_token": token})
    return client


if __name__ == "__main__":
    main()
