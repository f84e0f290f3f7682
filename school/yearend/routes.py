"""/admin/year-end: what the year still lacks, closing it, the next year, graduates and leavers, and the year switch
of the administration (an old year's classes and courses, read-only). Thin routes over school.yearend.service."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from school import access, clock
from school.access import allow, get_or_404
from school.htmx import render
from school.models import AcademicYear
from school.register.lessons import teachers
from school.yearend import forms, service

bp = Blueprint("yearend", __name__, url_prefix="/admin/year-end")

ADMINISTRATION = ("admin", "director", "deputy")


@bp.route("")
@allow(*ADMINISTRATION)
def index():
    year = service.year_to_close()
    closed = service.last_closed_year()
    following = service.next_year_of(closed) if closed else None
    return render("yearend/index.html", year=year, gaps=service.completeness(year) if year else [],
                  teaching_over=service.teaching_over(year) if year else False, form=forms.CloseForm(),
                  closed=closed, following=following, years=service.years(),
                  leavers=len(service.leavers(closed)) if closed else 0, may_close=access.is_admin(current_user))


@bp.route("/years/<int:year_id>/close", methods=["POST"])
@allow("admin")
def close(year_id: int):
    form = forms.CloseForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for("yearend.index"), 303)
    try:
        year = service.close_year(current_user, year_id)
    except service.YearEndError as e:
        for message in e.messages:
            flash(message, "error")
        return redirect(url_for("yearend.index"), 303)
    flash(_("The year %(name)s is closed: its register is read-only.", name=year.name), "ok")
    return redirect(url_for("yearend.index"), 303)


@bp.route("/years/<int:year_id>/next", methods=["GET", "POST"])
@allow("admin")
def next_year(year_id: int):
    year = get_or_404(AcademicYear, year_id)
    following = service.next_year_of(year)
    if year.closed_at is None or following is not None:
        return render("yearend/next.html", year=year, following=following, form=None, plan=[])
    plan = service.promotion_plan(year)
    staff = teachers()
    first, last = service.a_year_later(year.first_day), service.a_year_later(year.last_day)
    form = forms.next_year_form(plan, staff, service.choices_for,
                                data=dict(first_day=first, last_day=last) if request.method == "GET" else None)
    problems: list[str] = []
    if form.validate_on_submit():
        class_teachers, outcomes = {}, {}
        for cp in plan:
            name = forms.teacher_field_name(cp.school_class.id)
            if name in form:
                value = form[name].data
                class_teachers[cp.school_class.id] = int(value) if value else None
            for row in cp.students:
                name = forms.outcome_field_name(row.student_id)
                if name in form:
                    outcomes[row.student_id] = form[name].data
        try:
            new = service.open_next_year(current_user, year.id, form.first_day.data, form.last_day.data,
                                         class_teachers, outcomes)
        except service.YearEndError as e:
            problems = e.messages
        else:
            flash(_("The year %(name)s is open with its classes and periods. Check its periods in the set-up.",
                    name=new.name), "ok")
            return redirect(url_for("yearend.leavers", year_id=year.id), 303)
    status = 422 if form.is_submitted() else 200
    return render("yearend/next.html", year=year, following=None, form=form, plan=plan, problems=problems,
                  status=status, teacher_field=forms.teacher_field_name, outcome_field=forms.outcome_field_name,
                  choices_for=service.choices_for)


@bp.route("/leavers")
@allow("admin", "secretary", "director", "deputy")
def latest_leavers():
    """The graduates and leavers of the last closed year (the secretary's way in)."""
    closed = service.last_closed_year()
    if closed is None:
        return render("yearend/leavers.html", year=None, form=None, by_id={}, problems=[], writable=False)
    return redirect(url_for("yearend.leavers", year_id=closed.id))


@bp.route("/years/<int:year_id>/leavers", methods=["GET", "POST"])
@allow("admin", "secretary", "director", "deputy", write=("admin", "secretary"))
def leavers(year_id: int):
    year = get_or_404(AcademicYear, year_id)
    rows = service.leavers(year)
    if request.method == "GET":
        form = forms.LeaversForm(data=dict(rows=[dict(enrolment_id=str(lv.enrolment.id),
                                                      order_out=lv.enrolment.order_out or "",
                                                      reason=lv.enrolment.reason or "") for lv in rows]))
    else:
        form = forms.LeaversForm()
    problems: list[str] = []
    if form.validate_on_submit():
        sent = []
        for entry in form.rows.entries:
            value = entry.form.enrolment_id.data or ""
            if not value.isdigit():
                abort(404)
            sent.append(dict(enrolment_id=int(value), order_out=entry.form.order_out.data,
                             reason=entry.form.reason.data))
        try:
            changed = service.record_leavers(current_user, year, sent)
        except service.YearEndError as e:
            problems = e.messages
        else:
            flash(ngettext("Saved: %(num)d student's record changed.", "Saved: %(num)d students' records changed.",
                           changed), "ok")
            return redirect(url_for("yearend.leavers", year_id=year.id), 303)
    by_id = {str(lv.enrolment.id): lv for lv in rows}
    status = 422 if form.is_submitted() else 200
    return render("yearend/leavers.html", year=year, form=form, by_id=by_id, problems=problems, status=status,
                  writable=service.may_record_leavers(current_user))


@bp.route("/years/<int:year_id>")
@allow(*ADMINISTRATION)
def year(year_id: int):
    """The year switch: a year's classes and courses, each course's grid, year marks and printed register."""
    chosen = get_or_404(AcademicYear, year_id)
    return render("yearend/year.html", chosen=chosen, years=service.years(), classes=service.year_classes(chosen.id),
                  today=clock.today())
