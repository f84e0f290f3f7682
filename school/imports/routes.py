"""Import pages: upload (kind + file) → preview (the file kept under a random name, an ImportRun "previewed") →
confirm (POST, refused while an error remains) → result. Plain forms; no JavaScript needed."""
from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from school.access import allow, get_or_404
from school.extensions import db
from school.htmx import render
from school.i18n import current_language
from school.imports import readers
from school.imports.apply import PlanRefused, apply, new_run, sha256
from school.imports.forms import UploadForm, kind_names
from school.imports.plan import make_plan, match_rule
from school.imports.workbook import template_xlsx
from school.request_limits import max_content_length

bp = Blueprint("imports", __name__, url_prefix="/admin/import")

KIND = "any(people, staff, classes)"
# The request may be a little larger than the file it carries (the form's other fields, multipart boundaries);
# a file over IMPORT_MAX_BYTES within that margin gets the reader's translated message. init_app in
# school/imports/__init__.py sets the limit from the setting.
UPLOAD_MARGIN = 64 * 1024


def stored_path(run) -> Path:
    return Path(current_app.instance_path) / "imports" / run.stored_name


def _recent_runs():
    from school.models import ImportRun

    return db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(10)).all()


def _index(form: UploadForm, status: int = 200, error: str | None = None):
    return render("imports/index.html", status=status, form=form, error=error, runs=_recent_runs(),
                  kinds=kind_names())


@bp.route("/")
@allow("admin")
def index():
    return _index(UploadForm())


@bp.route("/", methods=["POST"])
@allow("admin")
@max_content_length(5 * 1024 * 1024 + UPLOAD_MARGIN)
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(form, 422)
    upload_file = form.file.data
    file_name = Path(upload_file.filename or "").name or "file"
    data = upload_file.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    try:
        readers.read_rows(file_name, data)
    except readers.FileRefused as e:
        return _index(form, 422, str(e))
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    stored_name = secrets.token_hex(16) + "." + readers.claimed_format(file_name)
    (folder / stored_name).write_bytes(data)
    run = new_run(form.kind.data, file_name, sha256(data), current_user.id, stored_name)
    db.session.add(run)
    db.session.commit()
    return redirect(url_for("imports.show_run", run_id=run.id), 303)


def _stored_rows(run) -> list[list[str]]:
    """The kept file read again; one that went missing or changed on disk is not used."""
    path = stored_path(run)
    data = path.read_bytes() if run.stored_name and path.is_file() else None
    if data is None or sha256(data) != run.sha256:
        abort(render("errors/error.html", status=410, code=410,
                     message=_("The uploaded file is no longer here: upload it again.")))
    return readers.read_rows(run.file_name, data)


@bp.route("/runs/<int:run_id>")
@allow("admin")
def show_run(run_id: int):
    from school.models import ImportRun

    run = get_or_404(ImportRun, run_id)
    plan = make_plan(run.kind, _stored_rows(run)) if run.state != "applied" else None
    return render("imports/run.html", run=run, plan=plan, rule=match_rule(run.kind), kinds=kind_names())


@bp.route("/runs/<int:run_id>/apply", methods=["POST"])
@allow("admin")
def apply_run(run_id: int):
    from school.models import ImportRun

    run = get_or_404(ImportRun, run_id)
    if run.state == "applied":
        return redirect(url_for("imports.show_run", run_id=run.id), 303)
    rows = _stored_rows(run)
    try:
        apply(run.kind, rows, file_name=run.file_name, digest=run.sha256, user_id=current_user.id, run=run)
    except PlanRefused as refused:
        # Nothing was written. The run may be confirmed again once the register has what was missing (a class).
        return render("imports/run.html", status=422, run=refused.run, plan=refused.plan,
                      rule=match_rule(run.kind), kinds=kind_names(),
                      error=_("Nothing was written: correct the rows with errors and upload the file again."))
    path = stored_path(run)
    path.unlink(missing_ok=True)  # personal data is not kept longer than the import needs it
    return redirect(url_for("imports.show_run", run_id=run.id), 303)


@bp.route(f"/templates/<{KIND}:import_kind>.xlsx")
@allow("admin")
def template(import_kind: str):
    kind = import_kind
    lang = current_language()
    return send_file(io.BytesIO(template_xlsx(kind, lang)), as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"defter-{kind}-{lang}.xlsx")
