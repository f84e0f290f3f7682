"""The plan of a course: thin routes over school.register.plan (parse the form, call the domain, render).

Every write is a POST form that works without JavaScript (a 303 back to the page, or the page again with the
errors and 422); with htmx the answer is the plan's section (#plan), so the running totals and the hours check
follow every change. The import keeps the uploaded file under instance/imports (named by its SHA-256) between
the preview and the confirm, and removes it once written.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from school import access
from school.access import ANY, allow, get_or_404
from school.extensions import db
from school.htmx import render, wants_partial
from school.imports import readers
from school.imports.apply import sha256
from school.imports.course_plan import read as read_plan_file
from school.imports.routes import UPLOAD_MARGIN
from school.models import Course, PlanItem
from school.plan.forms import STORED_NAME, AddForm, ConfirmForm, DeleteForm, MoveForm, RowForm, UploadForm
from school.register import plan as plan_service
from school.register.errors import RegisterError
from school.request_limits import max_content_length

bp = Blueprint("plan", __name__, url_prefix="/journal")

WRITERS = ("teacher", "admin")
STORED_PREFIX = "plan-"
STORED_HOURS = 24   # an upload never confirmed is removed by the next upload after a day


def _course(course_id) -> Course:
    course = get_or_404(Course, course_id)
    if not access.may_read_course(current_user, course):
        abort(404)
    return course


def _writable(course_id) -> Course:
    course = _course(course_id)
    if not plan_service.may_edit(current_user, course):
        abort(403)
    return course


def _item(course: Course, item_id) -> PlanItem:
    item = get_or_404(PlanItem, item_id)
    if item.course_id != course.id:
        abort(404)
    return item


def _context(course: Course, edit_id: int | None = None, **extra) -> dict:
    plan = plan_service.items(course.id)
    lessons = plan_service.held_lessons(course.id)
    writable = plan_service.may_edit(current_user, course)
    edit_item = next((i for i in plan if i.id == edit_id), None) if writable else None
    row_form = extra.pop("row_form", None)
    if edit_item is not None and row_form is None:
        row_form = RowForm(prefix="row", formdata=None, obj=edit_item)
    return dict(course=course, plan=plan, check=plan_service.hours_check(course, plan, lessons),
                place=plan_service.placement(plan, lessons), writable=writable,
                edit_id=edit_item.id if edit_item else None, row_form=row_form,
                add_form=extra.pop("add_form", None) or AddForm(prefix="add", formdata=None),
                error=extra.pop("error", None), **extra)


def _page(course: Course, status: int = 200, **context):
    """The page, or (htmx) its #plan section."""
    return render("plan/page.html", "plan/_plan.html", status=status, **_context(course, **context))


def _back(course: Course, anchor: str | None = None):
    return redirect(url_for("plan.show", course_id=course.id) + (f"#{anchor}" if anchor else ""), 303)


def _refused(e: RegisterError, course: Course, **context):
    db.session.rollback()
    if e.status in (403, 404):
        abort(e.status)
    return _page(course, e.status, error=e.message, **context)


@bp.route("/courses/<int:course_id>/plan")
@allow(ANY)
def show(course_id: int):
    """Everyone who reads the course reads its plan; anyone else (a family, another teacher) gets a 404."""
    course = _course(course_id)
    return _page(course, edit_id=request.args.get("edit", type=int))


@bp.route("/courses/<int:course_id>/plan/items/<int:item_id>/edit")
@allow(*WRITERS)
def edit_row(course_id: int, item_id: int):
    """The row as a form: htmx swaps it in place; without JavaScript, the page with that row open."""
    course = _writable(course_id)
    item = _item(course, item_id)
    context = _context(course, edit_id=item.id)
    if wants_partial():
        return render("plan/_row_form.html", "plan/_row_form.html", item=item, **context)
    return render("plan/page.html", **context)


@bp.route("/courses/<int:course_id>/plan/items", methods=["POST"])
@allow(*WRITERS)
def add_row(course_id: int):
    course = _course(course_id)
    form = AddForm(prefix="add")
    if not form.validate():
        if not plan_service.may_edit(current_user, course):
            abort(403)
        return _page(course, 422, add_form=form)
    try:
        item = plan_service.add_item(current_user, course, form.topic.data, form.hours.data, form.position.data)
    except RegisterError as e:
        return _refused(e, course, add_form=form)
    if wants_partial():
        return _page(course)
    return _back(course, f"item-{item.id}")


@bp.route("/courses/<int:course_id>/plan/items/<int:item_id>", methods=["POST"])
@allow(*WRITERS)
def save_row(course_id: int, item_id: int):
    course = _course(course_id)
    item = _item(course, item_id)
    form = RowForm(prefix="row")
    if not form.validate():
        if not plan_service.may_edit(current_user, course):
            abort(403)
        return _page(course, 422, edit_id=item.id, row_form=form)
    try:
        plan_service.update_item(current_user, item, form.topic.data, form.hours.data)
    except RegisterError as e:
        return _refused(e, course, edit_id=item.id, row_form=form)
    if wants_partial():
        return _page(course)
    return _back(course, f"item-{item.id}")


