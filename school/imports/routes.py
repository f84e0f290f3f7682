"""Import pages: upload (kind + file) → preview (the file kept under a random name, an ImportRun "previewed") →
confirm (POST, refused while an error remains) → result. Plain forms; no JavaScript needed."""
from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy import select

from school.access import allow, get_or_404
from school.extensions import db
from school.htmx import render
from school.i18n import current_language
from school.imports import readers, timetable
from school.imports.apply import PlanRefused, apply, new_run, sha256
from school.imports.asc import parse as parse_asc
from school.imports.forms import TimetableChoicesForm, UploadForm, kind_names
from school.imports.plan import make_plan, match_rule
from school.imports.workbook import template_xlsx
from school.request_limits import max_content_length

bp = Blueprint("imports", __name__, url_prefix="/admin/import")

KIND = "any(people, staff, classes)"     # the spreadsheet kinds, which have templates
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
                  kinds=kind_names(), template_kinds=("people", "staff", "classes"))


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
        if form.kind.data == "timetable":
            read_timetable(file_name, data)
        else:
            readers.read_rows(file_name, data)
    except readers.FileRefused as e:
        return _index(form, 422, str(e))
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    suffix = "xml" if form.kind.data == "timetable" else readers.claimed_format(file_name)
    stored_name = secrets.token_hex(16) + "." + suffix
    (folder / stored_name).write_bytes(data)
    run = new_run(form.kind.data, file_name, sha256(data), current_user.id, stored_name)
    if form.kind.data == "timetable":
        run.options = timetable.dump_options(None, timetable.last_choices())
    db.session.add(run)
    db.session.commit()
    return redirect(url_for("imports.show_run", run_id=run.id), 303)


def read_timetable(file_name: str, data: bytes):
    """An aSc Timetables export within the upload limit, parsed (readers.FileRefused otherwise)."""
    limits = readers.Limits.from_config()
    if len(data) > limits.max_bytes:
        raise readers.FileRefused(_("The file is larger than %(mb)s MB. Split it or remove what is not needed.",
                                    mb=readers._megabytes(limits.max_bytes)))
    if not file_name.lower().endswith(".xml"):
        raise readers.FileRefused(_("A timetable is imported from aSc Timetables as “aSc Timetables 2012 XML” (the "
                                    "file name ends in .xml)."))
    return parse_asc(data)


def _stored_data(run) -> bytes:
    """The kept file; one that went missing or changed on disk is not used."""
    path = stored_path(run)
    data = path.read_bytes() if run.stored_name and path.is_file() else None
    if data is None or sha256(data) != run.sha256:
        abort(render("errors/error.html", status=410, code=410,
                     message=_("The uploaded file is no longer here: upload it again.")))
    return data


def _stored_rows(run) -> list[list[str]]:
    return readers.read_rows(run.file_name, _stored_data(run))


def _timetable_page(run, form: TimetableChoicesForm | None = None, status: int = 200, error: str | None = None,
                    plan=None):
    options = timetable.parse_options(run.options)
    if plan is None and run.state != "applied":
        plan = timetable.make_plan(_stored_data(run), options)
    if form is None:
        form = TimetableChoicesForm(formdata=None)
        form.valid_from.data = options["valid_from"] or (plan.valid_from if plan else None)
    return render("imports/timetable.html", status=status, run=run, plan=plan, form=form, error=error,
                  chosen=options, rule=timetable.match_rule(), kinds=kind_names(),
                  weekday_names=timetable.weekday_names())


@bp.route("/runs/<int:run_id>")
@allow("admin")
def show_run(run_id: int):
    from school.models import ImportRun

    run = get_or_404(ImportRun, run_id)
    if run.kind == "timetable":
        return _timetable_page(run)
    plan = make_plan(run.kind, _stored_rows(run)) if run.state != "applied" else None
    return render("imports/run.html", run=run, plan=plan, rule=match_rule(run.kind), kinds=kind_names())


@bp.route("/runs/<int:run_id>/apply", methods=["POST"])
@allow("admin")
def apply_run(run_id: int):
    from school.models import ImportRun

    run = get_or_404(ImportRun, run_id)
    if run.state == "applied":
        return redirect(url_for("imports.show_run", run_id=run.id), 303)
    if run.kind == "timetable":
        return _apply_timetable(run)
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


@bp.route("/runs/<int:run_id>/choices", methods=["POST"])
@allow("admin")
def save_choices(run_id: int):
    """The timetable preview's choices (first day, matches by hand) kept on the run; the preview is made again."""
    from school.models import ImportRun

    run = get_or_404(ImportRun, run_id)
    if run.kind != "timetable" or run.state == "applied":
        return redirect(url_for("imports.show_run", run_id=run.id), 303)
    form = TimetableChoicesForm()
    data = _stored_data(run)
    current = timetable.parse_options(run.options)
    plan = timetable.make_plan(data, current)
    if not form.validate_on_submit():
        return _timetable_page(run, form, 422, plan=plan)
    year = plan.year
    if year is not None and not year.first_day <= form.valid_from.data <= year.last_day:
        form.valid_from.errors = [_("The day must be within the academic year.")]
        return _timetable_page(run, form, 422, plan=plan)
    # Choices of records the preview did not show (it had a problem with the whole file) are kept as they were.
    shown = {(m.kind, m.asc_id) for m in plan.matches}
    chosen = {k: {a: i for a, i in current[k].items() if (k, a) not in shown} for k in timetable.KINDS}
    for m in plan.matches:
        value = (request.form.get(f"{m.kind}-{m.asc_id}") or "").strip()
        if not value:
            continue
        allowed = {str(i) for i, _label in plan.choices.get(m.kind, [])}
        if value not in allowed:
            return _timetable_page(run, form, 422, plan=plan,
                                   error=_("A choice is not one of the register's records: choose again."))
        chosen[m.kind][m.asc_id] = int(value)
    run.options = timetable.dump_options(form.valid_from.data, chosen)
    db.session.commit()
    return redirect(url_for("imports.show_run", run_id=run.id), 303)


def _apply_timetable(run):
    try:
        plan, run, changed = timetable.apply(_stored_data(run), timetable.parse_options(run.options),
                                             file_name=run.file_name, digest=run.sha256, actor=current_user,
                                             run=run)
    except timetable.TimetableRefused as refused:
        return _timetable_page(refused.run, status=422, plan=refused.plan,
                               error=_("Nothing was written: correct the errors (choose the matches by hand) or "
                                       "the file."))
    made = timetable.generate_lessons(current_user, plan.year.id, plan.valid_from, changed)
    if made is not None:
        flash(ngettext("%(num)d lesson made from the timetable", "%(num)d lessons made from the timetable",
                       made.created) + "; " + ngettext("%(num)d removed.", "%(num)d removed.", made.removed))
    stored_path(run).unlink(missing_ok=True)
    return redirect(url_for("imports.show_run", run_id=run.id), 303)


@bp.route(f"/templates/<{KIND}:import_kind>.xlsx")
@allow("admin")
def template(import_kind: str):
    kind = import_kind
    lang = current_language()
    return send_file(io.BytesIO(template_xlsx(kind, lang)), as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"defter-{kind}-{lang}.xlsx")
