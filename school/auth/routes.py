"""Login, logout, language switch, profile."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from school import audit, clock
from school.access import ANY, allow, public
from school.auth import bp, limits
from school.auth.forms import LanguageForm, LoginForm, PasswordForm
from school.extensions import db
from school.htmx import render
from school.i18n import SUPPORTED
from school.models import User
from school.passwords import hash_password, needs_rehash, verify_password


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
            login_user(user)
            session.pop("lang", None)
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
    audit.record("logout", f"user:{current_user.id}")
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>")
@public
def set_language(code: str):
    """A plain link on every page (works without JavaScript; never part of the login form)."""
    if code not in SUPPORTED:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated and current_user.language != code:
        current_user.language = code
        audit.record("language", f"user:{current_user.id}", code)
        db.session.commit()
    refresh()
    return redirect(safe_next(request.args.get("next")))


@bp.route("/profile", methods=["GET"])
@allow(ANY)
def profile():
    return render("auth/profile.html", password_form=PasswordForm(prefix="pw"),
                  language_form=LanguageForm(prefix="lang", language=current_user.language))


@bp.route("/profile/password", methods=["POST"])
@allow(ANY)
def change_password():
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.old_password.data):
            form.old_password.errors.append(_("The current password is wrong."))
        else:
            current_user.password_hash = hash_password(form.new_password.data)
            current_user.password_changed_at = clock.now()
            current_user.must_change_password = False
            audit.record("password_changed", f"user:{current_user.id}")
            db.session.commit()
            flash(_("Your password has been changed."), "ok")
            return redirect(url_for("auth.profile"))
    return render("auth/profile.html", status=422, password_form=form,
                  language_form=LanguageForm(prefix="lang", language=current_user.language))


@bp.route("/profile/language", methods=["POST"])
@allow(ANY)
def change_language():
    form = LanguageForm(prefix="lang")
    if form.validate_on_submit():
        current_user.language = form.language.data
        audit.record("language", f"user:{current_user.id}", form.language.data)
        db.session.commit()
        refresh()
        flash(_("The interface language has been changed."), "ok")
        return redirect(url_for("auth.profile"))
    return render("auth/profile.html", status=422, password_form=PasswordForm(prefix="pw"), language_form=form)
