"""/admin: the administrator's checklist of the school's set-up and the set-up forms (the first run)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from school.access import allow
from school.admin import forms
from school.admin import setup as school_setup
from school.admin.setup import Refused
from school.htmx import render
from school.models import Subject, WorkKind
from school.queries import school_settings

bp = Blueprint("admin", __name__, url_prefix="/admin")

STEPS = (("admin.setup_school", _l("The school")), ("admin.setup_year", _l("The year")),
         ("admin.setup_subjects", _l("Subjects")), ("admin.setup_work_kinds", _l("Kinds of work")))


def _next_step(endpoint: str) -> str:
    names = [e for e, _label in STEPS]
    i = names.index(endpoint)
    return url_for(names[i + 1]) if i + 1 < len(names) else url_for("admin.index")


def _saved(endpoint: str):
    flash(_("Saved."), "ok")
    return redirect(_next_step(endpoint), 303)


def _on_get(read):
    """What the form shows first. A POST is read from what was sent only: a row never takes a stored row's id by
    its position in the list."""
    return read() if request.method == "GET" else None


def _row_action(form, lists: tuple[str, ...]) -> bool:
    """The row editor's buttons ("add a row", "remove this row"): the form changes shape and nothing is saved."""
    add = request.form.get("add")
    if add in lists:
        rows = getattr(form, add)
        if len(rows.entries) < rows.max_entries:
            rows.append_entry()
        return True
    name, _dash, index = request.form.get("remove", "").rpartition("-")
    if name in lists and index.isdigit():
        rows = getattr(form, name)
        rows.entries = [e for e in rows.entries if e.name != f"{name}-{index}"]
        return True
    return False


@bp.route("")
@allow("admin")
def index():
    return render("admin/index.html", items=school_setup.checklist(), pending=school_setup.first_run_pending(),
                  steps=STEPS)


@bp.route("/setup")
@allow("admin")
def setup():
    """The first run: the first step not yet done (every step stays reachable from /admin)."""
    if school_settings() is None:
        return redirect(url_for("admin.setup_school"))
    items = {i.endpoints[0]: i for i in school_setup.checklist()}
    for endpoint in ("admin.setup_year", "admin.setup_subjects", "admin.setup_work_kinds"):
        if not items[endpoint].done:
            return redirect(url_for(endpoint))
    return redirect(url_for("admin.index"))


@bp.route("/setup/school", methods=["GET", "POST"])
@allow("admin")
def setup_school():
    form = forms.SchoolForm(data=_on_get(school_setup.school_data))
    if form.validate_on_submit():
        school_setup.save_school({name: form[name].data for name in school_setup.SETTINGS})
        return _saved("admin.setup_school")
    status = 422 if form.is_submitted() else 200
    return render("admin/school.html", form=form, steps=STEPS, status=status)


@bp.route("/setup/year", methods=["GET", "POST"])
@allow("admin")
def setup_year():
    form = forms.YearForm(data=_on_get(school_setup.year_data))
    problems: list[str] = []
    if form.is_submitted() and _row_action(form, ("periods", "holidays", "bells")):
        return render("admin/year.html", form=form, steps=STEPS, problems=problems)
    if form.validate_on_submit():
        data = dict(first_day=form.first_day.data, last_day=form.last_day.data,
                    periods=form.periods.data, holidays=form.holidays.data, bells=form.bells.data)
        try:
            school_setup.save_year(data)
        except Refused as refused:
            problems = refused.messages
        else:
            return _saved("admin.setup_year")
    status = 422 if form.is_submitted() else 200
    return render("admin/year.html", form=form, steps=STEPS, problems=problems, status=status)


def _rows_page(model, form_class, data, template: str, endpoint: str):
    form = form_class(data=_on_get(lambda: dict(rows=data())))
    problems: list[str] = []
    if form.is_submitted() and _row_action(form, ("rows",)):
        return render(template, form=form, steps=STEPS, problems=problems)
    if form.validate_on_submit():
        try:
            school_setup.save_rows(model, form.rows.data)
        except Refused as refused:
            problems = refused.messages
        else:
            return _saved(endpoint)
    status = 422 if form.is_submitted() else 200
    return render(template, form=form, steps=STEPS, problems=problems, status=status)


@bp.route("/setup/subjects", methods=["GET", "POST"])
@allow("admin")
def setup_subjects():
    return _rows_page(Subject, forms.SubjectsForm, school_setup.subjects_data, "admin/subjects.html",
                      "admin.setup_subjects")


@bp.route("/setup/work-kinds", methods=["GET", "POST"])
@allow("admin")
def setup_work_kinds():
    return _rows_page(WorkKind, forms.WorkKindsForm, school_setup.work_kinds_data, "admin/work_kinds.html",
                      "admin.setup_work_kinds")
