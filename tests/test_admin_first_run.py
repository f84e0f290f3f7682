"""A fresh install (migrations + `create-admin`, nothing else): the first login leads to the set-up, and no page of
the app answers 500 on a school that is half set up — walked after each set-up step."""
from __future__ import annotations

import os
import re
import uuid

import pytest
from sqlalchemy import make_url, select, text

from school.extensions import db
from school.models import AuditEvent, Person, StaffRole, User
from school.passwords import hash_password
from tests.conftest import PG_URL, TOKEN_RE, _pg_admin, make_app

PASSWORD = "first-run-pass"


@pytest.fixture
def fresh_app(tmp_path):
    """A database migrated to head holding only the administrator made by `flask school create-admin`."""
    from flask_migrate import upgrade

    if PG_URL:
        name = f"defter_fresh_{uuid.uuid4().hex[:12]}"
        admin = _pg_admin()
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = make_app(url)
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["school", "create-admin", "--username", "boss",
                                                "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()
    if PG_URL:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def token(client, page="/profile") -> str:
    match = TOKEN_RE.search(client.get(page).get_data(as_text=True))
    return match.group(1) or match.group(2)


def login(client, username="boss", password=PASSWORD):
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token(client, "/login")})
    assert r.status_code == 302, r.status_code
    return r


def post(client, url, data):
    return client.post(url, data={**data, "csrf_token": token(client)})


SAMPLES = {"code": "uk", "kind": "year", "course_id": 1, "lesson_id": 1, "student_id": 1, "period_id": 1,
           "class_id": 1, "attendance_id": 1, "user_id": 1, "statement_id": 1, "import_kind": "people",
           "move": "leave", "year_id": 1, "report": "timeliness", "item_id": 1, "notice_id": 1,
           "token": "not-a-token", "thread_id": 1}
# Never walked: they end the walker's session.
SKIP = {"auth.logout"}


def walk(app, client) -> list[str]:
    """Every GET route of the app with sample ids (missing ones are a fine 404); the answers that are 500."""
    from flask import url_for

    failures = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods or rule.endpoint in SKIP:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{a: SAMPLES.get(a, 1) for a in rule.arguments})
        r = client.get(url)
        if r.status_code >= 500:
            failures.append(f"{url} {r.status_code}")
    return failures


SCHOOL = dict(name_ru="Школа № 1", name_uk="Школа № 1", name_crh="1 номералы мектеп", address_ru="", address_uk="",
              address_crh="", scale="five", edit_window_days="14", topic_deadline_days="0",
              homework_deadline_minutes="60", mark_deadline_days="2", test_mark_deadline_days="3",
              written_mark_deadline_days="7", period_mark_deadline_days="2", absence_deadline_days="0",
              round_up_from="0.50",
              min_marks_for_period="3", notice_hour="16")
YEAR = {"first_day": "2026-09-01", "last_day": "2027-05-31",
        "periods-0-id": "", "periods-0-scheme": "quarters", "periods-0-first_day": "2026-09-01",
        "periods-0-last_day": "2026-10-24",
        "periods-1-id": "", "periods-1-scheme": "quarters", "periods-1-first_day": "2026-11-05",
        "periods-1-last_day": "2026-12-28",
        "holidays-0-first_day": "2026-10-25", "holidays-0-last_day": "2026-11-04", "holidays-0-name_ru": "Осенние",
        "holidays-0-name_uk": "Осінні", "holidays-0-name_crh": "Кузь",
        "bells-0-number": "1", "bells-0-starts": "08:30", "bells-0-ends": "09:15"}
SUBJECT = {"rows-0-id": "", "rows-0-short": "math", "rows-0-name_ru": "Математика", "rows-0-name_uk": "Математика",
           "rows-0-name_crh": "Риязиет"}


