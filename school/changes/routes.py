"""The day's changes of the timetable (замены, переносы): the administrator and the deputy record a substitute,
a move, a cancellation (or its undoing) and an extra lesson, each with its reason; the director reads them.

Thin routes over school/register/changes.py and register.lessons.set_substitute, which check the actor
themselves. A plain POST that succeeds answers with a 303 back to the day; a refused one shows the lesson's page
again with the message (422, or 409 when someone else changed the lesson meanwhile)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from school import access, clock, queries
from school.access import allow, get_or_404
from school.changes.forms import CancelForm, ExtraForm, MoveForm
from school.extensions import db
from school.htmx import render
from school.journal.forms import SubstituteForm
from school.models import AcademicYear, Course, Lesson, SchoolClass
from school.queries import current_year_id
from school.register import changes, lessons as lesson_service
from school.register.errors import RegisterError

bp = Blueprint("changes", __name__, url_prefix="/admin/changes")

READERS = ("admin", "deputy", "director")
WRITERS = ("admin", "deputy")


def _day() -> dt.date:
    try:
        return dt.date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return clock.today()


def _year() -> AcademicYear | None:
    year_id = current_year_id()
    return db.session.get(AcademicYear, year_id) if year_id else None


@bp.route("/")
@allow(*READERS)
def day_page():
    """The school's lessons of a day by class, with the changes recorded for it."""
    day = _day()
    year = _year()
    rows, recorded, courses, classes = [], [], [], []
    chosen = request.args.get("class", type=int)
    if year is not None:
        classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)
                                     .order_by(SchoolClass.grade, SchoolClass.letter)).all()
        if chosen not in {c.id for c in classes}:
            chosen = None
        query = select(Lesson).options(joinedload(Lesson.course)).join(
            Course, Course.id == Lesson.course_id).join(SchoolClass, SchoolClass.id == Course.class_id).where(
            Course.year_id == year.id, Lesson.day == day)
        if chosen:
            query = query.where(Course.class_id == chosen)
        rows = db.session.scalars(query.order_by(SchoolClass.grade, SchoolClass.letter, Lesson.number,
                                                 Course.subject_id)).all()
        recorded = changes.of_day(day, [chosen] if chosen else None)
        courses = db.session.scalars(select(Course).where(Course.year_id == year.id)).all()
    return render("changes/day.html", day=day, year=year, rows=rows, recorded=recorded, classes=classes,
                  chosen=chosen,
                  extra_form=_extra_form(courses) if access.may_assign_substitutes(current_user) and courses else None,
                  bells=queries.bells(),
                  previous=day - dt.timedelta(days=1), next=day + dt.timedelta(days=1))


def _extra_form(courses: list[Course]) -> ExtraForm:
    form = ExtraForm()
    ordered = sorted(courses, key=lambda c: (c.school_class.grade, c.school_class.letter, c.subject.short, c.id))
    form.course.choices = [SelectChoice(c.id, _course_choice(c)) for c in ordered]
    return form


def _course_choice(course: Course) -> str:
    from school.register.timetable import course_label
    return f"{course_label(course)} — {course.teacher.person.short_name}"


def _lesson(lesson_id: int) -> Lesson:
    lesson = get_or_404(Lesson, lesson_id)
    if lesson.course.year_id != current_year_id():
        abort(404)
    return lesson


def _substitute_form(lesson: Lesson) -> SubstituteForm:
    form = SubstituteForm(data=None if request.method == "POST" else dict(substitute=lesson.substitute_id))
    form.substitute.choices = [SelectChoice(None, "—")] + [
        SelectChoice(t.id, t.person.short_name) for t in lesson_service.teachers() if t.id != lesson.course.teacher_id]
    return form


def _lesson_page(lesson: Lesson, status: int = 200, message: str | None = None, **forms):
    writable = access.may_assign_substitutes(current_user)
    version = dict(version=lesson.version)
    data = dict(day=lesson.day, number=lesson.number, **version)
    return render("changes/lesson.html", status=status, lesson=lesson, course=lesson.course, message=message,
                  writable=writable,
                  history=changes.history(lesson),
                  substitute_form=forms.get("substitute_form") or (_substitute_form(lesson) if writable else None),
                  move_form=forms.get("move_form") or (MoveForm(data=data) if writable else None),
                  cancel_form=forms.get("cancel_form") or (CancelForm(data=version) if writable else None))


@bp.route("/lessons/<int:lesson_id>")
@allow(*READERS)
def lesson_page(lesson_id: int):
    return _lesson_page(_lesson(lesson_id))


def _refused(lesson: Lesson, error: RegisterError, **forms):
    db.session.rollback()
    if error.status in (403, 404):
        abort(error.status)
    db.session.refresh(lesson)
    return _lesson_page(lesson, status=error.status if error.status != 400 else 422, message=error.message, **forms)


def _back(lesson: Lesson, message: str):
    flash(message, "ok")
    return redirect(url_for("changes.day_page", day=lesson.day.isoformat()), 303)


@bp.route("/lessons/<int:lesson_id>/substitute", methods=["POST"])
@allow(*WRITERS)
def substitute(lesson_id: int):
    lesson = _lesson(lesson_id)
    form = _substitute_form(lesson)
    if not form.validate():
        return _lesson_page(lesson, 422, _("Please correct the errors in the form."), substitute_form=form)
    try:
        lesson_service.set_substitute(current_user, lesson, form.substitute.data, form.reason.data)
    except RegisterError as e:
        return _refused(lesson, e, substitute_form=form)
    return _back(lesson, _("The substitution has been saved."))


@bp.route("/lessons/<int:lesson_id>/move", methods=["POST"])
@allow(*WRITERS)
def move(lesson_id: int):
    lesson = _lesson(lesson_id)
    form = MoveForm()
    if not form.validate():
        return _lesson_page(lesson, 422, _("Please correct the errors in the form."), move_form=form)
    try:
        changes.move(current_user, lesson, form.day.data, form.number.data, form.reason.data, form.version.data)
    except RegisterError as e:
        return _refused(lesson, e, move_form=form)
    return _back(lesson, _("The lesson has been moved."))


@bp.route("/lessons/<int:lesson_id>/cancel", methods=["POST"])
@allow(*WRITERS)
def cancel(lesson_id: int):
    lesson = _lesson(lesson_id)
    form = CancelForm()
    restoring = lesson.state == "cancelled"
    if not form.validate():
        return _lesson_page(lesson, 422, _("Please correct the errors in the form."), cancel_form=form)
    try:
        if restoring:
            changes.restore(current_user, lesson, form.reason.data, form.version.data)
        else:
            changes.cancel(current_user, lesson, form.reason.data, form.version.data)
    except RegisterError as e:
        return _refused(lesson, e, cancel_form=form)
    return _back(lesson, _("The lesson has been restored.") if restoring else _("The lesson has been cancelled."))


@bp.route("/extra", methods=["POST"])
@allow(*WRITERS)
def extra():
    day = _day()
    year = _year()
    if year is None:
        abort(404)
    form = _extra_form(db.session.scalars(select(Course).where(Course.year_id == year.id)).all())
    if form.validate():
        course = get_or_404(Course, form.course.data)
        try:
            lesson = changes.add_extra(current_user, course, day, form.number.data, form.reason.data, form.room.data)
            return _back(lesson, _("The extra lesson has been added."))
        except RegisterError as e:
            db.session.rollback()
            if e.status in (403, 404):
                abort(e.status)
            flash(e.message, "error")
    else:
        flash(_("Please correct the errors in the form."), "error")
    return redirect(url_for("changes.day_page", day=day.isoformat()), 303)
