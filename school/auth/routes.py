"""Login, logout, language switch, profile, ending a user's sessions."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from school import audit, clock
from school.access import ANY, allow, get_or_404, public
from school.auth import limits, sessions
from school.auth.forms import LanguageForm, LoginForm, PasswordForm
from school.extensions import db
from school.htmx import render
from school.i18n import SUPPORTED
from school.models import User
from school.passwords import hash_password, needs_rehash, verify_password

bp = Blueprint("auth", __name__)


LANGUAGE_COOKIE = "lang"


def safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes home.

    Control characters (CR/LF would split the Location header; browsers drop tabs and newlines from URLs) and
    backslashes (browsers read "/\\host" as "//host") are refused before the URL is even parsed."""
    home = url_for("main.home")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    return target


def _wait_message(seconds: int) -> str:
    if seconds < 60:
        return ngettext("Too many failed attempts for this account. Try again in %(num)d second.",
                        "Too many failed attempts for this account. Try again in %(num)d seconds.", seconds)
    minutes = -(-seconds // 60)
    return ngettext("Too many failed attempts for this account. Try again in %(num)d minute.",
                    "Too many failed attempts for this account. Try again in %(num)d minutes.", minutes)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        minutes = limits.address_blocked(username)
        if minutes:
            form.form_errors.append(ngettext(
                "Too many failed logins from this network. Try again in %(num)d minute.",
                "Too many failed logins from this network. Try again in %(num)d minutes.", minutes))
            return render("auth/login.html", form=form, status=429)
        seconds = limits.claim_check(username)
        if seconds:
            form.form_errors.append(_wait_message(seconds))
            return render("auth/login.html", form=form, status=429)
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None and user.active and verify_password(user.password_hash, form.password.data):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            limits.succeeded(username)
            if user.password_changed_at is None:  # the password's year starts now for logins made without one
                user.password_changed_at = clock.now()
            sessions.start(user)
            login_user(user)
            audit.record("login", f"user:{user.id}", user_id=user.id)
            db.session.commit()
            refresh()
            return redirect(safe_next(request.args.get("next")))
        if user is None:
            verify_password(None, form.password.data)
        audit.record("login_failed", username[:100], user_id=user.id if user else None)
        db.session.commit()
        form.form_errors.append(_("Wrong username or password."))
        status = 422
    elif request.method == "POST":
        status = 422
    return render("auth/login.html", form=form, status=status)


@bp.route("/logout", methods=["POST"])
@allow(ANY)
def logout():
    """Signing out ends this login's sessions on every device: a copy of the cookie (a shared staff-room computer,
    a lost phone) must not outlive it, and sessions are signed cookies that only the session version can revoke."""
    audit.record("logout", f"user:{current_user.id}")
    current_user.record.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _remember_language(response, code: str):
    """The choice of a visitor before login (and after logout) lives in a cookie the locale selector reads."""
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/lang", methods=["POST"])
@public
def set_language():
    """The small form on every page: buttons, no JavaScript; a logged-in user's choice is stored with them."""
    code = request.form.get("language")
    if code not in SUPPORTED:
        abort(422)
    if current_user.is_authenticated and current_user.language != code:
        current_user.record.language = current_user.language = code  # the login this request holds too
        audit.record("language", f"user:{current_user.id}", code)
        db.session.commit()
    refresh()
    return _remember_language(redirect(safe_next(request.form.get("next")), 303), code)


@bp.route("/profile", methods=["GET"])
@allow(ANY)
def profile():
    return render("auth/profile.html", password_form=PasswordForm(prefix="pw"),
                  language_form=LanguageForm(prefix="lang", language=current_user.language))


@bp.route("/profile/password", methods=["GET"])
@allow(ANY)
def password():
    """The change-password page, the only one open to a user who must change it."""
    return render("auth/password.html", form=PasswordForm(prefix="pw"), forced=sessions.must_change(current_user),
                  next=request.args.get("next"))


@bp.route("/profile/password", methods=["POST"])
@allow(ANY)
def change_password():
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        user = current_user.record
        if not verify_password(user.password_hash, form.old_password.data):
            form.old_password.errors.append(_("The current password is wrong."))
        elif verify_password(user.password_hash, form.new_password.data):
            form.new_password.errors.append(_("The new password must differ from the current one."))
        else:
            user.password_hash = hash_password(form.new_password.data)
            user.password_changed_at = clock.now()
            user.must_change_password = False
            user.end_sessions()
            audit.record("password_changed", f"user:{current_user.id}")
            db.session.commit()
            sessions.keep(user)  # every other device is signed out; this one goes on
            flash(_("Your password has been changed."), "ok")
            next_ = request.form.get("next")
            return redirect(safe_next(next_) if next_ else url_for("auth.profile"), 303)
    return render("auth/password.html", status=422, form=form, forced=sessions.must_change(current_user),
                  next=request.form.get("next"))


@bp.route("/auth/users/<int:user_id>/sign-out", methods=["POST"])
@allow("admin")
def sign_out_user(user_id: int):
    """The administrator ends every session of a user (a lost phone, a shared password)."""
    user = get_or_404(User, user_id)
    user.end_sessions()
    audit.record("sign_out_everywhere", f"user:{user.id}")
    db.session.commit()
    flash(_("%(name)s has been signed out on every device.", name=user.person.full_name), "ok")
    return redirect(safe_next(request.form.get("next")), 303)


@bp.route("/profile/language", methods=["POST"])
@allow(ANY)
def change_language():
    form = LanguageForm(prefix="lang")
    if form.validate_on_submit():
        current_user.record.language = current_user.language = form.language.data
        audit.record("language", f"user:{current_user.id}", form.language.data)
        db.session.commit()
        refresh()
        flash(_("The interface language has been changed."), "ok")
        return _remember_language(redirect(url_for("auth.profile")), form.language.data)
    return render("auth/profile.html", status=422, password_form=PasswordForm(prefix="pw"), language_form=form)
