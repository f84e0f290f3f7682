"""Background work: the huey queue and its one task.

The queue is SQLite in the instance folder by default and Redis when REDIS_URL is set: only the storage differs,
the code path is the same on one small machine and on many app servers. A message carries nothing but a job's id;
the `jobs` row (school/models/ops.py) is the truth that pages poll and the administrator reads.

- Safe to run twice, never twice at once: a job is claimed by one compare-and-set UPDATE (queued -> running); a
  second delivery of the same message, or a second worker, finds it no longer queued and does nothing.
- Retries: a failure puts the row back to queued and huey delivers it again after JOBS_RETRY_DELAY seconds, up to
  JOBS_RETRIES times; then the row is failed, with the error, for the administrator (/ops/).
- `flask school worker` runs huey's consumer and a heartbeat (/readyz); `--burst` runs what is queued and exits
  (cron, tests). Huey's immediate mode is never used: it would hide the queue the tests mean to exercise.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app
from flask_babel import force_locale
from huey import Huey, crontab
from huey.storage import MemoryStorage, SqliteStorage
from sqlalchemy import func, select, update

from school import clock
from school.extensions import db
from school.i18n import as_locale
from school.models import Job, WorkerHeartbeat

# Replaced by init_app with the app's storage; memory until then so that importing writes no file.
huey = Huey("defter", results=False, storage_class=MemoryStorage)
HEARTBEAT_SECONDS = 30
MESSAGE_MAX = 2000

_app: Flask | None = None


def init_app(app: Flask) -> None:
    """The settings (REDIS_URL, JOBS_*, BACKUP_DESTINATIONS, BACKUP_HOUR) are school/config.py's."""
    app.config.setdefault("JOBS_QUEUE_FILE", str(Path(app.instance_path) / "jobs.sqlite3"))
    use(app)


def use(app: Flask) -> None:
    """Point the queue at this app's storage; tasks then run in this app's context."""
    global _app
    _app = app
    if app.config["REDIS_URL"]:
        from huey.storage import RedisStorage
        huey.storage = RedisStorage(app.config["JOBS_QUEUE_NAME"], url=app.config["REDIS_URL"])
    else:
        Path(app.config["JOBS_QUEUE_FILE"]).parent.mkdir(parents=True, exist_ok=True)
        huey.storage = SqliteStorage(app.config["JOBS_QUEUE_NAME"], filename=app.config["JOBS_QUEUE_FILE"])


def result_folder(job_id: int) -> Path:
    """Where a job's files go: the instance folder, never a folder the web server serves by itself."""
    folder = Path(current_app.instance_path) / "jobs" / str(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---------------------------------------------------------------- submitting and running

def submit(kind: str, params: dict, user_id: int | None) -> Job:
    """A queued job row, committed, and its message on the queue."""
    job = Job(kind=kind, state="queued", params=json.dumps(params, ensure_ascii=False, sort_keys=True),
              created_by=user_id, created_at=clock.now())
    db.session.add(job)
    db.session.commit()
    task = run_job.s(job.id)
    task.retries = current_app.config["JOBS_RETRIES"]
    task.retry_delay = current_app.config["JOBS_RETRY_DELAY"]
    huey.enqueue(task)
    return job


@huey.task(context=True)
def run_job(job_id: int, task=None) -> None:
    app = current_app._get_current_object() if current_app else _app
    with app.app_context():
        execute(job_id, final=not task.retries)


def _claim(job_id: int) -> Job | None:
    """queued -> running in one UPDATE: whoever changes the row runs the job; everyone else has nothing to do."""
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == "queued")
        .values(state="running", started_at=clock.now(), finished_at=None, tries=Job.tries + 1)).rowcount
    db.session.commit()
    return db.session.get(Job, job_id) if claimed else None


def execute(job_id: int, final: bool = True) -> None:
    """Run one job if it is still queued. An error puts it back to queued (huey retries it) or, on the last try,
    fails it; either way the error is kept in the row and raised again for huey."""
    job = _claim(job_id)
    if job is None:
        return
    handler = HANDLERS[job.kind]

    def progress(done: int, total: int | None = None) -> None:
        values = {"done": done} if total is None else {"done": done, "total": total}
        db.session.execute(update(Job).where(Job.id == job_id).values(**values))
        db.session.commit()

    try:
        path, findings = handler(job, progress)
    except Exception as e:
        db.session.rollback()
        db.session.execute(update(Job).where(Job.id == job_id).values(
            state="failed" if final else "queued", message=(str(e) or type(e).__name__)[:MESSAGE_MAX],
            finished_at=clock.now() if final else None))
        db.session.commit()
        raise
    db.session.execute(update(Job).where(Job.id == job_id).values(
        state="done", finished_at=clock.now(), message=None, result_path=path,
        result=None if findings is None else json.dumps(findings, ensure_ascii=False)))
    db.session.commit()


def run_burst(limit: int = 10_000) -> int:
    """Run what is queued (and retries that are due) until the queue is empty; how many messages ran."""
    count = 0
    while count < limit:
        for due in huey.read_schedule(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)):
            huey.enqueue(due)
        task = huey.dequeue()
        if task is None:
            return count
        huey.execute(task)
        count += 1
    return count


