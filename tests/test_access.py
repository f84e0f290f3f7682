"""The route × role matrix: every route of the app, every role, the conventions of the foundation.

Routes join by themselves (from app.url_map); a route whose arguments have no sample here fails the test
until someone adds one, so no route escapes the matrix.
"""
from __future__ import annotations

import pytest
from flask_login import current_user

from school.access import PUBLIC, may_use, user_roles
from tests.conftest import csrf_token, statements_during

LOGINS = {
    "admin": {"admin"},
    "director": {"director"},
    "teacher": {"teacher", "class_teacher"},
    "secretary": {"secretary"},
    "parent": {"parent"},
    "student": {"student"},
}


def sample_args(ids) -> dict:
    """A value for each URL argument name used by any route (ids of the test school)."""
    return {
        "code": "uk",
        "kind": "year",
        "course_id": ids["math5"],
        "lesson_id": ids["lesson"],
        "student_id": ids["emil"],
        "period_id": ids["q2"],
        "class_id": ids["class5"],
        "attendance_id": ids["absence"],
        "user_id": ids["users"]["teacher2"],  # not a login of the matrix: signing it out ends no session here
        "run_id": 1,  # an import run need not exist either
        "import_kind": "people",
        "statement_id": 1,  # a printed statement need not exist: roles are checked before the lookup
        "job_id": 1,  # nor a job
        "move": "leave",
        "subgroup_id": 1,  # need not exist: roles are checked before the lookup
        "guardianship_id": 1,
        "person_id": 1,
        "year_id": ids["year_id"],
        "report": "timeliness",
        "item_id": 1,  # a plan row need not exist: roles are checked before the lookup
        "notice_id": 1,  # an outbox row need not exist: roles are checked before the lookup
        "token": "not-a-token",  # an unsubscribe link's signed token; a forged one is a 404 page
        "thread_id": 1,  # a conversation need not exist: roles are checked before the lookup
    }


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def build_url(app, rule, ids) -> str:
    samples = sample_args(ids)
    missing = set(rule.arguments) - set(samples)
    assert not missing, f"add a sample value for {missing} (route {rule.rule}) to tests/test_access.py"
    with app.test_request_context():
        from flask import url_for
        return url_for(rule.endpoint, **{a: samples[a] for a in rule.arguments})


def call(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": csrf_token(client, "/login")})


def test_every_view_declares_access(app):
    for rule, _ in routes(app):
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "__access__", None), f"{rule.endpoint} declares no access"


def test_undeclared_view_is_refused(app, client, auth):
    @app.route("/undeclared")
    def undeclared():
        return "secret"
    auth.login("admin")
    assert client.get("/undeclared").status_code == 403


@pytest.mark.parametrize("login", sorted(LOGINS))
def test_derived_roles(app, client, auth, login):
    auth.login(login)
    with client:
        client.get("/")
        assert set(user_roles(current_user)) == LOGINS[login]


def test_anonymous_matrix(app, client, ids):
    for rule, method in routes(app):
        access = app.view_functions[rule.endpoint].__access__
        url = build_url(app, rule, ids)
        r = call(client, method, url)
        if PUBLIC in access:
            assert r.status_code not in (401, 403), (rule.rule, method, r.status_code)
        else:
            assert r.status_code == 302 and r.headers["Location"].startswith("/login"), (rule.rule, method)


@pytest.mark.parametrize("login", sorted(LOGINS))
def test_role_matrix(app, client, auth, ids, login):
    roles = LOGINS[login]
    # Logging out ends the session, so it goes last.
    ordered = sorted(routes(app), key=lambda rm: rm[0].endpoint == "auth.logout")
    auth.login(login)
    for rule, method in ordered:
        view = app.view_functions[rule.endpoint]
        url = build_url(app, rule, ids)
        r = call(client, method, url)
        allowed = may_use(view, frozenset(roles), method)
        if allowed:
            assert r.status_code != 403, (login, rule.rule, method)
            if rule.endpoint != "auth.logout":  # logging out rightly ends at the login page
                assert not (r.status_code == 302 and r.headers["Location"].startswith("/login")), (login, rule.rule)
        else:
            assert r.status_code == 403, (login, rule.rule, method, r.status_code)


def test_the_current_year_is_read_with_the_login_not_by_a_statement_of_its_own(app, auth, client):
    """The teacher's home page needs the current year (its to-do list); the login's statement reads it."""
    auth.login("teacher")
    client.get("/")
    seen, page = statements_during(app, lambda: client.get("/"))
    assert page.status_code == 200 and "<h1>" in page.get_data(as_text=True)
    own = [s for s in seen if s.lstrip().startswith("SELECT academic_years.id") and "FROM users" not in s]
    assert not own, own
    assert any("FROM users" in s and "AS year_id" in s for s in seen)


def test_the_requests_user_is_read_as_plain_columns_and_its_roles_with_it(app, auth, client):
    """The user loader reads the login as plain columns (access.Login): no ORM User is loaded on a page that only
    asks who is signed in, in one statement with the staff roles and the derived ones; the home page greets
    the user by the first name that statement read."""
    from school.access import Login
    from school.extensions import db
    from school.models import User

    auth.login("teacher")
    with client:
        seen, page = statements_during(app, lambda: client.get("/"))
        assert page.status_code == 200 and "Эльмира" in page.get_data(as_text=True)
        assert isinstance(current_user._get_current_object(), Login)
        assert current_user.staff_roles == {"teacher"}
        assert user_roles() == {"teacher", "class_teacher"}
        assert not [o for o in db.session.identity_map.values() if isinstance(o, User)]
    assert len([s for s in seen if "FROM users" in s]) == 1
    assert not [s for s in seen if s.startswith("SELECT persons")]  # the name came with the login
