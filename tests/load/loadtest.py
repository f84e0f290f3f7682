"""`make loadtest`: teachers saving marks and attendance through a real gunicorn on loopback (issue 12).

Builds a scratch database with the demo school (a SQLite file, or a fresh database on the PostgreSQL server of
DATABASE_URL), starts gunicorn as the README configures it (`-w 2 --threads 4`, and the repository's gunicorn.conf.py,
which gunicorn reads from its working folder: limits, access log, worker recycling) on a free loopback port, logs in
the demo's teachers (several simulated teachers share a login when there are more of them than logins, each with
its own share of the cells) and lets each save marks and attendance in today's lessons of their own courses at
about one save per second, then flat out, all from one thread's event loop (Crowd). With --crash, every gunicorn process is killed with SIGKILL three times
during the paced load and restarted; afterwards every acknowledged save must be in the database with its value.

Prints JSON lines on stdout; exits 1 when a budget or a check fails (named on stderr). Everything it starts stops
when it ends; nothing listens beyond 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.grid_page import grid_cells

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-11-24"
PASSWORD = "demo"
MARKS = ("2", "3", "4", "5")
ATTENDANCE = ("absent", "late", "ill")
BUDGETS = {"p50_ms": 10.0, "p99_ms": 100.0, "flat_out_saves_per_s": 400.0}


def emit(metric: str, value, unit: str) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 3) if isinstance(value, float) else value,
                      "unit": unit}), flush=True)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def _log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


# --- the database -----------------------------------------------------------------------------------------------

def _pg_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Database:
    """A scratch database: a SQLite file in a temporary folder or a new database on a PostgreSQL server."""

    def __init__(self, server_url: str | None, folder: Path, existing: str | None = None):
        """existing: the URL of a database that is already there (not created here, not dropped)."""
        self.folder = folder
        self.pg_name = None
        self.owned = existing is None
        if existing:
            self.url = existing
        elif server_url:
            from sqlalchemy import make_url
            self.pg_name = f"defter_load_{uuid.uuid4().hex[:10]}"
            self.server = make_url(_pg_url(server_url))
            self.url = self.server.set(database=self.pg_name).render_as_string(hide_password=False)
            with self._admin() as c:
                c.exec_driver_sql(f'CREATE DATABASE "{self.pg_name}"')
        else:
            self.url = f"sqlite:///{folder / 'load.sqlite3'}"

    @property
    def kind(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    @contextlib.contextmanager
    def _admin(self):
        from sqlalchemy import create_engine
        engine = create_engine(self.server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as c:
                yield c
        finally:
            engine.dispose()

    def env(self) -> dict:
        return {**os.environ, "DATABASE_URL": self.url, "DEFTER_TODAY": TODAY, "SECRET_KEY": "loadtest-secret",
                "DEFTER_INSTANCE": str(self.folder / "instance"), "FLASK_APP": "app", "PYTHONUNBUFFERED": "1"}

    def build_demo(self) -> None:
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        for args in (["db", "upgrade"], ["school", "--lang", "ru", "demo", "--today", TODAY]):
            subprocess.run(flask + args, cwd=ROOT, env=self.env(), check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=300)

    def engine(self):
        from sqlalchemy import create_engine
        return create_engine(self.url)

    def drop(self) -> None:
        if self.pg_name and self.owned:
            with self._admin() as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


# --- gunicorn ---------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _no_control_socket() -> list[str]:
    """gunicorn 24+ listens on a control socket in the home folder, one path for every server of the user: two
    servers (or another project's) would take it from each other. Not needed here."""
    from gunicorn.config import KNOWN_SETTINGS
    return ["--no-control-socket"] if any("--no-control-socket" in (s.cli or []) for s in KNOWN_SETTINGS) else []


_NO_CONTROL_SOCKET = _no_control_socket()


class Server:
    """gunicorn as the README runs it, on 127.0.0.1 only; start() waits until /healthz answers."""

    def __init__(self, db: Database, port: int | None = None, workers: int = 2, threads: int = 4,
                 timeout: float = 30, env: dict | None = None):
        """env: settings added to the database's environment (e.g. METRICS_TOKEN)."""
        self.db, self.port, self.workers, self.threads, self.timeout = db, port or free_port(), workers, threads, timeout
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log = open(db.folder / f"gunicorn-{self.port}.log", "ab")

    def start(self) -> None:
        self.spawn()
        self.wait()

    def spawn(self) -> None:
        if self.log.closed:
            self.log = open(self.log.name, "ab")
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "--threads", str(self.threads),
               "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", *_NO_CONTROL_SOCKET, "app:app"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**self.db.env(), **self.env}, stdout=self.log, stderr=self.log,
                                     start_new_session=True)

    def wait(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log.name}")
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                c.request("GET", "/healthz")
                if c.getresponse().status == 200 and len(_children(self.proc.pid)) >= self.workers:
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                c.close()
            time.sleep(0.05)
        self.stop(close_log=False)
        raise RuntimeError(f"gunicorn did not answer on port {self.port} within {self.timeout} s")

    def pids(self) -> list[int]:
        return [self.proc.pid, *_children(self.proc.pid)] if self.proc else []

    def kill9(self) -> int:
        """SIGKILL to the master and every worker at once; returns how many processes were killed."""
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for pid in pids[1:]:  # the workers were the master's children: wait until they are gone
            while Path(f"/proc/{pid}").exists() and "Z" not in _state(pid):
                time.sleep(0.01)
        return len(pids)

    def stop(self, close_log: bool = True) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.proc = None
        if close_log:
            self.log.close()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


