"""Background work: the queue runs a job exactly once, retries it, fails it for the administrator, and the whole
school's statements PDF is made by the worker with a page that shows its progress."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from school import jobs
from school.extensions import db
from school.models import Job
from tests.conftest import csrf_token
from tests.test_statements import weasyprint_or_skip


@pytest.fixture
def queue(app, tmp_path):
    """A queue file and an instance folder of the test's own; retries without waiting."""
    app.instance_path = str(tmp_path)
    app.config.update(JOBS_QUEUE_FILE=str(tmp_path / "queue.sqlite3"), JOBS_RETRY_DELAY=0, JOBS_RETRIES=2)
    jobs.use(app)
    return jobs.huey


def burst(runner) -> str:
    result = runner.invoke(args=["school", "--lang", "ru", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    return result.output


def job(app, job_id) -> Job:
    with app.app_context():
        found = db.session.get(Job, job_id)
        db.session.expunge(found)
        return found


def submit(app, kind="check", params=None) -> int:
    with app.app_context():
        return jobs.submit(kind, params or {}, None).id


def test_burst_runs_a_queued_job_exactly_once(app, runner, queue, monkeypatch):
    calls = []
    monkeypatch.setitem(jobs.HANDLERS, "check", lambda j, progress: calls.append(j.id) or (None, []))
    job_id = submit(app)
    assert job(app, job_id).state == "queued" and queue.pending_count() == 1
    burst(runner)
    assert calls == [job_id]
    done = job(app, job_id)
    assert (done.state, done.tries, done.started_at is not None, done.finished_at is not None) == ("done", 1, True, True)
    burst(runner)
    with app.app_context():  # a second delivery of the same message finds the job no longer queued
        jobs.execute(job_id)
    assert calls == [job_id] and job(app, job_id).tries == 1


def test_a_running_job_is_not_run_again(app, queue, monkeypatch):
    calls = []
    monkeypatch.setitem(jobs.HANDLERS, "check", lambda j, progress: calls.append(j.id) or (None, None))
    job_id = submit(app)
    with app.app_context():
        db.session.execute(update(Job).where(Job.id == job_id).values(state="running"))
        db.session.commit()
        jobs.execute(job_id)
    assert calls == []


def test_a_failing_job_is_retried_then_succeeds(app, runner, queue, monkeypatch):
    tries = []

    def flaky(j, progress):
        tries.append(j.id)
        if len(tries) == 1:
            raise RuntimeError("the disk is full")
        return None, []
    monkeypatch.setitem(jobs.HANDLERS, "check", flaky)
    job_id = submit(app)
    burst(runner)
    finished = job(app, job_id)
    assert (finished.state, finished.tries, finished.message) == ("done", 2, None)


def test_a_job_that_keeps_failing_is_shown_to_the_administrator(app, client, auth, runner, queue, monkeypatch):
    def broken(j, progress):
        raise RuntimeError("the disk is full")
    monkeypatch.setitem(jobs.HANDLERS, "check", broken)
    job_id = submit(app)
    burst(runner)
    failed = job(app, job_id)
    assert (failed.state, failed.tries, failed.message) == ("failed", 3, "the disk is full")  # 1 + JOBS_RETRIES
    assert queue.pending_count() == 0
    auth.login("admin")
    page = client.get("/ops/").get_data(as_text=True)
    assert "the disk is full" in page and f"/ops/jobs/{job_id}" in page


def test_progress_is_kept_in_the_row(app, queue, monkeypatch):
    seen = []

    def counting(j, progress):
        progress(0, 4)
        progress(3)
        seen.append((job(app, j.id).done, job(app, j.id).total))
        return None, None
    monkeypatch.setitem(jobs.HANDLERS, "check", counting)
    submit(app)
    with app.app_context():
        assert jobs.run_burst() == 1
    assert seen == [(3, 4)]


# ---------------------------------------------------------------- the whole school's statements

def start_all(client, **extra):
    return client.post("/statements/all", data={"csrf_token": csrf_token(client, "/statements/"),
                                                "from": "2026-11-16", "to": "2026-11-22", "all": "1", **extra})


def test_only_the_administration_starts_the_whole_school(app, client, auth, queue):
    auth.login("teacher")
    assert "/statements/all" not in client.get("/statements/").get_data(as_text=True)
    assert start_all(client).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Job.id))) == 0


