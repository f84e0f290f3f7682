"""Sessions end when they should: a new password, a deactivated account, the administrator's "sign out
everywhere", idle and absolute limits; a password that must be changed gets nothing else done."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from school import clock
from school.auth import sessions
from school.extensions import db
from school.models import AuditEvent, LoginFailure, User
from tests.conftest import Auth, csrf_token
from tests.factory import PASSWORD

HTMX = {"HX-Request": "true"}


def _logged_out(client) -> bool:
    r = client.get("/")
    return r.status_code == 302 and r.headers["Location"].startswith("/login")


def _second(app, username):
    """The same user on another device."""
    other = app.test_client()
    assert Auth(other).login(username).status_code == 302
    return other


def _set(app, username, **values):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


@pytest.fixture
def clock_at(monkeypatch):
    """Move the session clock: clock_at(seconds_after_now)."""
    start = sessions.now_seconds()

    def move(seconds: float) -> None:
        monkeypatch.setattr(sessions, "now_seconds", lambda: int(start + seconds))
    move(0)
    return move


def test_new_password_ends_the_other_sessions_and_keeps_this_one(app, auth, client):
    auth.login("teacher")
    other = _second(app, "teacher")
    r = auth.post("/profile/password", {"pw-old_password": PASSWORD, "pw-new_password": "another-pass1",
                                         "pw-confirm": "another-pass1"})
    assert r.status_code == 303
    assert client.get("/").status_code == 200
    assert _logged_out(other)
    # htmx requests of the signed-out device are sent to the login page too
    r = other.get("/journal/", headers=HTMX)
    assert r.headers["HX-Redirect"].startswith("/login")


def test_new_password_must_differ(auth):
    auth.login("teacher")
    r = auth.post("/profile/password", {"pw-old_password": PASSWORD, "pw-new_password": PASSWORD,
                                         "pw-confirm": PASSWORD})
    assert r.status_code == 422
    assert "Новый пароль должен отличаться от текущего" in r.get_data(as_text=True)


def test_deactivating_ends_the_sessions_for_good(app, auth, client):
    auth.login("teacher")
    idle_device = _second(app, "teacher")
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "teacher")).deactivate()
        db.session.commit()
    assert _logged_out(client)
    # reactivated before the other device asked anything: its old session does not come back
    _set(app, "teacher", active=True)
    assert _logged_out(idle_device)
    assert auth.login("teacher").status_code == 302


def test_administrator_signs_a_user_out_everywhere(app, auth, client, ids):
    teacher = _second(app, "teacher")
    auth.login("admin")
    r = auth.post(f"/auth/users/{ids['users']['teacher']}/sign-out")
    assert r.status_code == 303
    assert _logged_out(teacher)
    assert client.get("/").status_code == 200  # the administrator's own session goes on
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sign_out_everywhere"))
        assert event.object == f"user:{ids['users']['teacher']}" and event.user_id == ids["users"]["admin"]


def test_only_the_administrator_signs_others_out(app, auth, ids):
    victim = _second(app, "teacher2")
    auth.login("director")
    assert auth.post(f"/auth/users/{ids['users']['teacher2']}/sign-out").status_code == 403
    assert not _logged_out(victim)


def test_sign_out_of_an_unknown_user_is_404(auth):
    auth.login("admin")
    assert auth.post("/auth/users/999999/sign-out").status_code == 404


def test_sign_out_command(app, runner):
    teacher = _second(app, "teacher")
    r = runner.invoke(args=["school", "sign-out", "Teacher"])
    assert r.exit_code == 0, r.output
    assert _logged_out(teacher)
    assert runner.invoke(args=["school", "sign-out", "nobody"]).exit_code != 0


def test_a_session_from_before_versions_is_ended(app, client, auth):
    auth.login("teacher")
    with client.session_transaction() as s:
        del s["sv"]
    assert _logged_out(client)


def test_staff_idle_limit(auth, client, clock_at):
    auth.login("teacher")
    clock_at(29 * 60)
    assert client.get("/").status_code == 200
    clock_at(29 * 60 + 31 * 60)  # idle for 31 minutes
    r = client.get("/journal/", follow_redirects=True)
    assert r.request.path == "/login"
    assert "Ваш сеанс истёк" in r.get_data(as_text=True)


def test_staff_absolute_limit(auth, client, clock_at):
    auth.login("teacher")
    for minutes in range(20, 12 * 60, 20):  # busy all day, never idle for long
        clock_at(minutes * 60)
        assert client.get("/").status_code == 200, minutes
    clock_at(12 * 3600 + 60)
    assert _logged_out(client)


def test_family_limits(auth, client, clock_at):
    auth.login("parent")
    clock_at(6 * 86400)
    assert client.get("/").status_code == 200
    clock_at(13 * 86400)
    assert client.get("/").status_code == 200
    clock_at(21 * 86400)  # idle eight days
    assert _logged_out(client)


def test_family_absolute_limit(auth, client, clock_at):
    auth.login("student")
    for day in range(5, 30, 5):
        clock_at(day * 86400)
        assert client.get("/").status_code == 200
    clock_at(30 * 86400 + 60)
    assert _logged_out(client)


def test_limits_come_from_the_environment(base_db, tmp_path, monkeypatch):
    from tests.conftest import make_app
    monkeypatch.setenv("SESSION_STAFF_IDLE_MINUTES", "5")
    monkeypatch.setenv("SESSION_FAMILY_ABSOLUTE_DAYS", "2")
    cfg = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}").config
    assert cfg["SESSION_STAFF_IDLE"] == dt.timedelta(minutes=5)
    assert cfg["SESSION_FAMILY_ABSOLUTE"] == dt.timedelta(days=2)
    assert cfg["SESSION_STAFF_ABSOLUTE"] == dt.timedelta(hours=12)


def test_families_keep_their_cookie_staff_do_not(app):
    parent, teacher = Auth(app.test_client()), Auth(app.test_client())
    assert "Expires=" in parent.login("parent").headers["Set-Cookie"]
    assert "Expires=" not in teacher.login("teacher").headers["Set-Cookie"]


def test_last_seen_is_written_at_most_once_a_minute(auth, client, clock_at):
    auth.login("teacher")
    client.get("/")  # the first page stores its CSRF token
    clock_at(30)
    assert "Set-Cookie" not in client.get("/").headers
    clock_at(61)
    assert "Set-Cookie" in client.get("/").headers
    with client.session_transaction() as s:
        assert s["seen_at"] == s["login_at"] + 61


def test_csrf_token_dies_with_the_session(app, auth, client, clock_at):
    auth.login("teacher")
    old = csrf_token(client, "/profile")
    clock_at(31 * 60)
    client.get("/")  # expired: logged out
    r = client.post("/login", data={"username": "teacher", "password": PASSWORD, "csrf_token": old})
    assert r.status_code == 400


def test_logout_and_login_rotate_the_csrf_token(auth, client):
    anonymous = csrf_token(client)
    auth.login("teacher")
    logged_in = csrf_token(client, "/profile")
    assert logged_in != anonymous
    with client.session_transaction() as s:
        raw = s["csrf_token"]
    auth.logout()
    client.get("/login")
    with client.session_transaction() as s:
        assert s["csrf_token"] != raw


def test_must_change_password_gets_nothing_else(app, auth, client):
    _set(app, "teacher", must_change_password=True)
    auth.login("teacher")
    for url in ("/", "/journal/", "/profile"):
        r = client.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith("/profile/password"), url
    r = client.get("/journal/", headers=HTMX)
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith("/profile/password")
    r = client.post("/profile/language", data={"lang-language": "uk", "csrf_token": csrf_token(client, "/profile/password")})
    assert r.status_code == 302 and r.headers["Location"].startswith("/profile/password")
    page = client.get("/profile/password?next=/journal/")
    assert page.status_code == 200 and "Задайте новый пароль" in page.get_data(as_text=True)
    with client.get("/static/css/app.css") as css:
        assert css.status_code == 200
    r = client.post("/profile/password", data={
        "pw-old_password": PASSWORD, "pw-new_password": "another-pass1", "pw-confirm": "another-pass1",
        "next": "/journal/", "csrf_token": csrf_token(client, "/profile/password")})
    assert r.status_code == 303 and r.headers["Location"] == "/journal/"
    assert client.get("/journal/").status_code == 200
    with app.app_context():
        assert not db.session.scalar(select(User.must_change_password).where(User.username == "teacher"))


def test_must_change_password_may_log_out(app, auth, client):
    _set(app, "teacher", must_change_password=True)
    auth.login("teacher")
    r = client.post("/logout", data={"csrf_token": csrf_token(client, "/profile/password")})
    assert r.status_code == 302 and r.headers["Location"] == "/login"


def test_staff_password_expires_after_a_year(app, auth, client):
    _set(app, "teacher", password_changed_at=clock.now() - dt.timedelta(days=365))
    auth.login("teacher")
    r = client.get("/journal/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/profile/password")


def test_warning_in_the_last_two_weeks(app, auth, client):
    _set(app, "teacher", password_changed_at=clock.now() - dt.timedelta(days=355))
    auth.login("teacher")
    html = client.get("/journal/").get_data(as_text=True)
    assert "Срок действия вашего пароля истекает через 10 дней" in html and 'href="/profile/password"' in html
    _set(app, "teacher", password_changed_at=clock.now() - dt.timedelta(days=350))
    assert "Срок действия вашего пароля" not in client.get("/journal/").get_data(as_text=True)


def test_families_passwords_do_not_expire(app, auth, client):
    _set(app, "parent", password_changed_at=clock.now() - dt.timedelta(days=800))
    auth.login("parent")
    assert client.get("/").status_code == 200


def test_password_age_setting(base_db, tmp_path, monkeypatch):
    from tests.conftest import make_app
    monkeypatch.setenv("PASSWORD_MAX_AGE_DAYS", "90")
    assert make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}").config["PASSWORD_MAX_AGE_DAYS"] == 90


def test_login_starts_the_password_clock(app, auth):
    auth.login("teacher")
    with app.app_context():
        changed = db.session.scalar(select(User.password_changed_at).where(User.username == "teacher"))
    assert changed is not None and changed.date() == clock.today()


def test_old_login_failures_are_pruned(app, auth):
    now = clock.now()
    with app.app_context():
        db.session.add_all([LoginFailure(username="old", address="x", at=now - dt.timedelta(hours=2)),
                            LoginFailure(username="recent", address="x", at=now - dt.timedelta(minutes=5))])
        db.session.commit()
    auth.login("teacher")
    with app.app_context():
        assert set(db.session.scalars(select(LoginFailure.username))) == {"recent"}


def test_expiry_message_in_the_users_language_checked_once(app, client, clock_at, monkeypatch):
    """The director reads Ukrainian; the check runs once per request (translating the message must not
    load the user again)."""
    auth = Auth(client)
    auth.login("director")
    calls = []
    check = sessions.still_valid
    monkeypatch.setattr(sessions, "still_valid", lambda user: calls.append(user.id) or check(user))
    clock_at(31 * 60)
    r = client.get("/", headers={"Accept-Language": "ru"}, follow_redirects=True)
    assert "Ваш сеанс закінчився" in r.get_data(as_text=True)
    assert len(calls) == 1