# --- a teacher --------------------------------------------------------------------------------------------------

# A save's answer: the cell with its id and version (the page's cells have neither id nor, when empty, version:
# tests.grid_page reads them by row and column).
CELL = re.compile(r'<td id="c(\d+)-(\d+)"(?: data-v="([^"]+)")?([^>]*)>')
TODAY_HEAD = re.compile(r'<th id="h(\d+)" scope="col" class="today')
HEAD = re.compile(r'<th id="h(\d+)"')


def keep_cookie(cookies: dict[str, str], header: str) -> None:
    """A Set-Cookie header applied to a device's cookies, as a browser keeps them (an expired one is dropped)."""
    k, _sep, v = header.split(";", 1)[0].partition("=")
    if "expires=thu, 01 jan 1970" in header.lower() or not v:
        cookies.pop(k.strip(), None)
    else:
        cookies[k.strip()] = v


class Browser:
    """One device: a keep-alive connection and the session cookie, as a browser holds them."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        """(status, body, headers); raises OSError / HTTPException when the server is gone."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        hdrs = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form)
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=hdrs)
            r = self.conn.getresponse()
            data = r.read().decode()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        for name, value in r.getheaders():
            if name.lower() == "set-cookie":
                keep_cookie(self.cookies, value)
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return r.status, data, r

    def get(self, path: str):
        return self.request("GET", path)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def login(self, username: str, password: str = PASSWORD) -> int:
        _s, html, _r = self.get("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        status, _body, _r = self.request("POST", "/login", {"username": username, "password": password,
                                                             "csrf_token": token})
        return status


@dataclass
class Cell:
    lesson: int
    student: int
    version: str
    marks: bool  # this cell is given marks (else attendance)


@dataclass
class Attempt:
    """One save of a cell as its teacher saw it, in the order the teacher sent them (time.monotonic() seconds)."""
    value: str
    sent: float
    answered: float | None = None  # None: no answer came (the save may or may not have been written)
    status: int | None = None
    version: str | None = None  # the cell's version in the answer: what the database holds after a 200


@dataclass
class Record:
    """What one simulated teacher saw: latencies, answers, and per cell the acknowledged and unanswered values."""
    paced_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    flat_answered: int = 0
    # cell -> values saved after the last acknowledged one whose answer never came (they may have been written)
    acked: dict[tuple[int, int], str] = field(default_factory=dict)
    unanswered: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    # cell -> every save of it, for the question "what had been acknowledged when the backup started?"
    history: dict[tuple[int, int], list[Attempt]] = field(default_factory=dict)


