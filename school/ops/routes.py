"""/readyz, /metrics and the administrator's operations pages under /ops/."""
from __future__ import annotations

import hmac
import math

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from school import clock, jobs
from school.access import allow, get_or_404, public
from school.backups import status as backup_status
from school.extensions import db
from school.htmx import render, wants_partial
from school.models import AcademicYear, Job
from school.ops import checks, health, metrics
from school.ops.forms import ArchiveForm, StartForm

bp = Blueprint("ops", __name__)
# htmx stops polling on this status (and swaps the answer in).
STOP_POLLING = 286
RECENT_JOBS = 20


@bp.record_once
def _setup(state) -> None:
    app = state.app
    jobs.init_app(app)
    metrics.init_app(app)


# ---------------------------------------------------------------- for machines

@bp.route("/readyz")
@public
def readyz():
    ready, body = health.readiness()
    return jsonify(body), 200 if ready else 503


@bp.route("/metrics")
@public
def metrics_page():
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response("unauthorized\n", 401, {"WWW-Authenticate": "Bearer"}, mimetype="text/plain")
    failed = db.session.scalar(select(func.count(Job.id)).where(Job.state == "failed"))
    seen = jobs.last_heartbeat()
    gauges = {
        "defter_jobs_queue_depth": ("Messages waiting in the job queue (retries included).",
                                    [((), jobs.queue_depth())]),
        "defter_jobs_failed": ("Jobs that failed after their last try.", [((), failed)]),
    }
    if seen is not None:
        gauges["defter_worker_heartbeat_age_seconds"] = ("Seconds since a worker last beat.",
                                                         [((), (clock.now() - seen).total_seconds())])
    backups = backup_status.destinations()
    if backups:
        gauges["defter_backup_age_seconds"] = (
            "Seconds since the last good backup of each destination (+Inf: none yet).",
            [((("destination", d.destination),), (d.now - d.last_ok_at).total_seconds() if d.last_ok_at else math.inf)
             for d in backups])
    return Response(metrics.registry().render(gauges), mimetype="text/plain; version=0.0.4")


# ---------------------------------------------------------------- the administrator's pages

@bp.route("/ops/")
@allow("admin")
def index():
    recent = db.session.scalars(select(Job).order_by(Job.id.desc()).limit(RECENT_JOBS)).all()
    failed = db.session.scalars(select(Job).where(Job.state == "failed").order_by(Job.id.desc())
                                .limit(RECENT_JOBS)).all()
    check_job, findings = checks.last_result()
    return render("ops/index.html", recent=recent, failed=failed, check_job=check_job, findings=findings,
                  form=StartForm(), **_labels())


def _labels() -> dict:
    return {"job_kinds": {"statements": _("Statements of all classes"), "archive": _("Yearly archive"),
                          "check": _("Data integrity check")},
            "job_states": {"queued": _("Waiting in the queue"), "running": _("In progress"), "done": _("Done"),
                           "failed": _("Failed")}}


def _archive_form() -> ArchiveForm:
    form = ArchiveForm()
    form.year.choices = [(y.name, y.name) for y in db.session.scalars(
        select(AcademicYear).order_by(AcademicYear.first_day.desc()))]
    return form


@bp.route("/ops/archive", methods=["GET", "POST"])
@allow("admin")
def archive():
    form = _archive_form()
    if request.method == "POST":
        if form.validate():
            from school.i18n import current_language
            job = jobs.submit("archive", {"year": form.year.data, "lang": current_language()}, current_user.id)
            return redirect(url_for("ops.show_job", job_id=job.id), 303)
        return render("ops/archive.html", status=422, form=form)
    return render("ops/archive.html", form=form)


@bp.route("/ops/check", methods=["POST"])
@allow("admin")
def start_check():
    form = StartForm()
    if not form.validate():
        return render("ops/index.html", status=422, recent=[], failed=[], check_job=None, findings=[], form=form,
                      **_labels())
    job = jobs.submit("check", {}, current_user.id)
    return redirect(url_for("ops.show_job", job_id=job.id), 303)


@bp.route("/ops/jobs/<int:job_id>")
@allow("admin")
def show_job(job_id: int):
    job = get_or_404(Job, job_id)
    return job_page(job, "ops/job.html", url_for("ops.show_job", job_id=job.id), None)


def job_page(job: Job, page: str, here: str, file_url: str | None, **context):
    """The page of a job, or (htmx polling) its status fragment; 286 once finished, so the polling stops."""
    status = STOP_POLLING if job.finished and wants_partial() else 200
    return render(page, "ops/_job.html", status=status, job=job, here=here, file_url=file_url,
                  findings=[checks.Finding.from_dict(f) for f in job.findings or []] if job.kind == "check" else [],
                  **context)
