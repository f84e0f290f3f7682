import datetime as dt

from sqlalchemy import select

from school.extensions import db
from school.models import AuditEvent, LoginFailure, User
from school.passwords import hash_password, verify_password
from tests.conftest import csrf_token
from tests.factory import PASSWORD


def test_passwords_are_argon2(ctx):
    user = db.session.scalar(select(User).where(User.username == "teacher"))
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, PASSWORD)
    assert not verify_password(user.password_hash, PASSWORD + "x")
    assert not verify_password("not-a-hash", PASSWORD)
    assert hash_password("a") != hash_password("a")  # salted


def test_a_school_hashes_at_rfc_9106s_cost_not_at_the_suites():
    """The suite hashes at argon2's least cost (conftest.py); a server's process, which imports the module as it
    is, hashes at this one."""
    import subprocess
    import sys

    code = "from school.passwords import hash_password; print(hash_password('a'))"
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert fresh.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), fresh
    assert not hash_password("a").startswith("$argon2id$v=19$m=65536,")  # this process: the suite's cost


def test_wrong_password_is_refused_with_a_message(auth, client):
    r = auth.login("teacher", "wrong")
    assert r.status_code == 422
    assert "Неверное имя пользователя или пароль" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_username_is_case_insensitive(auth, client):
    assert auth.login("TEACHER").status_code == 302
    assert client.get("/").status_code == 200


def test_login_and_failure_are_audited(app, auth):
    auth.login("teacher", "wrong")
    auth.login("teacher")
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["login_failed", "login"]


def test_successful_logins_do_not_count(auth):
    for _ in range(12):
        assert auth.login("teacher").status_code == 302
        auth.logout()
    assert auth.login("teacher").status_code == 302


def test_csrf_refused_on_login_and_logout(auth, client):
    r = client.post("/login", data={"username": "teacher", "password": PASSWORD})
    assert r.status_code == 400
    auth.login("teacher")
    r = client.post("/logout")
    assert r.status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_logout_is_post_only(auth, client):
    auth.login("teacher")
    assert client.get("/logout").status_code == 405
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_open_redirect_is_refused(auth, client):
    token = csrf_token(client)
    r = client.post("/login?next=https://evil.example/", data={"username": "teacher", "password": PASSWORD,
                                                               "csrf_token": token})
    assert r.headers["Location"] == "/"


def test_session_cookie_flags(auth):
    r = auth.login("teacher")
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_change_password(app, auth, client):
    auth.login("teacher")
    bad = auth.post("/profile/password", {"pw-old_password": "nope", "pw-new_password": "newpassword1",
                                           "pw-confirm": "newpassword1"})
    assert bad.status_code == 422
    assert "Текущий пароль неверен" in bad.get_data(as_text=True)
    short = auth.post("/profile/password", {"pw-old_password": PASSWORD, "pw-new_password": "short",
                                             "pw-confirm": "short"})
    assert short.status_code == 422
    ok = auth.post("/profile/password", {"pw-old_password": PASSWORD, "pw-new_password": "newpassword1",
                                          "pw-confirm": "newpassword1"})
    assert ok.status_code == 303
    auth.logout()
    assert auth.login("teacher").status_code == 422
    assert auth.login("teacher", "newpassword1").status_code == 302


def test_create_admin_command(app, runner):
    r = runner.invoke(args=["school", "create-admin", "--username", "Boss"], input="longpassword\nlongpassword\n")
    assert r.exit_code == 0, r.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "boss"))
        assert user is not None and "admin" in user.staff_roles
        assert verify_password(user.password_hash, "longpassword")


def test_behind_a_trusted_proxy_the_limit_counts_real_clients(base_db, tmp_path, monkeypatch):
    """Behind fly's proxy every request comes from one address; X-Forwarded-For names the client."""
    import shutil

    from tests.conftest import Auth, make_app
    kind, location, _ = base_db
    if kind != "sqlite":
        import pytest
        pytest.skip("the proxy setting does not depend on the database")
    path = tmp_path / "proxy.sqlite3"
    shutil.copy(location, path)
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = make_app(f"sqlite:///{path}")
    client = app.test_client()
    auth = Auth(client)
    with app.app_context():
        now = dt.datetime.combine(dt.date(2026, 11, 24), dt.datetime.now().time())
        db.session.add_all(LoginFailure(username=f"guess{i}", address="203.0.113.9", at=now) for i in range(301))
        db.session.commit()
    headers = {"X-Forwarded-For": "198.51.100.7"}
    token = csrf_token(client)
    r = client.post("/login", data={"username": "teacher", "password": PASSWORD, "csrf_token": token},
                    headers=headers)
    assert r.status_code == 302  # the attacker's address is blocked, the teacher's is not
    auth.logout()
    token = csrf_token(client)
    r = client.post("/login", data={"username": "teacher", "password": PASSWORD, "csrf_token": token},
                    headers={"X-Forwarded-For": "203.0.113.9"})
    assert r.status_code == 429
    with app.app_context():
        db.engine.dispose()