def teacher_cells(browser: Browser) -> list[Cell]:
    """Today's open cells of the teacher's own courses, from the grid pages (adding the timetable's lessons first
    when a grid offers it)."""
    _s, index, _r = browser.get("/journal/")
    mine = index.split("</section>", 1)[0] if "/journal/classes/" not in index.split("</section>", 1)[0] else ""
    courses = list(dict.fromkeys(int(c) for c in re.findall(r'href="/journal/courses/(\d+)"', mine)))
    cells: list[Cell] = []
    for course in courses:
        _s, page, _r = browser.get(f"/journal/courses/{course}")
        add = re.search(r'action="(/journal/courses/\d+/periods/\d+/lessons)"', page)
        if add:
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            browser.request("POST", add.group(1), {"csrf_token": token})
            _s, page, _r = browser.get(f"/journal/courses/{course}")
        browser.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        heads = [int(h) for h in HEAD.findall(page)]
        today = {int(h) for h in TODAY_HEAD.findall(page)}
        colgroup = re.search(r"<colgroup>(.*?)</colgroup>", page, re.S)
        cols = re.findall(r"<col([^>]*)>", colgroup.group(1))[2:2 + len(heads)] if colgroup else []
        nomarks = {h for h, attrs in zip(heads, cols) if "data-nomarks" in attrs}
        for (lesson, student), cell in grid_cells(page).items():
            version = cell.version
            if lesson not in today or "x" in cell.classes:
                continue
            # Each cell keeps to one kind, so that its value is one column's: marks where the lesson takes them
            # (every other student, and where attendance is already given: the class teacher may have recorded
            # its reason, which a teacher's change would not override), else attendance.
            takes_marks = lesson not in nomarks
            given = not version.endswith("-0")
            if takes_marks and (student % 2 or given):
                cells.append(Cell(lesson, student, version, True))
            elif not given:
                cells.append(Cell(lesson, student, version, False))
    return cells


