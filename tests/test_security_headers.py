"""Headers on every answer, no inline script anywhere, the secret key file, the proxy, the language switch."""
from __future__ import annotations

import multiprocessing
import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from school.access import may_use
from school.extensions import db
from school.models import AuditEvent, User
from tests.conftest import csrf_token, log_in
from tests.test_access import LOGINS, build_url, routes

ROOT = Path(__file__).resolve().parent.parent
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I)


def _check(r, where):
    h = r.headers
    csp = h.get("Content-Security-Policy", "")
    for part in ("script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'",
                 "form-action 'self'"):
        assert part in csp, (where, part)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("Referrer-Policy") == "same-origin", where
    assert h.get("X-Frame-Options") == "DENY", where
    if r.mimetype == "text/html":
        html = r.get_data(as_text=True)
        for pattern in (INLINE_HANDLER, INLINE_SCRIPT, STYLE_ATTRIBUTE):
            assert not pattern.search(html), (where, pattern.search(html).group(0))


def _walk(app, client, ids, roles):
    seen = 0
    for rule, method in routes(app):
        if method != "GET" or not may_use(app.view_functions[rule.endpoint], frozenset(roles), "GET"):
            continue
        url = build_url(app, rule, ids)
        r = client.get(url)
        _check(r, url)
        seen += r.mimetype == "text/html"
    return seen


@pytest.mark.parametrize("login", sorted(LOGINS))
def test_every_page_carries_the_headers_and_no_inline_script(app, client, auth, ids, login):
    auth.login(login)
    assert _walk(app, client, ids, LOGINS[login]) > 2


def test_anonymous_pages_errors_and_static_files_carry_the_headers(app, client, ids):
    _walk(app, client, ids, {"anonymous"})
    _check(client.get("/login"), "/login")
    _check(client.get("/no-such-page"), "404")
    with client.get("/static/js/app.js") as r:
        _check(r, "static")
    _check(client.post("/login", data={}), "CSRF 400")


def test_no_template_has_an_inline_handler_or_script():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for pattern in (INLINE_HANDLER, INLINE_SCRIPT, STYLE_ATTRIBUTE):
            assert not pattern.search(text), (path.name, pattern.search(text).group(0))


def test_htmx_does_not_inject_its_inline_style(auth, client):
    auth.login("teacher")
    html = client.get("/journal/").get_data(as_text=True)
    assert '"includeIndicatorStyles":false' in html and "js/app.js" in html


def test_reason_chooser_saves_on_change_through_app_js(app, auth, client, ids):
    auth.login("teacher")
    html = client.get(f"/journal/classes/{ids['class5']}/attendance").get_data(as_text=True)
    assert "data-submit-on-change" in html
    assert "select[data-submit-on-change]" in (ROOT / "static/js/app.js").read_text()


# The secret key file


def _read_key(folder: str, barrier, results) -> None:
    from school.config import _secret_key
    barrier.wait()  # every worker starts at the same moment, as gunicorn's do
    results.put(_secret_key(folder))


def test_secret_key_created_once_by_racing_workers(tmp_path):
    spawn = multiprocessing.get_context("spawn")
    n = 6
    barrier, results = spawn.Barrier(n), spawn.Queue()
    workers = [spawn.Process(target=_read_key, args=(str(tmp_path), barrier, results)) for _ in range(n)]
    for w in workers:
        w.start()
    keys = [results.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(10)
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text() == keys[0]


def test_secret_key_readable_by_others_is_tightened(tmp_path):
    from school.config import _secret_key
    key_file = tmp_path / "secret_key"
    key_file.write_text("ab" * 32)
    key_file.chmod(0o644)
    assert _secret_key(str(tmp_path)) == "ab" * 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_instance_folder_from_the_environment(tmp_path, monkeypatch):
    from school import create_app
    monkeypatch.setenv("DEFTER_INSTANCE", str(tmp_path / "inst"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.instance_path == str(tmp_path / "inst")
    assert (tmp_path / "inst" / "secret_key").exists()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "DEFTER_INSTANCE=/data" in dockerfile


def test_proxy_host_header_is_not_trusted(base_db, tmp_path, monkeypatch):
    from school.access import public
    from tests.conftest import make_app
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")

    @app.route("/whoami")
    @public
    def whoami():
        from flask import request
        return f"{request.host} {request.remote_addr} {request.scheme}"
    r = app.test_client().get("/whoami", headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-For": "198.51.100.7",
                                                   "X-Forwarded-Proto": "https"})
    assert r.get_data(as_text=True) == "localhost 198.51.100.7 https"


# The language switch


def test_old_language_link_writes_nothing(app, auth, client):
    auth.login("teacher")
    with app.app_context():
        events = db.session.scalar(select(func.count(AuditEvent.id)))
    assert client.get("/lang/uk").status_code == 404
    assert client.get("/lang").status_code == 405
    with app.app_context():
        assert db.session.scalar(select(User.language).where(User.username == "teacher")) == "ru"
        assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_language_switch_is_a_form_of_buttons(client):
    html = client.get("/login").get_data(as_text=True)
    switch = html[html.index('action="/lang"'):]
    switch = switch[:switch.index("</form>")]
    assert 'name="csrf_token"' in switch
    assert switch.count('<button type="submit" name="language"') == 2  # the current language is no button
    assert "<a " not in switch


def test_language_switch_needs_csrf(client):
    assert client.post("/lang", data={"language": "uk"}).status_code == 400


def test_anonymous_choice_is_a_cookie(client):
    r = client.post("/lang", data={"language": "uk", "csrf_token": csrf_token(client)})
    assert "lang=uk" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
    assert '<html lang="uk">' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: x=1", "/journal/\n", "/\\evil.example", "\\\\evil.example",
                                    "https://evil.example/", "//evil.example", "/%0d%0a", "javascript:alert(1)",
                                    "/\x00"])
def test_unsafe_next_goes_home(client, auth, target):
    r = client.post("/lang", data={"language": "uk", "next": target, "csrf_token": csrf_token(client)})
    assert r.status_code == 303
    expected = "/%0d%0a" if target == "/%0d%0a" else "/"  # percent-encoded CR/LF is a harmless path
    assert r.headers["Location"] == expected
    r = client.post("/login", query_string={"next": target},
                    data={"username": "teacher", "password": "secret-pass", "csrf_token": csrf_token(client)})
    assert r.status_code == 302 and r.headers["Location"] == expected
    auth.logout()


@pytest.mark.browser
def test_pages_run_under_the_policy_in_a_browser(app, ids, live_server, browser):
    """htmx and app.js work with the CSP in force, and the browser reports no violation."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="ru-RU")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in(page, live_server, "teacher")
    page.goto(f"{live_server}/journal/courses/{ids['math5']}")
    page.wait_for_selector("#grid")
    page.goto(f"{live_server}/journal/classes/{ids['class5']}/attendance")
    cell = f"#r{ids['absence']}"
    page.select_option(f"{cell} select", "excused")  # app.js submits the form on change, htmx swaps the cell
    page.wait_for_function(f"() => document.querySelector('{cell}').classList.contains('fixed')", timeout=10000)
    for box in (b.bounding_box() for b in page.locator("footer button[name=language]").all()):
        assert box["width"] >= 44 and box["height"] >= 44, box  # touch targets
    page.click("footer button[name=language][value=uk]")  # the language switch: a plain form
    page.wait_for_function("() => document.documentElement.lang === 'uk'")
    context.close()
    assert problems == []
