"""Defter: the application factory is the only place an app is built."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from school.config import ROOT, from_environment, instance_path


# The largest id both databases store: PostgreSQL's integer ends at 2^31-1 (SQLite's at 2^63-1).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """<int:…> that matches only ids the database can hold: a larger number is a 404 at routing, before a view
    or a query sees it (PostgreSQL raises on an out-of-range integer parameter)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=instance_path(), instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    # Replaces the default "int" before any route is added, so every <int:…> of every blueprint is bounded.
    app.url_map.converters["int"] = IdConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 15}})
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and app.config["PG_SESSION_OPTIONS"]:
        # PostgreSQL's planner costs for the app's own sessions (config PG_SESSION_OPTIONS, libpq options). A school's
        # database is small and lives in memory: reading a page at random costs what reading the next one does,
        # which the server's default random_page_cost of 4 (disks that seek) denies. With it, the generic plan of the
        # teacher's to-do read every held lesson of the school up to today (4,300 rows on the demo school) to keep a
        # teacher's 187, where an index range per course reads only those: 0.84 -> 0.18 ms for that statement, on
        # every teacher's home page. 1.1 is the value usually given for data on SSD or in RAM; an empty setting
        # leaves the server's own.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                              {"connect_args": {"options": app.config["PG_SESSION_OPTIONS"]}})

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = app.config["TRUSTED_PROXIES"]
        # Not X-Forwarded-Host: the host stays what the client asked for, never what a header claims.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0)

    from school import (access, catalogs, cli, clock, errors, i18n, integrity, models, queries,  # noqa: F401
                        nav, request_limits, security, templating, transactions)  # (metadata, listeners)
    from school.auth import sessions
    from school.extensions import babel, compress, csrf, db, htmx, login_manager, migrate
    from school.htmx import wants_partial

    catalogs.compile_catalogs()
    db.init_app(app)
    transactions.init_app(app, db)
    migrate.init_app(app, db, render_as_batch=True, directory=str(ROOT / "migrations"))
    request_limits.init_app(app)  # before CSRF protection, the first to read a body
    csrf.init_app(app)
    compress.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_template_gettext(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    access.init_app(app)
    sessions.init_app(app)
    app.before_request(i18n.preload_wtforms_translations)
    errors.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    nav.init_app(app)
    cli.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        # One query per request for the login and its roles, stored and derived, and for a page (a GET answered
        # with a whole page, as htmx.render decides) the navigation's unread number and the user's name too.
        page = request.method == "GET" and not wants_partial()
        try:
            row = queries.plain(access.login_statement(page), {"id": int(user_id), "today": clock.today()}
                                ).one_or_none()
        except ValueError:
            return None
        user = access.Login(row) if row is not None else None
        if user is None or not user.active:
            sessions.end()
            return None
        if not sessions.still_valid(user):
            return None
        access.remember_roles(user, row.leads, row.guards, row.learns)
        queries.remember_current_year(row.year_id)
        if page:
            from school.messages.service import remember_unread
            remember_unread(user.id, row.unread)
        return user

    from school.admin import bp as admin_bp
    from school.auth import bp as auth_bp
    from school import imports
    from school.backups import bp as backups_bp
    from school.changes import bp as changes_bp
    from school.courses import bp as courses_bp
    from school.diary import bp as diary_bp
    from school.journal import bp as journal_bp
    from school.main import bp as main_bp
    from school.messages import bp as messages_bp
    from school.notices import bp as notices_bp
    from school.ops import bp as ops_bp
    from school.people import bp as people_bp
    from school.reports import bp as reports_bp
    from school.plan import bp as plan_bp
    from school.statements import bp as statements_bp
    from school.yearend import bp as yearend_bp
    from school.timetable import bp as timetable_bp
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(journal_bp)
    app.register_blueprint(statements_bp)
    app.register_blueprint(diary_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(reports_bp)
    imports.init_app(app)  # the import pages and their upload limit
    app.register_blueprint(plan_bp)  # after the imports: its upload takes their limit
    app.register_blueprint(backups_bp)
    app.register_blueprint(changes_bp)
    app.register_blueprint(yearend_bp)
    app.register_blueprint(timetable_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(messages_bp)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL, foreign keys and a busy timeout for every SQLite connection.

    synchronous=FULL: WAL is synced at every commit, so an acknowledged save survives a power cut too (NORMAL
    survives a killed process but may lose the last commits when the machine loses power)."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