class Wire:
    """A simulated teacher's device as the load drives it: one keep-alive HTTP/1.1 connection over asyncio streams
    with the session cookie and the CSRF token. It reads the status line, the three headers it needs
    (Content-Length, Set-Cookie, Connection) and the body, nothing more. The generator shares this machine's two
    cores with the server it measures: flat out, http.client in 60 threads took 0.94 of a core (its header parsing
    and the threads' turns at the GIL), these 60 coroutines on one event loop take 0.62."""

    def __init__(self, port: int, cookies: dict, csrf: str):
        self.port, self.cookies, self.csrf = port, dict(cookies), csrf
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, form: dict) -> tuple[int, str]:
        """(status, body) of a grid save; raises ConnectionError when no whole answer came (the connection is then
        closed and the next save opens a new one)."""
        body = urlencode(form).encode()
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nCookie: {cookie}\r\n"
                   f"HX-Request: true\r\nX-CSRFToken: {self.csrf}\r\n"
                   f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
                   ).encode() + body
        try:
            async with asyncio.timeout(10):
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                self.writer.write(request)
                lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                status, length, close = int(lines[0].split(" ", 2)[1]), None, False
                for line in lines[1:]:
                    name, _sep, value = line.partition(":")
                    name = name.lower()
                    if name == "content-length":
                        length = int(value)
                    elif name == "connection":
                        close = value.strip().lower() == "close"
                    elif name == "set-cookie":
                        keep_cookie(self.cookies, value.strip())
                if length is None:  # every answer of the app and of gunicorn itself has a length
                    raise ValueError("an answer without Content-Length")
                data = await self.reader.readexactly(length)
        except (OSError, EOFError, TimeoutError, ValueError, IndexError) as e:  # IncompleteReadError is an EOFError
            self.close()
            raise ConnectionError(str(e)) from None
        if close:
            self.close()
        return status, data.decode()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Teacher:
    """One simulated teacher: saves its own cells at about one a second until the plan's paced end, then flat
    out until its flat end. Run by a Crowd."""

    def __init__(self, port: int, username: str, cells: list[Cell], cookies: dict, csrf: str, plan: "Plan",
                 seed: int, rec: Record | None = None):
        self.wire = Wire(port, cookies, csrf)
        self.username, self.cells, self.plan = username, cells, plan
        self.rnd = random.Random(seed)
        self.rec = rec or Record()  # a later round of the same teacher goes on with its record

    def again(self, plan: "Plan") -> "Teacher":
        """The same teacher (cells, versions, session, record) for another round of load."""
        return Teacher(self.wire.port, self.username, self.cells, self.wire.cookies, self.wire.csrf, plan,
                       self.rnd.randrange(1 << 30), self.rec)

    async def save(self, flat: bool) -> None:
        cell = self.rnd.choice(self.cells)
        key = (cell.lesson, cell.student)
        value = self.rnd.choice(MARKS if cell.marks else ATTENDANCE)
        attempt = Attempt(value, time.monotonic())
        self.rec.history.setdefault(key, []).append(attempt)
        start = time.perf_counter()
        try:
            status, body = await self.wire.post(f"/journal/lessons/{cell.lesson}/students/{cell.student}",
                                                {"action": value, "version": cell.version})
        except ConnectionError:
            self.rec.errors += 1
            self.rec.unanswered.setdefault(key, []).append(value)
            await asyncio.sleep(0.05)
            return
        ms = (time.perf_counter() - start) * 1000
        attempt.answered, attempt.status = time.monotonic(), status
        self.rec.statuses[status] = self.rec.statuses.get(status, 0) + 1
        m = CELL.search(body)
        if m:
            cell.version = attempt.version = m.group(3)
        if status == 200:
            self.rec.acked[key] = value
            self.rec.unanswered.pop(key, None)
        elif status != 409:
            self.rec.errors += 1
        if flat:
            self.rec.flat_answered += 1
        else:
            self.rec.paced_ms.append(ms)

    async def run(self) -> None:
        try:
            await self._run()
        finally:
            self.wire.close()

    async def _run(self) -> None:
        plan = self.plan
        if not self.cells:
            return
        n = self.rnd.random()  # spread the teachers over the first second
        while True:
            due = plan.start + n
            if due >= plan.paced_end:
                break
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await self.save(flat=False)
            n += 1
        await asyncio.sleep(max(0.0, plan.paced_end - time.monotonic()))
        while time.monotonic() < plan.flat_end:
            await self.save(flat=True)


class Crowd(threading.Thread):
    """The simulated teachers, all in one event loop on one thread (start() and join() it as a thread, while the
    main thread kills servers or takes a backup)."""

    def __init__(self, teachers: list[Teacher]):
        super().__init__(daemon=True)
        self.teachers = teachers

    def run(self) -> None:
        asyncio.run(self._all())

    async def _all(self) -> None:
        await asyncio.gather(*(t.run() for t in self.teachers))


@dataclass
class Plan:
    start: float
    paced_end: float
    flat_end: float


# --- the run ----------------------------------------------------------------------------------------------------

def teacher_logins(db: Database) -> list[str]:
    from sqlalchemy import text
    engine = db.engine()
    with engine.connect() as c:
        names = c.execute(text("SELECT DISTINCT u.username FROM users u JOIN courses c ON c.teacher_id = u.id "
                               "ORDER BY u.username")).scalars().all()
    engine.dispose()
    return list(names)


