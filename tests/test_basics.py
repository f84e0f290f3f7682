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


def test_admin_home_shows_counts(auth, client):
    auth.login("admin")
    html = client.get("/").get_data(as_text=True)
    assert "<dd>3</dd>" in html  # three classes in the test school
