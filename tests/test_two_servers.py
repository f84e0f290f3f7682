"""Two app servers on two ports against one database (issue 12): they share nothing but the database, so a
logged-in user's requests may alternate between them. PostgreSQL when DATABASE_URL is set, else the SQLite file."""
from __future__ import annotations

import re

import pytest

from tests import factory
from tests.load import loadtest as L

pytestmark = pytest.mark.load


@pytest.fixture
def servers(app, tmp_path):
    db = L.Database(None, tmp_path, existing=app.config["SQLALCHEMY_DATABASE_URI"])
    pair = [L.Server(db, timeout=60), L.Server(db, timeout=60)]
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
    # An empty cell of the page carries no version: the grid sends "0-0" for it.
    cell = re.search(rf'<td id="c{ids["lesson"]}-{ids["emil"]}"(?: data-v="([^"]+)")?', page).group(1) or "0-0"
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    status, body, _r = a.request("POST", f"/journal/lessons/{ids['lesson']}/students/{ids['emil']}",
                                 {"action": "4", "version": cell}, {"HX-Request": "true", "X-CSRFToken": token})
    assert status == 200
    saved = L.CELL.search(body).group(3)
    status, page, _r = b.get(grid)  # the save made on A is seen on B
    assert re.search(rf'<td id="c{ids["lesson"]}-{ids["emil"]}" data-v="{re.escape(saved)}"[^>]*>4</td>', page)

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
