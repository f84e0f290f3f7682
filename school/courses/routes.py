"""/admin/courses: the curriculum of each class (the administration reads it), the administrator's course form, and
the copy of last year's courses into a new year (preview, then confirm).

Thin routes: a form is parsed here, the change is a function of school/courses/service.py (which checks the actor
and audits it), and a refused change comes back as the same page with the message and status 422. A plain POST that
succeeds answers with a 303 redirect."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import exists, select

from school import MAX_ID
from school.access import allow, get_or_404, is_admin
from school.courses import service
from school.courses.forms import ASSESSMENT_LABELS, ConfirmForm, CopyForm, CourseForm
from school.courses.service import CourseError, CourseData, NotAllowed
from school.extensions import db
from school.htmx import render
from school.i18n import current_language, subgroup_label
from school.models import AcademicYear, Course, SchoolClass, Subject
from school.queries import current_year_id

bp = Blueprint("courses", __name__, url_prefix="/admin/courses")

READERS = ("admin", "director", "deputy")


def _int_arg(source, name: str) -> int | None:
    """An id from the query or the form: absent is None, anything that cannot be an id is a 404."""
    raw = source.get(name, "")
    if raw == "":
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


def _refused(template: str, error: str | None = None, **context):
    db.session.rollback()
    return render(template, status=422, error=error or _("Please correct the errors in the form."), **context)


def _missing(year: AcademicYear | None) -> list[tuple[str, str, str]]:
    """What the school lacks before it has courses: (message, link, link text)."""
    out = []
    if year is None:
        out.append((_("There is no academic year containing today."), url_for("admin.setup_year"),
                    _("Set up the year")))
    if not db.session.scalar(select(exists().where(Subject.id > 0))):
        out.append((_("There are no subjects."), url_for("admin.setup_subjects"), _("Set up the subjects")))
    if year is not None and not service.classes_of(year.id):
        out.append((_("The year %(name)s has no classes.", name=year.name), url_for("people.list_classes"),
                    _("Add the classes")))
    if not service.active_teachers():
        out.append((_("There is no active teacher."), url_for("people.list_staff"), _("Add the teachers")))
    return out


# ---------------------------------------------------------------- reading

@bp.route("")
@allow(*READERS)
def index():
    year_id = _int_arg(request.args, "year") or current_year_id()
    year = get_or_404(AcademicYear, year_id) if year_id else None
    classes = service.classes_of(year.id) if year else []
    return render("courses/index.html", year=year, years=service.years(), classes=classes,
                  totals=service.class_totals(year.id) if year else {}, missing=_missing(year),
                  admin=is_admin(current_user))


@bp.route("/classes/<int:class_id>")
@allow(*READERS)
def class_curriculum(class_id: int):
    klass = get_or_404(SchoolClass, class_id)
    return render("courses/class.html", klass=klass, plan=service.curriculum(klass), admin=is_admin(current_user),
                  missing=_missing(klass.year), assessment_labels=ASSESSMENT_LABELS)


# ---------------------------------------------------------------- one course

def _form_context(form: CourseForm, year_id: int | None, klass: SchoolClass | None, course: Course | None) -> dict:
    lang = current_language()
    form.school_class.choices = [(c.id, c.label) for c in service.classes_of(year_id)]
    subjects = service.subjects()
    form.subject.choices = [(s.id, s.name(lang)) for s in subjects]
    names = {s.id: s.name(lang) for s in subjects}
    groups = service.subgroups_of(klass) if klass else []
    form.subgroup.choices = [(0, _("— the whole class"))] + [
        (g.id, f"{names.get(g.subject_id, '')}: {subgroup_label(g.name)}") for g in groups]
    teachers = service.active_teachers()
    if course is not None and course.teacher_id not in {t.id for t in teachers}:
        teachers.insert(0, course.teacher)  # a course keeps its teacher who left until the administrator changes it
    form.teacher.choices = [(0, "—")] + [(t.id, t.person.full_name) for t in teachers]
    # The service checks a subgroup against the class and a teacher against the active ones, with a clear message.
    form.subgroup.validate_choice = form.teacher.validate_choice = False
    entries = service.entries(course) if course else None
    return dict(form=form, klass=klass, course=course, entries=entries,
                lessons=service.lesson_count(course) if course else 0, delete_form=ConfirmForm(formdata=None),
                missing=_missing(db.session.get(AcademicYear, year_id) if year_id else None))


def _data(form: CourseForm) -> CourseData:
    return CourseData(form.subject.data, form.teacher.data, form.school_class.data, form.subgroup.data or None,
                      form.hours_per_week.data, form.attested.data, form.assessment.data)


def _fill(form: CourseForm, course: Course) -> None:
    form.school_class.data, form.subject.data = course.class_id, course.subject_id
    form.subgroup.data, form.teacher.data = course.subgroup_id or 0, course.teacher_id
    form.hours_per_week.data, form.attested.data = course.hours_per_week, course.attested
    form.assessment.data = course.assessment


@bp.route("/new", methods=["GET", "POST"])
@allow("admin")
def add_course():
    class_id = _int_arg(request.args, "class")
    klass = get_or_404(SchoolClass, class_id) if class_id else None
    year_id = klass.year_id if klass else current_year_id()
    form = CourseForm()
    if request.method == "GET":
        form.school_class.data = klass.id if klass else None
        form.hours_per_week.data = None
    context = _form_context(form, year_id, klass, None)
    if request.method == "POST":
        if not form.validate():
            return _refused("courses/course.html", **context)
        try:
            course = service.save_course(current_user, None, _data(form))
        except NotAllowed:
            abort(403)
        except CourseError as e:
            return _refused("courses/course.html", str(e), **context)
        db.session.commit()
        flash(_("The course is added."), "ok")
        return redirect(url_for("courses.class_curriculum", class_id=course.class_id), 303)
    return render("courses/course.html", **context)


@bp.route("/<int:course_id>", methods=["GET", "POST"])
@allow("admin")
def edit_course(course_id: int):
    course = get_or_404(Course, course_id)
    form = CourseForm()
    if request.method == "GET":
        _fill(form, course)
    context = _form_context(form, course.year_id, course.school_class, course)
    if request.method == "POST":
        if not form.validate():
            return _refused("courses/course.html", **context)
        try:
            service.save_course(current_user, course, _data(form))
        except NotAllowed:
            abort(403)
        except CourseError as e:
            return _refused("courses/course.html", str(e), **context)
        class_id = course.class_id
        db.session.commit()
        flash(_("Saved."), "ok")
        return redirect(url_for("courses.class_curriculum", class_id=class_id), 303)
    return render("courses/course.html", **context)


@bp.route("/<int:course_id>/delete", methods=["POST"])
@allow("admin")
def delete_course(course_id: int):
    course = get_or_404(Course, course_id)
    if not ConfirmForm().validate():
        abort(422)
    class_id = course.class_id
    try:
        service.delete_course(current_user, course)
    except NotAllowed:
        abort(403)
    except CourseError as e:
        db.session.rollback()
        course = db.session.get(Course, course_id)
        form = CourseForm(formdata=None)
        _fill(form, course)
        return render("courses/course.html", status=422, error=str(e),
                      **_form_context(form, course.year_id, course.school_class, course))
    db.session.commit()
    flash(_("The course is deleted."), "ok")
    return redirect(url_for("courses.class_curriculum", class_id=class_id), 303)


# ---------------------------------------------------------------- copy last year's courses

def _default_years(years: list[AcademicYear]) -> tuple[int | None, int | None]:
    """The latest year as the target, the one before it as the source."""
    if len(years) < 2:
        return None, None
    return years[-2].id, years[-1].id


def _teachers_sent() -> dict[int, int | None]:
    out = {}
    for key, value in request.form.items():
        name, _dash, source_id = key.partition("-")
        if name == "teacher" and source_id.isdigit():
            out[int(source_id)] = int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None
    return out


def _copy_page(status: int = 200, error: str | None = None, chosen: dict[int, int | None] | None = None):
    source_arg = request.form if request.method == "POST" else request.args
    years = service.years()
    default_source, default_target = _default_years(years)
    source_id = _int_arg(source_arg, "source") or default_source
    target_id = _int_arg(source_arg, "target") or default_target
    source = get_or_404(AcademicYear, source_id) if source_id else None
    target = get_or_404(AcademicYear, target_id) if target_id else None
    form = CopyForm(formdata=None, data=dict(source=source_id, target=target_id))
    form.source.choices = form.target.choices = [(y.id, y.name) for y in years]
    plan, plan_error = None, None
    if source and target:
        try:
            plan = service.plan_copy(source, target)
        except CourseError as e:
            plan_error = str(e)
    if plan and chosen:
        for row in plan.of(service.NEW):
            if row.source.id in chosen:
                row.teacher_id = chosen[row.source.id]
    return render("courses/copy.html", status=status, form=form, years=years, plan=plan,
                  error=error or plan_error, teachers=service.active_teachers(), confirm=ConfirmForm(formdata=None),
                  NEW=service.NEW, PRESENT=service.PRESENT, SKIPPED=service.SKIPPED)


@bp.route("/copy", methods=["GET", "POST"])
@allow("admin")
def copy():
    if request.method == "GET":
        return _copy_page()
    if not ConfirmForm().validate():
        abort(422)
    source = get_or_404(AcademicYear, _int_arg(request.form, "source"))
    target = get_or_404(AcademicYear, _int_arg(request.form, "target"))
    chosen = _teachers_sent()
    try:
        created = service.copy_courses(current_user, source, target, chosen)
    except NotAllowed:
        abort(403)
    except CourseError as e:
        db.session.rollback()
        return _copy_page(422, str(e), chosen)
    db.session.commit()
    flash(ngettext("%(num)d course is copied.", "%(num)d courses are copied.", len(created))
          if created else _("Nothing to copy: every course is already there."), "ok")
    return redirect(url_for("courses.index", year=target.id), 303)
