"""Failed logins slow the account down instead of locking its owner out, and an address shared by a whole school
is limited by the accounts that fail from it (school/auth/limits.py)."""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select

from school import clock
from school.auth import limits
from school.auth import routes as auth_routes
from school.extensions import db
from school.models import LoginFailure, LoginThrottle, User
from tests.conftest import Auth, csrf_token
from tests.factory import PASSWORD, _user

T0 = dt.datetime(2026, 11, 24, 10, 0, 0)


class Clock:
    """The app's clock, moved by hand."""
    def __init__(self, monkeypatch):
        self.now = T0
        monkeypatch.setattr(clock, "now", lambda: self.now)

    def advance(self, seconds: float):
        self.now += dt.timedelta(seconds=seconds)


def count_checks(monkeypatch) -> list:
    checks = []
    real = auth_routes.verify_password

    def counting(password_hash, password):
        checks.append(1)
        return real(password_hash, password)
    monkeypatch.setattr(auth_routes, "verify_password", counting)
    return checks


def test_the_delay_doubles_after_five_failures_and_is_capped(app):
    with app.app_context():
        assert [limits.delay_after(n) for n in range(1, 16)] == [0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512,
                                                                 900, 900]


def test_the_right_password_works_after_the_delay(auth, client, monkeypatch):
    time = Clock(monkeypatch)
    checks = count_checks(monkeypatch)
    for _ in range(5):
        assert auth.login("teacher", "wrong").status_code == 422
    assert len(checks) == 5
    r = auth.login("teacher")  # during the wait even the right password is not checked
    assert r.status_code == 429
    assert "Слишком много неудачных попыток для этой учётной записи. Попробуйте снова через 2 секунды." in r.get_data(
        as_text=True)
    assert len(checks) == 5
    time.advance(2)
    assert auth.login("teacher").status_code == 302
    assert client.get("/").status_code == 200


def test_attempts_during_the_wait_do_not_lengthen_it(auth, monkeypatch):
    time = Clock(monkeypatch)
    for _ in range(6):  # five free failures, the sixth after the 2 s wait: now 4 s
        assert auth.login("teacher", "wrong").status_code == 422
        time.advance(2)
    for _ in range(30):
        assert auth.login("teacher", "wrong").status_code == 429
    time.advance(2)
    assert auth.login("teacher").status_code == 302


def test_the_wait_is_at_most_fifteen_minutes(auth, monkeypatch):
    time = Clock(monkeypatch)
    for _ in range(20):
        auth.login("teacher", "wrong")
        time.advance(900)
    r = auth.login("teacher", "wrong")
    assert r.status_code == 422  # every wait over: the guess is checked (and wrong)
    r = auth.login("teacher")
    assert r.status_code == 429 and "15 минут" in r.get_data(as_text=True)
    time.advance(900)
    assert auth.login("teacher").status_code == 302


def test_a_success_starts_the_count_again(auth, monkeypatch):
    Clock(monkeypatch)
    for _ in range(3):
        for _ in range(4):
            assert auth.login("teacher", "wrong").status_code == 422
        assert auth.login("teacher").status_code == 302
        auth.logout()


def test_unknown_usernames_are_slowed_down_alike(auth, monkeypatch):
    Clock(monkeypatch)
    for _ in range(5):
        assert auth.login("nobody", "wrong").status_code == 422
    assert auth.login("nobody", "wrong").status_code == 429  # the answer does not tell who exists


def test_thirty_concurrent_wrong_passwords_run_at_most_five_checks(app, monkeypatch):
    Clock(monkeypatch)  # time stands still: on a slow machine the 2 s wait after the fifth could pass meanwhile
    checks = count_checks(monkeypatch)
    clients = [app.test_client() for _ in range(30)]
    tokens = [csrf_token(c) for c in clients]
    start = threading.Barrier(len(clients))
    statuses = []

    def attempt(c, token):
        start.wait()
        r = c.post("/login", data={"username": "teacher", "password": "wrong", "csrf_token": token})
        statuses.append(r.status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(set(statuses)) == [422, 429] and len(statuses) == 30
    assert len(checks) == statuses.count(422) <= 5
    with app.app_context():
        assert db.session.get(LoginThrottle, "teacher").failures == len(checks)


def _add_teachers(app, n: int) -> list[str]:
    with app.app_context():
        pw_hash = db.session.scalar(select(User.password_hash).where(User.username == "teacher"))
        names = [f"teacher{i:02d}" for i in range(n)]
        for name in names:
            _user(name, "Учитель", name, "teacher", pw_hash=pw_hash)
        db.session.commit()
    return names


def _failures_from(app, address: str, usernames: list[str]):
    with app.app_context():
        now = clock.now()
        db.session.add_all(LoginFailure(username=u, address=address, at=now) for u in usernames)
        db.session.commit()


def test_behind_one_address_twenty_teachers_log_in_while_one_account_is_guessed(app, client, monkeypatch):
    Clock(monkeypatch)
    names = _add_teachers(app, 20)
    _failures_from(app, "127.0.0.1", ["director"] * 400 + [f"guess{i}" for i in range(250)])
    auth = Auth(client)
    for name in names:
        assert auth.login(name, "typo").status_code == 422  # each mistypes once, then gets in
        assert auth.login(name).status_code == 302
        auth.logout()


def test_the_address_limit_counts_accounts(app, client, monkeypatch):
    Clock(monkeypatch)
    _failures_from(app, "127.0.0.1", [f"guess{i}" for i in range(299)])
    auth = Auth(client)
    assert auth.login("teacher", "wrong").status_code == 422  # the 300th account
    r = auth.login("director")  # the 301st
    assert r.status_code == 429 and "с этого адреса" in r.get_data(as_text=True)
    assert auth.login("teacher").status_code == 302  # an account that failed here already is not a new one


def test_the_address_limit_passes_with_its_window(app, client, monkeypatch):
    time = Clock(monkeypatch)
    _failures_from(app, "127.0.0.1", [f"guess{i}" for i in range(301)])
    auth = Auth(client)
    assert auth.login("director").status_code == 429
    time.advance(15 * 60)
    assert auth.login("director").status_code == 302
    with app.app_context():  # old failures are pruned
        assert db.session.scalar(select(LoginFailure.id).where(LoginFailure.at < time.now)) is None
