"""Printed statements for families, the paper register of a course and the class's summary statement."""
from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from school import MAX_ID, access, clock, jobs
from school.access import allow, get_or_404, user_roles
from school.extensions import db
from school.i18n import current_language, sort_key
from school.htmx import render, wants_partial
from school.models import Course, Job, PaperStatement, SchoolClass
from school.register import calendar
from school.statements import documents, pdf, service
from school.ops.forms import StartForm
from school.ops.routes import job_page
from school.statements.forms import ReturnForm

bp = Blueprint("statements", __name__, url_prefix="/statements")

CLASS_PRINTERS = ("class_teacher", "admin", "director", "deputy")
REGISTER_READERS = ("teacher", "class_teacher", "admin", "director", "deputy")


def _printable_class(class_id) -> SchoolClass:
    klass = get_or_404(SchoolClass, class_id)
    if not service.may_print_class(current_user, user_roles(), klass):
        abort(404)
    return klass


def _span() -> service.Span:
    try:
        return service.parse_span(request.args.get("week"), request.args.get("month"), request.args.get("from"),
                                  request.args.get("to"))
    except service.SpanError as e:
        abort(render("errors/error.html", status=422, code=422, message=str(e)))


def _include_all() -> bool:
    return request.args.get("all") == "1"


def _pdf_response(html, filename: str, **options):
    """html: one document, or a list/iterator of documents printed one after another (pdf.to_pdf_each)."""
    try:
        data = pdf.to_pdf(html, **options) if isinstance(html, str) else pdf.to_pdf_each(html, **options)
    except pdf.PdfUnavailable:
        return render("errors/error.html", status=503, code=503, message=_(
            "PDF files cannot be made on this server (WeasyPrint or the Pango library is missing). "
            "Open the print view and use the browser's Print command."))
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=filename)


# ---------------------------------------------------------------- the page of the class teacher

@bp.route("/")
@allow(*CLASS_PRINTERS)
def index():
    classes = service.classes_for(current_user, user_roles())
    chosen = request.args.get("class_id", type=int)
    klass = next((c for c in classes if c.id == chosen), classes[0] if classes else None)
    status, error = 200, None
    try:
        span = service.parse_span(request.args.get("week"), request.args.get("month"),
                                  request.args.get("from"), request.args.get("to"))
    except service.SpanError as e:
        status, error = 422, str(e)
        span = service.Span(*calendar.week_bounds(clock.today()))
    rows, courses, periods = [], [], []
    if klass is not None:
        rows = service.acknowledgements(klass, span)
        courses = db.session.scalars(select(Course).where(Course.class_id == klass.id)).all()
        lang = current_language()
        courses.sort(key=lambda c: (sort_key(c.subject.name(lang), lang), c.subgroup_id or 0))
        periods = calendar.periods_of(courses[0].school_class) if courses else []
    return render("statements/index.html", status=status, classes=classes, klass=klass, span=span, error=error,
                  include_all=_include_all(), rows=rows, courses=courses, periods=periods,
                  current_period=calendar.period_containing(periods, clock.today()) if periods else None,
                  writable=klass is not None and klass.class_teacher_id == current_user.id,
                  month=request.args.get("month", ""), whole_school=bool(user_roles() & access.ADMINISTRATION),
                  start_form=StartForm())


# ---------------------------------------------------------------- weekly statements

def _class_items(class_id: int):
    klass = _printable_class(class_id)
    span = _span()
    return klass, span, service.statements(klass, span, _include_all())


@bp.route("/classes/<int:class_id>")
@allow(*CLASS_PRINTERS)
def print_class(class_id: int):
    """The statements to print; viewing them records nothing (the teacher confirms what was handed out)."""
    klass, span, items = _class_items(class_id)
    return documents.statements_document([documents.Batch(klass, items)], span)


@bp.route("/classes/<int:class_id>.pdf")
@allow(*CLASS_PRINTERS)
def class_pdf(class_id: int):
    klass, span, items = _class_items(class_id)
    return _pdf_response(documents.statement_documents([documents.Batch(klass, items)], span),
                         f"statements-{klass.label}-{'-'.join(span.args().values())}.pdf")


@bp.route("/classes/<int:class_id>/printed", methods=["POST"])
@allow(*CLASS_PRINTERS)
def record_printed(class_id: int):
    """The teacher confirms that the statements of these days were printed and handed out: one record per
    student (a second confirmation of the same days refreshes the records not yet returned)."""
    klass, span, items = _class_items(class_id)
    service.record_printed([s.student for s in items], span, current_user.id)
    flash(ngettext("A printed statement is recorded for %(num)d student.",
                   "Printed statements are recorded for %(num)d students.", len(items)), "ok")
    return redirect(url_for("statements.index", class_id=klass.id, **span.args(),
                            **({"all": "1"} if _include_all() else {})), 303)