@bp.route("/courses/<int:course_id>/plan/items/<int:item_id>/delete", methods=["POST"])
@allow(*WRITERS)
def delete_row(course_id: int, item_id: int):
    course = _course(course_id)
    item = _item(course, item_id)
    if not DeleteForm().validate():
        abort(400)
    try:
        plan_service.delete_item(current_user, item)
    except RegisterError as e:
        return _refused(e, course)
    if wants_partial():
        return _page(course)
    return _back(course)


@bp.route("/courses/<int:course_id>/plan/items/<int:item_id>/move", methods=["POST"])
@allow(*WRITERS)
def move_row(course_id: int, item_id: int):
    course = _course(course_id)
    item = _item(course, item_id)
    form = MoveForm()
    if not form.validate():
        if not plan_service.may_edit(current_user, course):
            abort(403)
        return _page(course, 422, error=_("Please correct the errors in the form."))
    try:
        plan_service.move_item(current_user, item, form.direction.data)
    except RegisterError as e:
        return _refused(e, course)
    if wants_partial():
        return _page(course)
    return _back(course, f"item-{item.id}")


# ---------------------------------------------------------------------------------------------- the import

def _folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def _stored(file: str) -> Path | None:
    if not re.fullmatch(STORED_NAME, file or ""):
        return None
    path = _folder() / (STORED_PREFIX + file)
    return path if path.is_file() else None


def _stored_rows(file: str) -> list[list[str]]:
    """The kept upload read again (it was read once before it was kept); gone or altered -> upload again."""
    path = _stored(file)
    data = path.read_bytes() if path else None
    if data is None or sha256(data) != file.split(".")[0]:
        abort(render("errors/error.html", status=410, code=410,
                     message=_("The uploaded file is no longer here: upload it again.")))
    try:
        return readers.read_rows(file, data)  # its extension is the one the upload claimed and was checked for
    except readers.FileRefused as e:
        abort(render("errors/error.html", status=422, code=422, message=str(e)))


def _import_page(course: Course, status: int = 200, **context):
    return render("plan/import.html", status=status, course=course, form=context.pop("form", None) or UploadForm(), **context)


def _preview_page(course: Course, file: str, name: str, status: int = 200, error: str | None = None):
    preview = read_plan_file(_stored_rows(file), plan_service.items(course.id))
    check = plan_service.hours_check(course, [])
    return render("plan/import.html", status=status, course=course, preview=preview, file=file, name=name,
                  error=error, lessons=check.lessons, form=None)


@bp.route("/courses/<int:course_id>/plan/import")
@allow(*WRITERS)
def import_page(course_id: int):
    """The upload form; with ?file= (after an upload) the preview of that file: nothing is written yet."""
    course = _writable(course_id)
    file = request.args.get("file", "")
    if file:
        name = Path(request.args.get("name", "") or file).name[:255]
        return _preview_page(course, file, name)
    return _import_page(course)


def _forget_old_uploads() -> None:
    limit = time.time() - STORED_HOURS * 3600
    for path in _folder().glob(STORED_PREFIX + "*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


# Its own path: a POST to the GET page's path with an id past the integers would be a 405, not a 404 (werkzeug).
@bp.route("/courses/<int:course_id>/plan/import/upload", methods=["POST"])
@allow(*WRITERS)
@max_content_length(5 * 1024 * 1024 + UPLOAD_MARGIN)
def upload(course_id: int):
    course = _writable(course_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _import_page(course, 422, form=form)
    upload_file = form.file.data
    file_name = Path(upload_file.filename or "").name or "file"
    data = upload_file.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    try:
        readers.read_rows(file_name, data)
    except readers.FileRefused as e:
        return _import_page(course, 422, form=form, error=str(e))
    folder = _folder()
    folder.mkdir(mode=0o700, exist_ok=True)
    _forget_old_uploads()
    stored = f"{sha256(data)}.{readers.claimed_format(file_name)}"
    (folder / (STORED_PREFIX + stored)).write_bytes(data)
    return redirect(url_for("plan.import_page", course_id=course.id, file=stored, name=file_name), 303)


@bp.route("/courses/<int:course_id>/plan/import/confirm", methods=["POST"])
@allow(*WRITERS)
def confirm_import(course_id: int):
    """The course's plan becomes the file's rows, all of them or none (school.register.plan.replace)."""
    course = _writable(course_id)
    form = ConfirmForm()
    if not form.validate():
        abort(render("errors/error.html", status=410, code=410,
                     message=_("The uploaded file is no longer here: upload it again.")))
    file, name = form.file.data, Path(form.name.data or form.file.data).name[:255]
    preview = read_plan_file(_stored_rows(file), plan_service.items(course.id))
    if preview.has_errors:
        return _preview_page(course, file, name, 422, _(
            "Nothing was written: correct the rows with errors and upload the file again."))
    try:
        result = plan_service.replace(current_user, course, preview.plan_rows())
    except RegisterError as e:
        db.session.rollback()
        if e.status in (403, 404):
            abort(e.status)
        return _preview_page(course, file, name, e.status, e.message)
    path = _stored(file)
    if path:
        path.unlink(missing_ok=True)
    if result.changes_nothing:
        flash(_("Nothing changed: the plan already holds what the file holds."), "ok")
    else:
        flash(_("The plan is written. New rows: %(new)d, changed: %(changed)d, removed: %(removed)d.",
                new=len(result.new), changed=len(result.changed), removed=len(result.removed)), "ok")
    return _back(course)
