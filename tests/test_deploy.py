"""Operations: the gunicorn config, the container's user, fly's release command and worker, SQLite's durability."""
from __future__ import annotations

import runpy
import tomllib
from pathlib import Path

import pytest
from gunicorn.config import Config

from school.config import ROOT
from school.extensions import db


def gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_config_has_the_readmes_defaults_and_takes_the_environment(monkeypatch):
    conf = gunicorn_settings(monkeypatch)
    assert (conf["workers"], conf["threads"], conf["bind"]) == (2, 4, "0.0.0.0:8080")
    assert conf["timeout"] > 0 and conf["graceful_timeout"] > 0
    assert conf["limit_request_line"] <= 4094 and conf["limit_request_fields"] <= 100
    assert "%(D)s" in conf["access_log_format"] and "{x-request-id}i" in conf["access_log_format"]
    conf = gunicorn_settings(monkeypatch, WEB_CONCURRENCY="5", GUNICORN_THREADS="2", PORT="9000")
    assert (conf["workers"], conf["threads"], conf["bind"]) == (5, 2, "0.0.0.0:9000")


def test_gunicorn_accepts_every_setting_of_the_file(monkeypatch):
    conf = gunicorn_settings(monkeypatch)
    config = Config()
    for name, value in conf.items():
        if name in config.settings:
            config.set(name, value)   # gunicorn validates each value as it loads the file
    assert config.worker_class_str == "gthread" and config.limit_request_fields == conf["limit_request_fields"]


def test_gunicorns_master_starts_the_metrics_counters_again(monkeypatch, tmp_path):
    """The workers' counts are summed in the instance folder (school/ops/metrics.py); a new server starts from zero."""
    import sqlite3
    from contextlib import closing

    from school.ops import metrics

    store = metrics.store_path(tmp_path)
    with closing(metrics._connect(store)) as conn:
        conn.execute("INSERT INTO counters VALUES ('defter_saves_total', '[]', 7)")
    on_starting = gunicorn_settings(monkeypatch, DEFTER_INSTANCE=str(tmp_path))["on_starting"]
    on_starting(None)
    with closing(sqlite3.connect(store)) as conn:
        assert conn.execute("SELECT count(*) FROM counters").fetchone() == (0,)


class FakeRequest:
    def __init__(self, headers):
        self.headers = list(headers)


def test_each_request_gets_a_request_id_for_the_access_log(monkeypatch):
    pre_request = gunicorn_settings(monkeypatch)["pre_request"]
    bare = FakeRequest([("HOST", "x")])
    pre_request(None, bare)
    (made,) = [v for k, v in bare.headers if k == "X-REQUEST-ID"]
    assert len(made) == 32
    given = FakeRequest([("X-REQUEST-ID", "abc")])
    pre_request(None, given)
    assert [v for k, v in given.headers if k == "X-REQUEST-ID"] == ["abc"]
    fly = FakeRequest([("FLY-REQUEST-ID", "fly-1")])
    pre_request(None, fly)
    assert ("X-REQUEST-ID", "fly-1") in fly.headers


def test_the_container_runs_as_an_unprivileged_user_with_the_instance_on_the_volume():
    dockerfile = (ROOT / "Dockerfile").read_text()
    entrypoint = (ROOT / "deploy" / "docker-entrypoint.sh").read_text()
    assert "DEFTER_INSTANCE=/data/instance" in dockerfile and "useradd" in dockerfile
    assert "gunicorn.conf.py" in dockerfile
    assert "setpriv --reuid=defter" in entrypoint   # the command itself never runs as root


def test_fly_migrates_in_the_release_command_and_runs_the_worker_as_a_process_group():
    fly = tomllib.loads((ROOT / "fly.toml").read_text())
    assert "db upgrade" in fly["deploy"]["release_command"]
    assert fly["processes"]["worker"] == "flask --app app school worker"
    assert "gunicorn.conf.py" in fly["processes"]["app"] and fly["http_service"]["processes"] == ["app"]


def test_sqlite_syncs_every_commit(ctx):
    """synchronous=FULL in WAL mode: a commit is on the disk before it is acknowledged, so it survives a power cut
    (NORMAL loses the last commits then, though not on a process kill)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2    # FULL
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_deploy_files_exist():
    assert Path(ROOT / "deploy" / "docker-entrypoint.sh").stat().st_mode & 0o111