def _form_class_id() -> int | None:
    """The class of the page a form was sent from; an id no database holds is none."""
    value = request.form.get("class_id", type=int)
    return value if value and 0 < value <= MAX_ID else None


def _form_span() -> service.Span | None:
    """The days of the page a form was sent from (its hidden from/to), when it says."""
    first, last = request.form.get("from"), request.form.get("to")
    if not (first and last):
        return None
    try:
        return service.parse_span(first=first, last=last)
    except service.SpanError:
        return None


@bp.route("/<int:statement_id>/returned", methods=["POST"])
@allow("class_teacher")
def record_return(statement_id: int):
    paper = get_or_404(PaperStatement, statement_id)
    if not service.may_record_return(current_user, paper):
        abort(404)
    form = ReturnForm()
    status, message = 200, None
    if form.validate():
        service.record_return(current_user, paper, form.returned.data == "1")
    else:
        status, message = 422, _("Please correct the errors in the form.")
    page_span = _form_span()
    if not wants_partial():
        if message:
            flash(message, "error")
        return redirect(url_for("statements.index", class_id=_form_class_id(),
                                **(page_span or service.Span(paper.first_day, paper.last_day)).args()), 303)
    returned = service.returned_count(paper.student_id, page_span) if page_span else None
    klass = db.session.get(SchoolClass, _form_class_id() or 0)
    return render("statements/_paper.html", "statements/_paper.html", status=status, p=paper, writable=True,
                  message=message, returned=returned, span=page_span, klass=klass)


# ---------------------------------------------------------------- the paper register of a course

def _register_course(course_id) -> Course:
    course = get_or_404(Course, course_id)
    if not (course.teacher_id == current_user.id or access.may_read_class(current_user, course.school_class)):
        abort(404)
    return course


def _register(course_id: int) -> tuple[Course, str]:
    course = _register_course(course_id)
    periods = calendar.periods_of(course.school_class)
    if not periods:
        abort(404)
    wanted = request.args.get("period")
    period = (next((p for p in periods if str(p.id) == wanted), None) if wanted
              else calendar.period_containing(periods, clock.today()))
    if period is None:
        abort(404)
    return course, documents.register_document(course, period)


@bp.route("/courses/<int:course_id>/register")
@allow(*REGISTER_READERS)
def print_register(course_id: int):
    return _register(course_id)[1]


@bp.route("/courses/<int:course_id>/register.pdf")
@allow(*REGISTER_READERS)
def register_pdf(course_id: int):
    course, html = _register(course_id)
    return _pdf_response(html, f"register-{course.school_class.label}-{course.subject.short}.pdf", archival=True)


# ---------------------------------------------------------------- the summary statement of a class

@bp.route("/classes/<int:class_id>/summary")
@allow(*CLASS_PRINTERS)
def print_summary(class_id: int):
    return documents.summary_document(_printable_class(class_id))[0]


@bp.route("/classes/<int:class_id>/summary.pdf")
@allow(*CLASS_PRINTERS)
def summary_pdf(class_id: int):
    klass = _printable_class(class_id)
    html, result = documents.summary_document(klass)
    return _pdf_response(html, f"summary-{klass.label}-{klass.year.name.replace('/', '-')}.pdf", archival=True,
                         attachments={"marks.txt": result.canonical})


# ---------------------------------------------------------------- the whole school's statements, as background work

@bp.route("/all", methods=["POST"])
@allow(*access.ADMINISTRATION)
def start_all():
    """Every class's statements of the page's days as one PDF, made by the worker; the next page shows progress."""
    form = StartForm()
    span = _form_span()
    if not form.validate() or span is None:
        flash(_("Choose the days of the statements again and repeat."), "error")
        return redirect(url_for("statements.index"), 303)
    job = jobs.submit("statements", {"first": span.first.isoformat(), "last": span.last.isoformat(),
                                     "include_all": request.form.get("all") == "1", "lang": current_language()},
                      current_user.id)
    return redirect(url_for("statements.show_job", job_id=job.id), 303)


def _own_job(job_id: int) -> Job:
    """A statements job of this user, or any for the administration; anyone else's is 404."""
    job = get_or_404(Job, job_id)
    if job.kind != "statements" or not (job.created_by == current_user.id or access.reads_everything(current_user)):
        abort(404)
    return job


@bp.route("/jobs/<int:job_id>")
@allow(*CLASS_PRINTERS)
def show_job(job_id: int):
    job = _own_job(job_id)
    return job_page(job, "ops/job.html", url_for("statements.show_job", job_id=job.id),
                    url_for("statements.job_file", job_id=job.id) if job.result_path else None,
                    title=_("Statements of all classes"), back=url_for("statements.index"))


@bp.route("/jobs/<int:job_id>/file")
@allow(*CLASS_PRINTERS)
def job_file(job_id: int):
    job = _own_job(job_id)
    if job.state != "done" or not job.result_path:
        abort(404)
    root = Path(current_app.instance_path).resolve()
    path = (root / job.result_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=path.name)
