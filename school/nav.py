"""The main menu of every signed-in page, and the templates' url_for.

Which links a user sees depends on their roles alone, and the links' text on the language: each combination is
built once per process. Built in the template it cost an eighth of a page's render (a dozen url_for, has_role
and gettext calls every request). What changes from one request to the next stays in base.html: the messages
link with its unread count, and the logout form with its CSRF token."""
from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

from flask import current_app, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from school import access
from school.i18n import locale_key

TEACHING = frozenset({"teacher", "class_teacher", "admin", "director", "deputy"})
MANAGING = frozenset({"class_teacher", "admin", "director", "deputy"})
# Where the messages link goes, between the two parts of the menu.
MESSAGES = None


def _links() -> tuple:
    """(endpoint, text, roles that see it or None for everyone signed in), in the menu's order."""
    return (
        ("main.home", _("Home"), None),
        ("journal.index", _("Journal"), TEACHING),
        ("timetable.index", _("Timetable"), TEACHING),
        ("statements.index", _("Statements"), MANAGING),
        ("reports.index", _("Reports"), MANAGING),
        ("diary.index", _("Diary"), frozenset({"parent", "student"})),
        ("changes.day_page", _("Changes"), frozenset({"admin", "director", "deputy"})),
        MESSAGES,
        ("people.index", _("People"), frozenset({"admin", "secretary"})),
        ("ops.index", _("Operations"), frozenset({"admin"})),
        ("auth.profile", _("Profile"), None),
    )


def _menu(roles: frozenset[str], locale, script_root: str) -> tuple[Markup, Markup]:
    """The links before and after the messages link for these roles, in the request's language and under its
    script root (both are in the key: url_for and gettext read them from the request)."""
    parts: list[list[str]] = [[]]
    for link in _links():
        if link is MESSAGES:
            parts.append([])
            continue
        endpoint, text, who = link
        if who is None or roles & who:
            parts[-1].append(f'<a href="{escape(url_for(endpoint))}">{escape(text)}</a>')
    return Markup("\n    ".join(parts[0])), Markup("\n    ".join(parts[1]))


def menu(part: int) -> Markup:
    """Part 0 or 1 of the signed-in user's menu (see _menu)."""
    return current_app.extensions["defter_nav"].menu(access.user_roles(), locale_key(), request.script_root)[part]


def template_url_for(endpoint: str, **values) -> str:
    """Flask's url_for for the templates, kept per endpoint, values (in their order) and script root: a path is
    built from those alone (no URL defaults, no host). The teacher's home page built 34 links a request, each a walk
    of the URL map; the same lessons, courses and students come back request after request. Anything else — an
    external URL, a scheme, an anchor, a value that cannot be a key, an app with URL defaults — goes to Flask as it
    is."""
    app = current_app
    if app.url_default_functions or any(key.startswith("_") for key in values):  # URL defaults: Flask's own way
        return app.url_for(endpoint, **values)
    try:
        return app.extensions["defter_nav"].url(endpoint, tuple(values.items()), request.script_root)
    except TypeError:  # a list or another unhashable value
        return app.url_for(endpoint, **values)


def init_app(app) -> None:
    # Kept per app (its URL map), each bounded.
    app.extensions["defter_nav"] = SimpleNamespace(
        menu=lru_cache(maxsize=256)(_menu),
        url=lru_cache(maxsize=8192)(lambda endpoint, values, _root: url_for(endpoint, **dict(values))))
    app.jinja_env.globals.update(menu=menu, url_for=template_url_for)
