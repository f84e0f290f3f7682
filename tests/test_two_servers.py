"""Two app servers on two ports against one database (issue 12): they share nothing but the database, so a
logged-in user's requests may alternate between them. PostgreSQL when DATABASE_URL is set, else the SQLite file."""
from __future__ import annotations

import re
import time

import pytest

from tests import factory
from tests.grid_page import grid_cells
from tests.load import loadtest as L

pytestmark = pytest.mark.load
METRICS_TOKEN = "two-servers"


@pytest.fixture
def servers(app, tmp_path):
    db = L.Database(None, tmp_path, existing=app.config["SQLALCHEMY_DATABASE_URI"])
    pair = [L.Server(db, timeout=60, env={"METRICS_TOKEN": METRICS_TOKEN}) for _ in range(2)]
    try:
        for s in pair:
            s.spawn()
        for s in pair:
            s.wait()
        yield pair
    finally:
        for s in pair:
            s.stop()


def _browsers(servers, cookies=None):
    """One browser talking to both servers: a is server A, b is server B, with one cookie jar."""
    a, b = L.Browser(servers[0].port), L.Browser(servers[1].port)
    b.cookies = a.cookies = cookies if cookies is not None else {}
    return a, b


def _login(browser, username, password=factory.PASSWORD) -> int:
    return browser.login(username, password)


def test_a_session_and_a_save_on_one_server_hold_on_the_other(servers, ids):
    a, b = _browsers(servers)
    assert _login(a, "teacher") in (302, 303)
    grid = f"/journal/courses/{ids['math5']}"
    status, page, _r = b.get(grid)  # the cookie signed by A works on B
    assert status == 200
    cell = grid_cells(page)[(ids["lesson"], ids["emil"])].version  # "0-0" for an empty cell of the page
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    status, body, _r = a.request("POST", f"/journal/lessons/{ids['lesson']}/students/{ids['emil']}",
                                 {"action": "4", "version": cell}, {"HX-Request": "true", "X-CSRFToken": token})
    assert status == 200
    saved = L.CELL.search(body).group(3)
    status, page, _r = b.get(grid)  # the save made on A is seen on B
    seen = grid_cells(page)[(ids["lesson"], ids["emil"])]
    assert (seen.version, seen.text) == (saved, "4")

    # logging out on B ends the session on A (the browser's cookie is cleared)
    status, _page, _r = b.request("POST", "/logout", {"csrf_token": token})
    assert status in (302, 303)
    status, _page, r = a.get(grid)
    assert status == 302 and "/login" in r.getheader("Location")
    a.close(), b.close()


def test_a_copy_of_the_cookie_is_refused_after_logout_on_the_other_server(servers, ids):
    a, b = _browsers(servers)
    assert _login(a, "teacher") in (302, 303)
    kept = dict(a.cookies)
    _s, page, _r = a.get("/profile")
    status, _page, _r = a.request("POST", "/logout",
                                  {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)})
    assert status in (302, 303)
    _a, stale = _browsers(servers, dict(kept))
    status, _page, _r = stale.get(f"/journal/courses/{ids['math5']}")
    a.close(), b.close(), stale.close()
    assert status == 302


def test_signing_out_everywhere_on_one_server_ends_the_session_on_the_other(servers, ids):
    """The session version is in the database: a copy of the cookie taken before is refused by the other server."""
    a, b = _browsers(servers)
    assert _login(a, "teacher") in (302, 303)
    kept = dict(a.cookies)
    admin = L.Browser(servers[0].port)
    assert _login(admin, "admin") in (302, 303)
    _s, page, _r = admin.get("/profile")
    status, _page, _r = admin.request("POST", f"/auth/users/{ids['users']['teacher']}/sign-out",
                                      {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)})
    assert status in (302, 303)
    stale_a, stale_b = _browsers(servers, dict(kept))
    for browser in (stale_b, stale_a):
        status, _page, r = browser.get(f"/journal/courses/{ids['math5']}")
        assert status == 302 and "/login" in r.getheader("Location")
    for browser in (a, b, admin, stale_a, stale_b):
        browser.close()


def test_the_login_throttle_counts_on_both_servers(servers):
    """Five failures alternating between the servers use up the free ones: the right password at once on either
    server is refused without being checked (each server counting alone would have let it in)."""
    a, b = _browsers(servers)
    for i in range(5):
        assert _login((a, b)[i % 2], "teacher", "wrong password") not in (302, 303)
    assert _login(b, "teacher") not in (302, 303)
    status, _page, _r = b.get("/journal/")
    assert status == 302
    a.close(), b.close()


def test_metrics_count_the_requests_of_every_worker_process(servers):
    """Each server is a gunicorn master with two worker processes, both on one instance folder (as two gunicorn
    masters on one machine would be): /metrics on either counts what all four processes answered."""
    for i in range(12):
        browser = L.Browser(servers[i % 2].port)  # a new connection each time: either worker may take it
        status, _page, _r = browser.get("/login")
        browser.close()
        assert status == 200
    expected = 'defter_http_requests_total{endpoint="auth.login",method="GET",status="200"} 12'
    deadline = time.monotonic() + 15  # each process adds its counts within a second
    while True:
        bodies = []
        for server in servers:
            browser = L.Browser(server.port)
            status, body, _r = browser.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            browser.close()
            assert status == 200
            bodies.append(body)
        if all(expected in body for body in bodies):
            break
        assert time.monotonic() < deadline, [line for line in bodies[0].splitlines() if "auth.login" in line]
        time.sleep(0.2)