def prepare(port: int, logins: list[str], n: int, plan: Plan) -> list[Teacher]:
    """n simulated teachers over the demo's logins that have lessons today (in their order, as many as needed);
    the ones sharing a login share out its cells, so that no two of them write one cell."""
    found: list[tuple[Browser, list[Cell]]] = []
    for username in logins:
        if len(found) >= n:
            break
        b = Browser(port)
        if b.login(username) not in (302, 303):
            raise RuntimeError(f"{username} could not log in")
        b.username = username
        cells = teacher_cells(b)
        b.close()
        if cells:
            found.append((b, cells))
    if not found:
        raise RuntimeError("no teacher has open cells in today's lessons")
    teachers = []
    for k, (b, cells) in enumerate(found):
        sims = list(range(k, n, len(found)))
        for j, i in enumerate(sims):
            teachers.append(Teacher(port, b.username, cells[j::len(sims)], b.cookies, b.csrf, plan, seed=i))
    return teachers


def read_cells(url: str) -> tuple[dict, dict, list[str]]:
    """(marks of slot 1, attendance) as {(lesson, student): (code, version)} and what the database's own integrity
    check found (SQLite; PostgreSQL has no such check and its constraints are always enforced)."""
    from sqlalchemy import create_engine, text
    problems = []
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            if engine.dialect.name == "sqlite":
                result = c.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                if result != ["ok"]:
                    problems.append(f"integrity_check: {result[:5]}")
            marks = {(l, s): (code, v) for l, s, code, v in c.execute(text(
                "SELECT lesson_id, student_id, code, version FROM marks WHERE slot = 1"))}
            att = {(l, s): (code, v) for l, s, code, v in c.execute(text(
                "SELECT lesson_id, student_id, code, version FROM attendance"))}
    finally:
        engine.dispose()
    return marks, att, problems


def verify(db: Database, teachers: list[Teacher]) -> list[str]:
    """Every acknowledged save is in the database with its value (or a later value that was sent but whose answer
    never came: it may have been written before the kill); the database is intact."""
    marks, att, problems = read_cells(db.url)
    checked = 0
    for t in teachers:
        for key, value in t.rec.acked.items():
            checked += 1
            found = (att if value in ATTENDANCE else marks).get(key, (None, None))[0]
            allowed = {value, *t.rec.unanswered.get(key, [])}
            if found not in allowed:
                problems.append(f"cell {key}: acknowledged {value!r}, found {found!r}")
    emit("acknowledged_cells_checked", checked, "cells")
    return problems


def _row_version(value: str, cell_version: str) -> int:
    """The version of the row a save wrote, from the cell's version in its answer ("m1.m2-a": slot 1 for a mark,
    a for attendance)."""
    marks, _sep, attendance = cell_version.partition("-")
    return int(attendance if value in ATTENDANCE else marks.split(".")[0])


def verify_backup(url: str, teachers: list[Teacher], started: float) -> tuple[int, list[str]]:
    """The restored database at url holds, for every cell with a save acknowledged before the backup started
    (time.monotonic() `started`), the last such save's value and version, or those of a save sent after it (an
    acknowledged one, or one whose answer never came, with any version); and it is intact.
    Returns (cells checked, problems)."""
    marks, att, problems = read_cells(url)
    checked = 0
    for t in teachers:
        for key, attempts in t.rec.history.items():
            before = [i for i, a in enumerate(attempts)
                      if a.status == 200 and a.answered is not None and a.answered < started]
            if not before:
                continue
            checked += 1
            last = before[-1]
            allowed = {(a.value, _row_version(a.value, a.version)) for a in attempts[last:]
                       if a.status == 200 and a.version}
            maybe = {a.value for a in attempts[last + 1:] if a.status is None}
            kept = attempts[last]
            found = (att if kept.value in ATTENDANCE else marks).get(key)
            if found is None or (tuple(found) not in allowed and found[0] not in maybe):
                problems.append(f"cell {key}: acknowledged {kept.value!r} (version "
                                f"{_row_version(kept.value, kept.version)}) before the backup, restored {found!r}")
    return checked, problems


# --- a backup during the load -------------------------------------------------------------------------------------

def flask_command(db: Database, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`flask ARGS` against the load's database, as the administrator runs it beside the serving app."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=db.env(),
                          capture_output=True, text=True, timeout=timeout)


