"""Settings come from the environment through school/config.py only, with their names and defaults."""
from __future__ import annotations

import os
import re

import pytest

from school import config

# Where os.environ is read for something other than a setting of the app.
NOT_SETTINGS = {
    "clock.py": "DEFTER_TODAY, read at each call so that the demo and the tests pin the date",
    "cli.py": "the command line's language from the POSIX locale variables, before any app exists",
    "backups/databases.py": "the environment handed on to pg_dump and pg_restore, with the password added",
}


def test_only_config_reads_the_environment_for_settings():
    package = config.ROOT / "school"
    readers = sorted(str(path.relative_to(package)) for path in package.rglob("*.py")
                     if re.search(r"\bos\.environ\b|\bgetenv\(", path.read_text(encoding="utf-8")))
    assert readers == sorted(["config.py", *NOT_SETTINGS])


SETTINGS = [
    # (variable, value in the environment or None for unset, the app's setting)
    ("REDIS_URL", None, None),
    ("REDIS_URL", " redis://127.0.0.1:6379/15 ", "redis://127.0.0.1:6379/15"),
    ("JOBS_QUEUE_NAME", None, "defter"),
    ("JOBS_QUEUE_NAME", "school7", "school7"),
    ("JOBS_RETRIES", None, 2),
    ("JOBS_RETRIES", "5", 5),
    ("JOBS_RETRY_DELAY", None, 60),
    ("JOBS_RETRY_DELAY", "0", 0),
    ("WORKER_REQUIRED", None, False),
    ("WORKER_REQUIRED", "1", True),
    ("BACKUP_DESTINATIONS", None, []),
    ("BACKUP_DESTINATIONS", os.pathsep.join(["/mnt/usb", "/mnt/share"]), ["/mnt/usb", "/mnt/share"]),
    ("BACKUP_HOUR", None, 2),
    ("BACKUP_HOUR", "23", 23),
    ("BACKUP_AGE_RECIPIENT", None, None),
    ("BACKUP_AGE_RECIPIENT", " age1abc ", "age1abc"),
    ("BACKUP_KEEP_DAILY", None, 7),
    ("BACKUP_KEEP_DAILY", "3", 3),
    ("BACKUP_KEEP_MONTHLY", None, 12),
    ("BACKUP_KEEP_MONTHLY", "24", 24),
    ("METRICS_TOKEN", None, None),
    ("METRICS_TOKEN", " s3cret ", "s3cret"),
    ("ARCHIVE_KEY_FILE", None, None),
    ("ARCHIVE_KEY_FILE", "/etc/defter/archive.pem", "/etc/defter/archive.pem"),
    ("IMPORT_MAX_BYTES", None, 5 * 1024 * 1024),
    ("IMPORT_MAX_BYTES", "1000", 1000),
    ("IMPORT_MAX_UNPACKED_BYTES", None, 50 * 1024 * 1024),
    ("IMPORT_MAX_UNPACKED_BYTES", "4096", 4096),
    ("PG_SESSION_OPTIONS", None, "-c random_page_cost=1.1"),
    ("PG_SESSION_OPTIONS", "", ""),
    ("PDF_PROCESSES", "3", 3),
    ("PDF_PROCESSES", "1", 1),
    ("PDF_PROCESSES", None, len(os.sched_getaffinity(0))),
    ("PDF_PROCESSES", "0", len(os.sched_getaffinity(0))),
]


@pytest.mark.parametrize("options, connect_args", [
    ("-c random_page_cost=1.1", {"options": "-c random_page_cost=1.1"}),
    ("-c random_page_cost=2 -c work_mem=8MB", {"options": "-c random_page_cost=2 -c work_mem=8MB"}),
    ("", {})])
def test_the_postgresql_sessions_take_the_options_set_and_none_when_empty(options, connect_args):
    """PG_SESSION_OPTIONS reaches psycopg's connect() as libpq options; empty, the server's own settings stand.
    No connection is made here; test_query_plans.py reads the setting back from a real session."""
    from school import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none", "SECRET_KEY": "x",
                      "PG_SESSION_OPTIONS": options})
    assert app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}) == connect_args


@pytest.mark.parametrize("name,value,expected", SETTINGS)
def test_a_setting_from_the_environment(monkeypatch, tmp_path, name, value, expected):
    monkeypatch.setenv("SECRET_KEY", "x")
    if value is None:
        monkeypatch.delenv(name, raising=False)
    else:
        monkeypatch.setenv(name, value)
    assert config.from_environment(str(tmp_path))[name] == expected


def test_the_app_uses_the_settings_it_was_given(monkeypatch, tmp_path):
    """The places that used to read the environment themselves now read the app's config."""
    from flask import Flask

    from school.backups import service
    from school.ops import archive

    app = Flask("t", instance_path=str(tmp_path))
    app.config.update(BACKUP_AGE_RECIPIENT=" age1abc ", BACKUP_KEEP_DAILY=3, BACKUP_KEEP_MONTHLY=4,
                      ARCHIVE_KEY_FILE=None)
    monkeypatch.setenv("BACKUP_KEEP_DAILY", "9")
    monkeypatch.setenv("ARCHIVE_KEY_FILE", "/elsewhere.pem")
    with app.app_context():
        assert service.settings() == {"recipient": "age1abc", "keep_daily": 3, "keep_monthly": 4}
        assert archive.key_file() == tmp_path / "archive_key.pem"
