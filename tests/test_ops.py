"""/readyz, /metrics and `flask school check`."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import delete, insert, select, text, update

from school import clock, jobs
from school.extensions import db
from school.models import Attendance, Enrolment, Job, Mark, Student
from tests.conftest import make_app


def test_ready_when_the_database_is_at_head(client):
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json == {"status": "ready"}


def test_not_ready_when_the_database_is_gone(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'no-such-folder' / 'defter.sqlite3'}")
    r = app.test_client().get("/readyz")
    assert r.status_code == 503 and r.json == {"status": "unavailable", "reason": "database"}
    with app.app_context():
        db.engine.dispose()


def test_not_ready_when_the_migration_head_differs(app, client):
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '0006_accounts'"))
        db.session.commit()
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json["reason"] == "migrations"
    assert r.json["database"] == ["0006_accounts"]


def test_not_ready_without_a_recent_heartbeat_when_a_worker_is_required(app, client):
    app.config["WORKER_REQUIRED"] = True
    assert client.get("/readyz").json["reason"] == "worker"
    with app.app_context():
        jobs.beat("w1")
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        from school.models import WorkerHeartbeat
        db.session.execute(update(WorkerHeartbeat).values(seen_at=clock.now() - dt.timedelta(minutes=5)))
        db.session.commit()
    assert client.get("/readyz").status_code == 503


def test_metrics_need_their_token(app, client):
    assert client.get("/metrics").status_code == 404  # no token configured: as if there were no such page
    app.config["METRICS_TOKEN"] = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    client.get("/healthz")
    r = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert 'defter_http_requests_total{endpoint="main.healthz",method="GET",status="200"}' in body
    assert 'defter_http_request_duration_seconds_count{endpoint="main.healthz"}' in body
    assert "defter_jobs_queue_depth " in body and "defter_jobs_failed 0" in body and "defter_saves_total" in body


def test_metrics_count_failed_jobs(app, client):
    app.config["METRICS_TOKEN"] = "t"
    with app.app_context():
        db.session.add(Job(kind="check", state="failed", params="{}", created_at=clock.now(), message="x"))
        db.session.commit()
    assert "defter_jobs_failed 1" in client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(
        as_text=True)


def test_metrics_give_the_age_of_each_destinations_last_good_backup(app, client):
    from school.backups.service import utcnow
    from school.models import BackupRun

    app.config["METRICS_TOKEN"] = "t"
    now = utcnow()
    with app.app_context():
        db.session.add_all([
            BackupRun(destination="/mnt/usb", started_at=now - dt.timedelta(hours=2, seconds=30),
                      finished_at=now - dt.timedelta(hours=2), outcome="ok", size=1),
            BackupRun(destination="/mnt/usb", started_at=now - dt.timedelta(minutes=5),
                      finished_at=now - dt.timedelta(minutes=5), outcome="failed", message="full"),
            BackupRun(destination="/mnt/share", started_at=now, finished_at=now, outcome="failed", message="gone")])
        db.session.commit()
    body = client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True)
    ages = dict(re.findall(r'^defter_backup_age_seconds\{destination="([^"]+)"\} (\S+)$', body, re.M))
    assert set(ages) == {"/mnt/usb", "/mnt/share"}
    assert 7200 <= float(ages["/mnt/usb"]) < 7300  # the failed run since does not make it younger
    assert ages["/mnt/share"] == "+Inf"  # never a good one


def test_nothing_is_counted_without_a_metrics_token(app, client, tmp_path):
    app.instance_path = str(tmp_path)
    client.get("/healthz")
    app.config["METRICS_TOKEN"] = "t"
    body = client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True)
    assert "main.healthz" not in body and "defter_saves_total 0" in body


def test_metrics_add_up_in_the_instance_folders_store_and_start_again_when_cleared(app, tmp_path):
    """What one process counted is in the store for the others (another app on the same folder stands for another
    worker process); clear() is what gunicorn's master runs when it starts."""
    from school.ops import metrics

    app.instance_path = str(tmp_path)
    app.config["METRICS_TOKEN"] = "t"
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    other.instance_path = str(tmp_path)
    other.config["METRICS_TOKEN"] = "t"
    for _ in range(3):
        app.test_client().get("/healthz")
    other.test_client().get("/healthz")
    line = 'defter_http_requests_total{endpoint="main.healthz",method="GET",status="200"} '
    with app.app_context():
        app.extensions["defter_metrics"].flush()  # as its thread does within a second
    body = other.test_client().get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True)
    assert line + "4" in body
    assert 'defter_http_request_duration_seconds_bucket{endpoint="main.healthz",le="+Inf"} 4' in body
    metrics.clear(tmp_path)
    body = other.test_client().get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True)
    assert line not in body
    with other.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------- integrity checks

def check(runner):
    return runner.invoke(args=["school", "--lang", "ru", "check"])


def test_check_of_a_sound_school(app, runner):
    result = check(runner)
    assert result.exit_code == 0, result.output
    with app.app_context():  # the result is kept for the administrator
        assert db.session.scalar(select(Job.result).where(Job.kind == "check")) == "[]"


def test_check_names_overlapping_enrolments(app, runner, ids):
    with app.app_context():
        first = db.session.scalar(select(Enrolment).where(Enrolment.student_id == ids["emil"]))
        # Past the app's own guard (school/integrity.py), as another tool or an old version could have written it.
        db.session.execute(insert(Enrolment.__table__).values(student_id=ids["emil"], class_id=ids["class6"],
                                                              from_day=dt.date(2026, 10, 1)))
        db.session.commit()
        first_id = first.id
    result = check(runner)
    assert result.exit_code == 1
    assert f"enrolments {first_id} and" in result.output or f"зачисления {first_id} и" in result.output


def test_check_names_attendance_and_marks_outside_the_enrolment(app, runner, client, auth, ids):
    with app.app_context():
        absence = db.session.get(Attendance, ids["absence"])
        db.session.add(Mark(lesson_id=absence.lesson_id, student_id=absence.student_id, slot=1, code="5",
                            scale="five", work_kind_id=1, weight=1, author_id=ids["users"]["teacher"],
                            created_at=clock.now(), updated_at=clock.now()))
        db.session.execute(update(Enrolment).where(Enrolment.student_id == absence.student_id)
                           .values(from_day=dt.date(2027, 1, 10)))
        db.session.commit()
        mark_id = db.session.scalar(select(Mark.id).where(Mark.student_id == absence.student_id))
    result = check(runner)
    assert result.exit_code == 1
    assert f"Посещаемость {ids['absence']} " in result.output and f"Отметка {mark_id} " in result.output
    auth.login("admin")
    assert f"Отметка {mark_id} " in client.get("/ops/").get_data(as_text=True)


def test_check_names_orphaned_rows(app, runner, ids):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL enforces its foreign keys always")
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.execute(delete(Student).where(Student.id == ids["emil"]))
            conn.commit()
    result = check(runner)
    assert result.exit_code == 1 and "students" in result.output


def test_the_administrator_starts_a_check_and_sees_it(app, client, auth, runner, tmp_path):
    app.config.update(JOBS_QUEUE_FILE=str(tmp_path / "q.sqlite3"))
    jobs.use(app)
    auth.login("admin")
    from tests.conftest import csrf_token
    r = client.post("/ops/check", data={"csrf_token": csrf_token(client, "/ops/")})
    assert r.status_code == 303
    assert runner.invoke(args=["school", "worker", "--burst"]).exit_code == 0
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "hx-trigger" not in page
