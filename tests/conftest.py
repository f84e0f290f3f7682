"""Fixtures: a database migrated to head with a small school, copied fresh for every test.

SQLite: the migrated file is copied per test. PostgreSQL (DATABASE_URL set): the migrated database is a
template that every test's database is created from. Either way each test starts from the same state.
"""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

os.environ["DEFTER_TODAY"] = "2026-11-24"

from school import create_app, passwords  # noqa: E402
from school.extensions import db  # noqa: E402
from tests import factory  # noqa: E402

# argon2id at its least cost in the suite, set before the factory hashes its one password. At a school's cost
# (passwords.PARAMETERS, pinned by test_auth.py) one verification took 0.2 s of a core here, and the suite logs in
# over a thousand times; the code that hashes and verifies is the same. Servers the suite starts in processes of
# their own verify these hashes as they are and store the school's cost at the first login (needs_rehash).
passwords.use(dataclasses.replace(passwords.PARAMETERS, time_cost=1, memory_cost=8, parallelism=1))

PG_URL = os.environ.get("DATABASE_URL", "").strip()
if PG_URL.startswith("postgresql://"):
    PG_URL = "postgresql+psycopg://" + PG_URL[len("postgresql://"):]


def make_app(url: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test",
                       "SERVER_NAME": None})


def _pg_admin():
    return create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _migrate_and_fill(url: str) -> dict:
    from flask_migrate import upgrade

    app = make_app(url)
    with app.app_context():
        upgrade()
        ids = factory.build()
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as c:  # the copy per test must not miss pages still in the WAL
                c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    return ids


@pytest.fixture(scope="session")
def base_db(tmp_path_factory):
    """Build the template database once per session; yields (kind, location, ids)."""
    if PG_URL:
        name = f"defter_tpl_{os.getpid()}"
        admin = _pg_admin()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
        ids = _migrate_and_fill(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        yield "pg", name, ids
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        ids = _migrate_and_fill(f"sqlite:///{path}")
        yield "sqlite", path, ids


@pytest.fixture
def app(base_db, tmp_path):
    kind, location, _ = base_db
    if kind == "pg":
        name = f"defter_t_{uuid.uuid4().hex[:12]}"
        admin = _pg_admin()
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{location}"'))
        app = make_app(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        yield app
        with app.app_context():
            db.engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copy(location, path)
        app = make_app(f"sqlite:///{path}")
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def ids(base_db):
    return base_db[2]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def statements_during(app, send):
    """The SQL statements the app's engine ran while send() ran (a request), and what send() returned."""
    from sqlalchemy import event
    seen: list[str] = []
    listener = lambda _conn, _cursor, statement, *_rest: seen.append(statement)  # noqa: E731
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            result = send()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    return seen, result


TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_token(client, page: str = "/login") -> str:
    r = client.get(page)
    if r.status_code == 302:  # logged in: the login page sends us home; the profile has forms
        r = client.get("/profile")
    html = r.get_data(as_text=True)
    match = TOKEN_RE.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1) or match.group(2)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = factory.PASSWORD, **kw):
        token = csrf_token(self.client)
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                                **kw)

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client, "/profile")})

    def post(self, url: str, data: dict | None = None, page: str = "/profile", **kw):
        """A POST with the session's CSRF token, as a browser form would send it."""
        data = dict(data or {})
        data["csrf_token"] = csrf_token(self.client, page)
        return self.client.post(url, data=data, **kw)


@pytest.fixture
def auth(client):
    return Auth(client)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port in a thread, for the browser tests."""
    yield from serve(app)


def serve(app):
    """Serve an app on a free loopback port in a thread while the caller's fixture lasts; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def log_in(page, base: str, username: str, password: str = factory.PASSWORD, lands_on: str | None = "/") -> None:
    """A browser test's login through the real form. lands_on: the path the login must lead to; None: wherever
    it leads (a refused login, a password to change, a test that goes on from there)."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if lands_on is not None:
        page.wait_for_url(f"{base}{lands_on}")


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; never a downloaded browser. Skips where either is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