def take_backup(db: Database, destination: Path) -> tuple[float, float, Path]:
    """`flask school backup DEST` while the app serves; (time.monotonic() when it was started, seconds it took,
    the backup's folder). The snapshot is taken after the start, so a save acknowledged before it is in it."""
    started = time.monotonic()
    done = flask_command(db, "school", "--lang", "ru", "backup", str(destination))
    took = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"flask school backup failed: {done.stderr.strip()[-2000:]}")
    (folder,) = [p for p in destination.iterdir() if p.is_dir() and p.name.startswith("defter-")]
    return started, took, folder


def restore_backup(db: Database, backup: Path, folder: Path) -> Database:
    """`flask school restore BACKUP --verify`, then `--into` a new scratch database of the same kind in folder (the
    caller drops it), so that its rows can be read."""
    def restore(*args: str) -> None:
        done = flask_command(db, "school", "--lang", "ru", "restore", str(backup), *args)
        if done.returncode != 0:
            raise RuntimeError(f"flask school restore {args[0]} failed: {(done.stdout + done.stderr)[-2000:]}")

    restore("--verify")
    folder.mkdir(parents=True, exist_ok=True)
    restored = Database(db.url if db.kind == "postgresql" else None, folder)
    try:
        restore("--into", restored.url)
    except BaseException:
        restored.drop()
        raise
    return restored


def run(teachers_n: int, seconds: float, flat_seconds: float, crash: bool, database: str | None,
        kills: int = 3, keep: bool = False, backup: bool = False) -> tuple[dict, list[str]]:
    """One run; returns (figures, failures). Budgets are judged by the caller. backup: `flask school backup` in the
    middle of the paced load; after the load it is restored (--verify, then --into a scratch database) and must
    hold every save acknowledged before the backup started."""
    folder = Path(tempfile.mkdtemp(prefix="defter-load-"))
    db = Database(database, folder)
    server = None
    teachers: list[Teacher] = []
    try:
        t0 = time.monotonic()
        db.build_demo()
        _log(f"demo school built in {time.monotonic() - t0:.1f} s ({db.kind})")
        server = Server(db)
        server.start()
        logins = teacher_logins(db)
        plan = Plan(0, 0, 0)
        teachers = prepare(server.port, logins, teachers_n, plan)
        cells = sum(len(t.cells) for t in teachers)
        _log(f"{len(teachers)} teachers over {len(logins)} logins, {cells} cells of today's lessons")
        now = time.monotonic() + 0.2
        plan.start, plan.paced_end, plan.flat_end = now, now + seconds, now + seconds + flat_seconds
        crowd = Crowd(teachers)
        crowd.start()
        killed = []
        if crash:
            for k in range(kills):
                time.sleep(max(0.0, plan.start + seconds * (k + 1) / (kills + 1) - time.monotonic()))
                killed.append(server.kill9())
                server.start()
        taken = None
        if backup:
            time.sleep(max(0.0, plan.start + seconds / 2 - time.monotonic()))
            taken = take_backup(db, folder / "backups")
        crowd.join(seconds + flat_seconds + 30)
        server.stop()
        backup_figures, backup_problems = {}, []
        if taken:
            started, took, backup_folder = taken
            t0 = time.monotonic()
            restored = restore_backup(db, backup_folder, folder / "restored")
            try:
                restore_took = time.monotonic() - t0
                checked, backup_problems = verify_backup(restored.url, teachers, started)
            finally:
                restored.drop()
            backup_figures = {"backup_seconds": took, "restore_seconds": restore_took,
                              "backup_cells_checked": checked,
                              "acked_during_backup": sum(1 for t in teachers for h in t.rec.history.values()
                                                         for a in h if a.status == 200
                                                         and started <= a.answered <= started + took)}
        recs = [t.rec for t in teachers]
        paced = [ms for r in recs for ms in r.paced_ms]
        statuses: dict[int, int] = {}
        for r in recs:
            for k, v in r.statuses.items():
                statuses[k] = statuses.get(k, 0) + v
        figures = {
            "database": db.kind, "teachers": len(teachers), "cells": cells,
            "saves_answered": sum(statuses.values()), "answers": {str(k): v for k, v in sorted(statuses.items())},
            "errors": sum(r.errors for r in recs),
            "paced_saves": len(paced), "p50_ms": pct(paced, 0.5), "p99_ms": pct(paced, 0.99),
            "flat_out_saves_per_s": sum(r.flat_answered for r in recs) / flat_seconds if flat_seconds else 0.0,
            "kills": killed, **backup_figures,
        }
        failures = [f"backup: {p}" for p in backup_problems]
        if taken and not backup_figures["backup_cells_checked"]:
            failures.append("backup: no save was acknowledged before the backup started")
        if cells == 0:
            failures.append("no cells to save: the teachers found no open lessons today")
        if crash:
            failures += verify(db, teachers)
        return figures, failures
    finally:
        if server:
            server.stop()
        if not keep:
            db.drop()
            shutil.rmtree(folder, ignore_errors=True)