def queue_depth() -> int:
    return huey.pending_count() + huey.scheduled_count()


# ---------------------------------------------------------------- the worker

def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(name: str) -> None:
    """The worker is alive (one row per worker, touched every HEARTBEAT_SECONDS)."""
    row = db.session.get(WorkerHeartbeat, name)
    if row is None:
        db.session.add(WorkerHeartbeat(name=name, seen_at=clock.now()))
    else:
        row.seen_at = clock.now()
    db.session.commit()


def last_heartbeat() -> dt.datetime | None:
    return db.session.scalar(select(func.max(WorkerHeartbeat.seen_at)))


def run_worker(workers: int) -> None:
    """huey's consumer in threads, and a heartbeat beside it, until stopped (SIGINT/SIGTERM)."""
    app = current_app._get_current_object()
    name = worker_name()
    stop = threading.Event()

    def heartbeat():
        while not stop.is_set():
            with app.app_context():
                try:
                    beat(name)
                except Exception:  # a database that is down for a moment: /readyz tells, the worker goes on
                    db.session.rollback()
            stop.wait(HEARTBEAT_SECONDS)

    thread = threading.Thread(target=heartbeat, name="defter-heartbeat", daemon=True)
    thread.start()
    try:
        huey.create_consumer(workers=workers, worker_type="thread").run()
    finally:
        stop.set()


# ---------------------------------------------------------------- the work
# A handler does a job's work and returns (its file, relative to the instance folder, or None; its findings as
# JSON-able data or None). progress(done, total) is committed at once for the page that polls.

Progress = Callable[..., None]


def whole_school_statements(job: Job, progress: Progress) -> tuple[str, None]:
    """The statements of every class of the year over the job's days, one PDF; laid out a class at a time (each
    class a student at a time, school/statements/pdf.py) into files, then joined, so memory stays at one class.
    Making the file records nothing as printed: the teacher confirms printing on the statements page."""
    from pypdf import PdfReader, PdfWriter

    from school.statements import documents, pdf, service

    params = job.arguments
    folder = result_folder(job.id)
    with current_app.test_request_context("/"), force_locale(as_locale(params.get("lang", "ru"))):
        span = service.parse_span(first=params["first"], last=params["last"])
        classes = service.year_classes()
        progress(0, len(classes))
        parts = []
        for i, klass in enumerate(classes, 1):
            items = service.statements(klass, span, params.get("include_all", False))
            if items:
                part = folder / f"class-{klass.id}.pdf.part"
                part.write_bytes(pdf.to_pdf_each(documents.statement_documents([documents.Batch(klass, items)],
                                                                                span)))
                parts.append(part)
            progress(i)
        writer = PdfWriter()
        for part in parts:
            writer.append(PdfReader(part))
        if not parts:  # nobody to print: the one empty document, so that the link still gives a file
            writer.append(PdfReader(io.BytesIO(pdf.to_pdf_each(documents.statement_documents([], span)))))
        name = f"statements-{span.first.isoformat()}-{span.last.isoformat()}.pdf"
        target = folder / name
        partial = folder / (name + ".part")
        with partial.open("wb") as f:
            writer.write(f)
        partial.replace(target)
        for part in parts:
            part.unlink()
    return str(target.relative_to(current_app.instance_path)), None


def yearly_archive(job: Job, progress: Progress) -> tuple[str, None]:
    from school.ops import archive

    params = job.arguments
    target = Path(current_app.instance_path) / "archive" / params["year"].replace("/", "-")
    with current_app.test_request_context("/"), force_locale(as_locale(params.get("lang", "ru"))):
        archive.build(params["year"], target, progress)
    return str(target.relative_to(current_app.instance_path)), None


def integrity_check(job: Job, progress: Progress) -> tuple[None, list]:
    from school.ops import checks

    findings = checks.run()
    progress(1, 1)
    return None, [f.as_dict() for f in findings]


HANDLERS: dict[str, Callable[[Job, Progress], tuple]] = {
    "statements": whole_school_statements, "archive": yearly_archive, "check": integrity_check}


# ---------------------------------------------------------------- the nightly backup

def nightly_backup_due(now: dt.datetime) -> bool:
    """The worker's hourly tick takes the backup at the configured hour, when destinations are configured."""
    return bool(current_app.config["BACKUP_DESTINATIONS"]) and now.hour == current_app.config["BACKUP_HOUR"]


def nightly_backup(now: dt.datetime | None = None) -> list:
    """One backup into every configured destination (the same as `flask school backup DEST …`); each run is
    recorded in backup_runs, which the administrator's page and its warning read."""
    from school.backups import service

    if not nightly_backup_due(now or dt.datetime.now()):
        return []
    return service.backup([Path(p) for p in current_app.config["BACKUP_DESTINATIONS"]])


@huey.periodic_task(crontab(minute="*/5"))
def notices_tick() -> None:
    """The families' notices that are due (school/notices/service.py), then the outbox sent."""
    if _app is None:
        return
    from school.notices import service

    with _app.app_context():
        service.tick()


@huey.periodic_task(crontab(minute="5"))
def hourly_tick() -> None:
    if _app is None:
        return
    with _app.app_context():
        nightly_backup()