def test_first_run_walk(fresh_app):
    client = fresh_app.test_client()
    login(client)
    assert client.get("/").headers["Location"] == "/admin/setup"
    assert client.get("/admin/setup").headers["Location"] == "/admin/setup/school"
    # Every page says what is missing and links to where it is set.
    assert 'Школа ещё не настроена: нет названия, учебного года, периодов и предметов. <a href="/admin/setup">' \
        in client.get("/journal/").get_data(as_text=True)
    assert walk(fresh_app, client) == []

    assert post(client, "/admin/setup/school", SCHOOL).status_code == 303
    assert client.get("/").headers["Location"] == "/admin/setup"  # still no year
    assert client.get("/admin/setup").headers["Location"] == "/admin/setup/year"
    assert walk(fresh_app, client) == []

    r = post(client, "/admin/setup/year", YEAR)
    assert r.status_code == 303, r.get_data(as_text=True)
    assert client.get("/admin/setup").headers["Location"] == "/admin/setup/subjects"
    assert walk(fresh_app, client) == []

    assert post(client, "/admin/setup/subjects", SUBJECT).status_code == 303
    assert walk(fresh_app, client) == []
    # Set up: home is home again, and the checklist says what is still missing.
    assert client.get("/").status_code == 200
    page = client.get("/admin").get_data(as_text=True)
    assert "В этом году нет классов." in page

    # A teacher and a parent of this half-built school: every page answers for them too.
    with fresh_app.app_context():
        for username, role in (("t", "teacher"), ("d", "director"), ("s", "secretary"), ("p", None)):
            user = User(person=Person(surname="Тест", name=username), username=username,
                        password_hash=hash_password(PASSWORD), language="ru")
            if role:
                user.roles.append(StaffRole(role=role))
            db.session.add(user)
        db.session.commit()
    for username in ("t", "d", "s", "p"):
        other = fresh_app.test_client()
        login(other, username)
        assert walk(fresh_app, other) == [], username


def test_first_run_walk_before_any_step_as_other_roles(fresh_app):
    with fresh_app.app_context():
        user = User(person=Person(surname="Тест", name="Т"), username="t", password_hash=hash_password(PASSWORD),
                    language="ru")
        user.roles.append(StaffRole(role="teacher"))
        db.session.add(user)
        db.session.commit()
    client = fresh_app.test_client()
    login(client, "t")
    assert client.get("/").status_code == 200  # never led to the set-up: it is the administrator's
    assert client.get("/admin").status_code == 403
    assert "Школа ещё не настроена: её настраивает администратор журнала." in client.get("/").get_data(as_text=True)
    assert walk(fresh_app, client) == []


def test_the_school_is_created_audited_and_the_cache_cleared(fresh_app):
    client = fresh_app.test_client()
    login(client)
    assert "Школа № 1" not in client.get("/admin/setup/school").get_data(as_text=True)
    post(client, "/admin/setup/school", SCHOOL)
    post(client, "/admin/setup/school", {**SCHOOL, "edit_window_days": "7", "name_ru": "Лицей"})
    with fresh_app.app_context():
        events = db.session.execute(select(AuditEvent.action, AuditEvent.details)
                                    .where(AuditEvent.object == "school:1").order_by(AuditEvent.id)).all()
        from school.queries import school_settings
        assert school_settings().edit_window_days == 7
    assert [e.action for e in events] == ["school_created", "school_changed"]
    assert "edit_window_days: 14 → 7" in events[1].details and "name_ru: Школа № 1 → Лицей" in events[1].details
    assert "scale" not in events[1].details  # only what changed
    # The same process reads the new name at once (the 30 s cache was cleared on save).
    assert "Лицей" in client.get("/admin/setup/school").get_data(as_text=True)


@pytest.mark.parametrize("lang,message", [
    ("ru", "Заполните это поле."), ("uk", "Заповніть це поле."), ("crh", "Бу сааны толдурынъыз."),
])
def test_school_form_errors_are_translated_422(fresh_app, lang, message):
    client = fresh_app.test_client()
    login(client)
    with fresh_app.app_context():
        db.session.execute(text("UPDATE users SET language = :l WHERE username = 'boss'"), {"l": lang})
        db.session.commit()
    r = post(client, "/admin/setup/school", {**SCHOOL, "name_uk": "", "edit_window_days": "400"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in html
    assert re.search(r"1\D+366", html)
