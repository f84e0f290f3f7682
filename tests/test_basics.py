import re

import pytest


def test_healthz_needs_no_login(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok"}


def test_home_redirects_anonymous_to_login(client):
    r = client.get("/")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login")


def test_htmx_request_gets_hx_redirect(client):
    r = client.get("/", headers={"HX-Request": "true"})
    assert "HX-Redirect" in r.headers
    assert r.headers["HX-Redirect"].startswith("/login")


@pytest.mark.parametrize("username", ["admin", "director", "teacher", "parent", "student", "secretary"])
def test_every_role_logs_in_and_sees_home(auth, client, username):
    r = auth.login(username)
    assert r.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert 'Vary' in home.headers and "HX-Request" in home.headers["Vary"]


def test_teacher_home_shows_todays_lessons(auth, client, ids):
    auth.login("teacher")
    html = client.get("/").get_data(as_text=True)
    assert "5-А" in html and "6-А" in html
    assert "08:00" in html
    assert f'href="/journal/courses/{ids["math5"]}"' in html  # each lesson opens its grid


def test_parent_home_lists_children(auth, client):
    auth.login("parent")
    html = client.get("/").get_data(as_text=True)
    assert "Эмиль" in html and "Ленур" in html
    assert "Смирнова" not in html


def test_parent_home_reads_the_children_with_their_classes_in_one_statement(app, auth, client, ids):
    """Each child with their class today, in one statement however many children: Ленур, who left 6-А
    yesterday, is listed without a class; Эмиль with 5-А."""
    import datetime as dt

    from sqlalchemy import select

    from school.extensions import db
    from school.models import Enrolment
    from tests.conftest import statements_during
    from tests.factory import TODAY

    with app.app_context():
        stay = db.session.scalar(select(Enrolment).where(Enrolment.student_id == ids["lenur"]))
        stay.to_day = TODAY - dt.timedelta(days=1)
        db.session.commit()
    auth.login("parent")  # the parent reads Crimean Tatar
    client.get("/")
    seen, page = statements_during(app, lambda: client.get("/"))
    items = re.findall(r"<li><a href=\"/diary/\d+\">([^<]*)</a>(.*?)</li>", page.get_data(as_text=True))
    assert [(name.split()[-1], "5-А" in rest, "6-А" in rest) for name, rest in items] == [
        ("Эмиль", True, False), ("Ленур", False, False)], items
    assert len([s for s in seen if s.startswith("SELECT students") and "classes" in s]) == 1
    assert not [s for s in seen if s.startswith("SELECT classes")]  # no class read a child


def test_admin_home_shows_counts(auth, client):
    auth.login("admin")
    html = client.get("/").get_data(as_text=True)
    assert "<dd>3</dd>" in html  # three classes in the test school
