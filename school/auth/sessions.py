"""How long a login lasts, and what a user who must change the password may still do.

The session carries the user's session version (copied at login), the login time and the last-seen time.
A request whose session is too old, idle too long, or of an older version is logged out: the user loader
returns nobody, so access.enforce sends them to the login page (htmx: HX-Redirect). Clearing the session
also drops Flask-WTF's raw CSRF token, so the old forms' tokens die with it.
"""
from __future__ import annotations

import datetime as dt
import time

from flask import current_app, flash, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from school import clock
from school.htmx import redirect_to
from school.i18n import as_locale

SEEN_EVERY_SECONDS = 60  # last-seen is rewritten at most this often, so most answers send no cookie
WARN_BEFORE_DAYS = 14
# What a user who must change the password may still reach.
OPEN_WHILE_CHANGING = {"auth.password", "auth.change_password", "auth.logout", "auth.set_language", "static",
                       "main.healthz"}


def now_seconds() -> int:
    return int(time.time())


def _is_staff(user) -> bool:
    return bool(user.staff_roles)


def _limits(user) -> tuple[dt.timedelta, dt.timedelta]:
    cfg = current_app.config
    if _is_staff(user):
        return cfg["SESSION_STAFF_IDLE"], cfg["SESSION_STAFF_ABSOLUTE"]
    return cfg["SESSION_FAMILY_IDLE"], cfg["SESSION_FAMILY_ABSOLUTE"]


def start(user) -> None:
    """At login: a fresh session (no CSRF token or flash of the anonymous one) bound to this user's version."""
    session.clear()
    now = now_seconds()
    session.update(sv=user.session_version, login_at=now, seen_at=now)
    session.permanent = not _is_staff(user)  # families' phones keep the cookie; staff browsers drop it


def keep(user) -> None:
    """After the user ended their own other sessions (a new password): this one goes on."""
    session["sv"] = user.session_version


def end() -> None:
    session.clear()


def still_valid(user) -> bool:
    """Called by the user loader on every request that looks at the user."""
    idle, absolute = _limits(user)
    now = now_seconds()
    login_at, seen_at = session.get("login_at", 0), session.get("seen_at", 0)
    outdated = session.get("sv") != user.session_version
    if not outdated and now - login_at <= absolute.total_seconds() and now - seen_at <= idle.total_seconds():
        if now - seen_at >= SEEN_EVERY_SECONDS:
            session["seen_at"] = now
        return True
    # Cleared first: translating asks the locale selector, which asks for the user, which must now be nobody.
    # The message is in the user's language, not the anonymous visitor's the selector would pick.
    end()
    with force_locale(as_locale(user.language)):
        flash(_("You have been signed out. Please log in again.") if outdated
              else _("Your session has expired. Please log in again."), "error")
    return False


def password_expires_on(user) -> dt.date | None:
    """The day a staff member's password stops working; None for families (and before the clock started)."""
    if not _is_staff(user) or user.password_changed_at is None:
        return None
    return user.password_changed_at.date() + dt.timedelta(days=current_app.config["PASSWORD_MAX_AGE_DAYS"])


def must_change(user) -> bool:
    expires = password_expires_on(user)
    return bool(user.must_change_password) or (expires is not None and expires <= clock.today())


def password_warning() -> int | None:
    """Days left, for the banner of the last two weeks; None when no banner."""
    if not current_user.is_authenticated:
        return None
    expires = password_expires_on(current_user)
    if expires is None:
        return None
    left = (expires - clock.today()).days
    return left if 0 < left <= WARN_BEFORE_DAYS else None


def require_password_change():
    """before_request: a user who must change the password gets the change page and nothing else."""
    if request.endpoint in OPEN_WHILE_CHANGING or not current_user.is_authenticated:
        return None
    if not must_change(current_user):
        return None
    return redirect_to(url_for("auth.password", next=request.full_path if request.method == "GET" else None))


def init_app(app) -> None:
    app.before_request(require_password_change)
    app.jinja_env.globals.update(password_warning=password_warning)