def judge(figures: dict, crash: bool) -> list[str]:
    over = []
    if not crash:  # killed servers drop connections by design; the crash run judges the data instead
        if figures["errors"]:
            over.append(f"errors: {figures['errors']} saves not answered or answered with an error")
        if not figures["p50_ms"] < BUDGETS["p50_ms"]:
            over.append(f"p50_ms: {figures['p50_ms']:.1f} >= {BUDGETS['p50_ms']}")
        if not figures["p99_ms"] < BUDGETS["p99_ms"]:
            over.append(f"p99_ms: {figures['p99_ms']:.1f} >= {BUDGETS['p99_ms']}")
        if figures["flat_out_saves_per_s"] < BUDGETS["flat_out_saves_per_s"]:
            over.append(f"flat_out_saves_per_s: {figures['flat_out_saves_per_s']:.0f} < "
                        f"{BUDGETS['flat_out_saves_per_s']:.0f}")
    return over


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=60, help="the paced load (one save a second each)")
    parser.add_argument("--flat-seconds", type=float, default=15, help="then flat out")
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL") or None,
                        help="a PostgreSQL server URL (a scratch database is created there); default: a SQLite file")
    parser.add_argument("--crash", action="store_true", help="kill -9 every gunicorn process three times")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and logs")
    parser.add_argument("--no-backup", dest="backup", action="store_false",
                        help="no `flask school backup` in the middle of the load run (and no restore of it)")
    args = parser.parse_args(argv)
    if args.database and args.database.startswith("sqlite"):
        args.database = None
    figures, failures = run(args.teachers, args.seconds, args.flat_seconds, args.crash, args.database,
                            keep=args.keep, backup=args.backup and not args.crash)
    mode = "crash" if args.crash else "load"
    emit(f"{mode}_database", figures["database"], "")
    emit(f"{mode}_teachers", figures["teachers"], "teachers")
    emit(f"{mode}_saves_answered", figures["saves_answered"], "saves")
    emit(f"{mode}_answers_by_status", figures["answers"], "saves")
    emit(f"{mode}_errors", figures["errors"], "saves")
    emit(f"{mode}_paced_p50_ms", figures["p50_ms"], "ms")
    emit(f"{mode}_paced_p99_ms", figures["p99_ms"], "ms")
    emit(f"{mode}_flat_out_saves_per_s", figures["flat_out_saves_per_s"], "saves/s")
    if args.crash:
        emit("crash_processes_killed", figures["kills"], "processes")
    if "backup_seconds" in figures:
        emit(f"{mode}_backup_seconds", figures["backup_seconds"], "s")
        emit(f"{mode}_saves_acknowledged_during_backup", figures["acked_during_backup"], "saves")
        emit(f"{mode}_restore_verify_and_into_seconds", figures["restore_seconds"], "s")
        emit(f"{mode}_backup_cells_checked", figures["backup_cells_checked"], "cells")
    failures += judge(figures, args.crash)
    for line in failures:
        _log(f"FAILED: {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