def test_whole_school_statements_as_a_job(app, client, auth, runner, queue):
    pypdf = weasyprint_or_skip()
    auth.login("admin")
    assert "/statements/all" in client.get("/statements/").get_data(as_text=True)
    r = start_all(client)
    assert r.status_code == 303
    page_url = r.headers["Location"]
    page = client.get(page_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'hx-trigger="every 2s"' in html and f'href="{page_url}"' in html
    poll = client.get(page_url, headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "<html" not in poll.get_data(as_text=True)

    burst(runner)
    poll = client.get(page_url, headers={"HX-Request": "true"})
    assert poll.status_code == 286  # htmx stops polling
    body = poll.get_data(as_text=True)
    assert "hx-trigger" not in body and f"{page_url}/file" in body
    with client.get(f"{page_url}/file") as pdf:
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert len(pypdf.PdfReader(io.BytesIO(pdf.data)).pages) >= 2  # students of more than one class

    auth.logout()
    auth.login("teacher")  # a class teacher who did not start it sees neither the page nor the file
    assert client.get(page_url).status_code == 404
    assert client.get(f"{page_url}/file").status_code == 404


def test_the_file_is_not_served_before_the_job_is_done(app, client, auth, queue):
    auth.login("admin")
    page_url = start_all(client).headers["Location"]
    assert client.get(f"{page_url}/file").status_code == 404


# ---------------------------------------------------------------- the queue in Redis

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_app(app, monkeypatch, tmp_path):
    """An app configured from the environment with REDIS_URL (database 15) and a queue name of this test's own,
    so that runs beside each other (other checkouts, CI) never share keys; the keys are deleted afterwards."""
    import uuid

    import redis

    conn = redis.Redis.from_url(REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        conn.ping()
    except redis.RedisError as e:
        conn.close()
        pytest.skip(f"no Redis answers on {REDIS_URL}: {e}")
    name = f"deftertest{uuid.uuid4().hex[:12]}"  # huey keeps letters and digits of a name
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("JOBS_QUEUE_NAME", name)
    monkeypatch.setenv("JOBS_RETRY_DELAY", "0")
    from tests.conftest import make_app
    made = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    made.instance_path = str(tmp_path)
    try:
        yield made, conn, name
    finally:
        for key in conn.scan_iter(match=f"huey.*.{name}*"):
            conn.delete(key)
        conn.close()
        jobs.huey.storage.conn.connection_pool.disconnect()
        with made.app_context():
            db.engine.dispose()


def test_with_redis_url_the_queue_is_in_redis_and_a_burst_runs_a_job_once(redis_app, monkeypatch):
    from huey.storage import RedisStorage

    app, conn, name = redis_app
    assert isinstance(jobs.huey.storage, RedisStorage) and jobs.huey.storage.name == name
    assert not (Path(app.instance_path) / "jobs.sqlite3").exists()
    calls = []
    monkeypatch.setitem(jobs.HANDLERS, "check", lambda j, progress: calls.append(j.id) or (None, []))
    job_id = submit(app)
    # the depth is Redis's: the message is in the list huey keeps for this queue's name
    assert conn.llen(f"huey.redis.{name}") == 1
    with app.app_context():
        assert jobs.queue_depth() == 1
    runner = app.test_cli_runner()
    burst(runner)
    assert calls == [job_id] and job(app, job_id).state == "done"
    assert conn.llen(f"huey.redis.{name}") == 0
    with app.app_context():
        assert jobs.queue_depth() == 0
    burst(runner)  # nothing left to run: the job ran exactly once
    assert calls == [job_id] and job(app, job_id).tries == 1


def test_with_redis_url_a_failed_try_is_put_back_in_redis_and_retried(redis_app, monkeypatch):
    app, _conn, _name = redis_app
    tries = []

    def flaky(j, progress):
        tries.append(j.id)
        if len(tries) == 1:
            raise RuntimeError("the disk is full")
        return None, []
    monkeypatch.setitem(jobs.HANDLERS, "check", flaky)
    job_id = submit(app)
    with app.app_context():
        assert jobs.run_burst() == 2
        assert jobs.queue_depth() == 0
    finished = job(app, job_id)
    assert (finished.state, finished.tries) == ("done", 2)
