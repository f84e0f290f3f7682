"""The teacher's journal: thin routes over school.register (parse the form, call the domain, render)."""
from __future__ import annotations

import datetime as dt
from functools import cache

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields.choices import SelectChoice

from school import access, clock
from school.access import allow, get_or_404
from school.extensions import db
from school.htmx import render
from school.i18n import chosen_language
from school.journal.forms import CellForm, LessonForm, SubstituteForm, UnlockForm, VersionedChoiceForm
from school.models import Attendance, Course, EditUnlock, Lesson, Period, PeriodMark, SchoolClass
from school.queries import current_year_id
from school.register import calendar, finals, lessons as lesson_service, marks, rules, scales
from school.register.attendance import set_reason as set_attendance_reason
from school.register.errors import RegisterError
from school.register.grid import grid as grid_data, student_stats
from school.register.roster import roster
from school.register.unlocks import open_days
from school.templating import kind_names

bp = Blueprint("journal", __name__, url_prefix="/journal")

READERS = ("teacher", "class_teacher", "admin", "director", "deputy")


def _period(course: Course, period_id=None) -> tuple[Period, list[Period]]:
    periods = calendar.periods_of(course.school_class)
    if not periods:
        abort(404)
    if period_id is not None:
        chosen = next((p for p in periods if str(p.id) == str(period_id)), None)
        if chosen is None:
            abort(404)
        return chosen, periods
    return calendar.period_containing(periods, clock.today()), periods


def _readable(course_id, period_id=None) -> tuple[Course, Period, list[Period]]:
    """The course and period a user may read; a substitute only the periods of their lessons (404 otherwise)."""
    course = get_or_404(Course, course_id)
    if not access.may_read_course(current_user, course):
        abort(404)
    period, periods = _period(course, period_id)
    if not access.may_read_course(current_user, course, period):
        mine = [p for p in periods if access.may_read_course(current_user, course, p)]
        if period_id is not None or not mine:
            abort(404)
        period = mine[-1]
    return course, period, periods


def _abort_for(error: RegisterError):
    abort(error.status)


@bp.route("/")
@allow(*READERS)
def index():
    year_id = current_year_id()
    mine = db.session.scalars(select(Course).where(Course.year_id == year_id, Course.teacher_id == current_user.id)
                              .order_by(Course.class_id, Course.subject_id)).all()
    if access.reads_everything(current_user):
        classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year_id)
                                     .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    else:
        classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year_id,
                                                               SchoolClass.class_teacher_id == current_user.id)).all()
    class_courses: dict[int, list[Course]] = {c.id: [] for c in classes}
    for course in db.session.scalars(select(Course).where(Course.class_id.in_(list(class_courses) or [0]))
                                     .order_by(Course.subject_id)):
        class_courses[course.class_id].append(course)
    return render("journal/index.html", mine=mine, classes=classes, class_courses=class_courses)


@bp.route("/courses/<int:course_id>")
@allow(*READERS)
def grid(course_id: int):
    course, period, periods = _readable(course_id, request.args.get("period"))
    data = grid_data(course, period)
    today = clock.today()
    writable = course.teacher_id == current_user.id
    substituted = {les.id for les in data["lessons"] if les.substitute_id == current_user.id}
    focus = next((les.id for les in data["lessons"] if les.day == today), None) or (
        data["lessons"][-1].id if data["lessons"] else None)
    days_open = rules.editable_days(course, {les.day for les in data["lessons"]})
    # The grid's columns: a lesson's cells are locked for this user when it is not their lesson, cancelled, or
    # outside the edit window.
    columns = [(les.id, les.day, not (writable or les.id in substituted) or les.state == "cancelled"
                or not days_open[les.day]) for les in data["lessons"]]
    kinds = scales.work_kinds_by_id()
    return render("journal/grid.html", course=course, period=period, periods=periods, today=today,
                  writable=writable, substituted=substituted, focus=focus, open_days=days_open, columns=columns,
                  kind_names=kind_names(kinds, chosen_language()),
                  lesson_codes=scales.lesson_codes(course), period_codes=scales.period_codes(course),
                  takes_marks=course.attested and course.assessment != "unmarked",
                  marked=lambda day: calendar.course_takes_marks(course, day),
                  min_marks=finals.minimum_marks(), has_year=bool(periods) and course.attested,
                  kinds=kinds, **data)


@cache
def _lesson_statement():
    """A lesson with its course and the course's class, built once: the lesson's pages run it (not the subject,
    which they do not show). A save of a cell reads marks.lesson_and_cell instead."""
    return (select(Lesson).options(joinedload(Lesson.course).lazyload(Course.subject))
            .where(Lesson.id == bindparam("id")))


def _lesson_or_404(lesson_id) -> Lesson:
    lesson = db.session.scalar(_lesson_statement(), {"id": lesson_id})
    if lesson is None:
        abort(404)
    return lesson


def _cell_response(lesson: marks.CellLesson, student_id: int, saved: marks.CellSave, status: int = 200,
                   message: str | None = None):
    return render("journal/_cell_saved.html", "journal/_cell_saved.html", status=status, lesson=lesson,
                  student_id=student_id, saved=saved.cell, stats=saved.stats, message=message, writable=True,
                  open_day=True, enrolled=True, marked=calendar.course_takes_marks(lesson.course, lesson.day),
                  kinds=scales.work_kinds_by_id())


@bp.route("/lessons/<int:lesson_id>/students/<int:student_id>", methods=["POST"])
@allow("teacher")
def save_cell(lesson_id: int, student_id: int):
    read = marks.lesson_and_cell(lesson_id, student_id)
    if read is None:
        abort(404)
    lesson = read.lesson
    form = CellForm()
    try:
        if not form.validate():
            raise RegisterError(_("Please correct the errors in the form."))
        saved = marks.save_cell(current_user, lesson, student_id, form.action.data.strip(), form.version.data,
                                form.slot.data or 1, form.work_kind.data,
                                form.comment.data if "comment" in request.form else None, read)
    except RegisterError as e:
        db.session.rollback()
        if e.status in (403, 404):
            abort(e.status)
        current = marks.CellSave(marks.cell_of(lesson.id, student_id), None)
        return _cell_response(lesson, student_id, current, e.status, e.message)
    return _cell_response(lesson, student_id, saved)


def _lesson_form(lesson: Lesson, current: bool = False) -> LessonForm:
    """The header form: on GET (or `current`, after a conflict) filled with the lesson's own values, so that a
    field left alone is sent back as it was; on POST with what was sent."""
    values = dict(topic=lesson.topic, homework=lesson.homework, work_kind=lesson.work_kind_id, state=lesson.state,
                  version=lesson.version)
    if current:
        form = LessonForm(formdata=None, data=values)
    elif request.method == "POST":  # a field the author did not send keeps the lesson's own value
        kept = MultiDict({k: "" if v is None else str(v) for k, v in values.items() if k not in request.form})
        form = LessonForm(formdata=CombinedMultiDict([request.form, kept]))
    else:
        form = LessonForm(data=values)
    form.work_kind.choices = [SelectChoice(None, "—")] + [SelectChoice(k.id, k.name(chosen_language()))
                                                          for k in scales.work_kinds()]
    if lesson.course.teacher_id != current_user.id:  # a substitute: topic and homework, never the state
        del form.state
        del form.work_kind
    return form


def _substitute_form(lesson: Lesson) -> SubstituteForm | None:
    if not access.may_assign_substitutes(current_user):
        return None
    form = SubstituteForm(data=None if request.method == "POST" else dict(substitute=lesson.substitute_id))
    form.substitute.choices = [SelectChoice(None, "—")] + [
        SelectChoice(t.id, t.person.short_name) for t in lesson_service.teachers() if t.id != lesson.course.teacher_id]
    return form


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
@allow(*READERS, write=("teacher",))
def edit_lesson(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    course = lesson.course
    if not (access.may_write_lesson(current_user, lesson) or access.may_read_course(current_user, course)):
        abort(404)
    form = _lesson_form(lesson)
    status, message = 200, None
    if request.method == "POST":
        if not access.may_write_lesson(current_user, lesson):
            abort(403)
        if form.validate():
            # Only the fields the form sent: what the author did not send is never overwritten.
            changes = {name: form[name].data for name in ("topic", "homework", "state")
                       if name in form and name in request.form}
            if "work_kind" in form and "work_kind" in request.form:
                changes["work_kind_id"] = form.work_kind.data
            try:
                lesson_service.update_lesson(current_user, lesson, changes, form.version.data)
                if not request.headers.get("HX-Request"):
                    return redirect(url_for("journal.grid", course_id=course.id) + f"#h{lesson.id}", 303)
                db.session.refresh(lesson)
                return render("journal/_lesson_head_saved.html", "journal/_lesson_head_saved.html", lesson=lesson,
                              kinds=scales.work_kinds_by_id(), today=clock.today())
            except RegisterError as e:
                db.session.rollback()
                status, message = e.status, e.message
                if e.status == 409:  # show what is there now, with its version
                    db.session.refresh(lesson)
                    form = _lesson_form(lesson, current=True)
        else:
            status = 422
    return render("journal/lesson.html", "journal/_lesson_form.html", status=status, form=form, lesson=lesson,
                  course=course, message=message, writable=access.may_write_lesson(current_user, lesson),
                  substitute_form=_substitute_form(lesson))


@bp.route("/lessons/<int:lesson_id>/substitute", methods=["POST"])
@allow("admin", "deputy")
def set_substitute(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    form = _substitute_form(lesson)
    message = None
    if form.validate():
        try:
            lesson_service.set_substitute(current_user, lesson, form.substitute.data, form.reason.data)
            flash(_("The substitution has been saved."), "ok")
            return redirect(url_for("journal.edit_lesson", lesson_id=lesson.id), 303)
        except RegisterError as e:
            db.session.rollback()
            message = e.message
    return render("journal/lesson.html", "journal/_lesson_form.html", status=422, form=None, lesson=lesson,
                  course=lesson.course, message=message or _("Please correct the errors in the form."),
                  writable=False, substitute_form=form)


def _versioned_save(save) -> tuple[int, str | None]:
    """The small value + version form of a period mark or a reason: validate it, run save(value, version),
    and say which status and message to answer with (the fragment shows the current value either way)."""
    form = VersionedChoiceForm()
    if not form.validate():
        return 422, _("Please correct the errors in the form.")
    try:
        save(form.value.data.strip(), form.version.data or 0)
    except RegisterError as e:
        db.session.rollback()
        if e.status in (403, 404):
            abort(e.status)
        return e.status, e.message
    return 200, None


@bp.route("/courses/<int:course_id>/periods/<int:period_id>/students/<int:student_id>", methods=["POST"])
@allow("teacher")
def save_period_mark(course_id: int, period_id: int, student_id: int):
    course = get_or_404(Course, course_id)
    period, _periods = _period(course, period_id)
    status, message = _versioned_save(
        lambda value, version: finals.save(current_user, course, "period", period, student_id, value, version))
    return render("journal/_period_cell.html", "journal/_period_cell.html", status=status, course=course,
                  period=period, student_id=student_id, pm=finals.find(course.id, "period", period.id, student_id),
                  stats=student_stats(course, period, student_id), writable=True, message=message,
                  min_marks=finals.minimum_marks())


@bp.route("/courses/<int:course_id>/year")
@allow(*READERS)
def year(course_id: int):
    """Period marks of the year side by side, the suggested year mark, the year mark; in grades 9 and 11 the
    exam and final marks too."""
    course = get_or_404(Course, course_id)
    if course.teacher_id != current_user.id and not access.may_read_class(current_user, course.school_class):
        abort(404)
    periods = calendar.periods_of(course.school_class)
    students = roster(course.class_id, course.subgroup_id, periods[0].first_day,
                      periods[-1].last_day) if periods else []
    by_student: dict[int, dict] = {}
    for pm in db.session.scalars(select(PeriodMark).where(PeriodMark.course_id == course.id)):
        by_student.setdefault(pm.student_id, {})[pm.period_id if pm.kind == "period" else pm.kind] = pm
    suggestions = {s.student_id: finals.year_suggestion([pm.code for key, pm in by_student.get(s.student_id, {})
                                                         .items() if isinstance(key, int)]) for s in students}
    return render("journal/year.html", course=course, periods=periods, students=students, marks=by_student,
                  suggestions=suggestions, kinds=finals.kinds_of(course), period_codes=scales.period_codes(course),
                  writable=course.teacher_id == current_user.id)


@bp.route("/courses/<int:course_id>/year/<kind>/students/<int:student_id>", methods=["POST"])
@allow("teacher")
def save_year_mark(course_id: int, kind: str, student_id: int):
    course = get_or_404(Course, course_id)
    if kind not in finals.YEARLY_KINDS:
        abort(404)
    status, message = _versioned_save(
        lambda value, version: finals.save(current_user, course, kind, None, student_id, value, version))
    return render("journal/_year_cell.html", "journal/_year_cell.html", status=status, course=course, kind=kind,
                  student_id=student_id, pm=finals.find(course.id, kind, None, student_id), writable=True,
                  message=message, codes=scales.period_codes(course))


def _week_start(value: str | None) -> dt.date:
    if value:
        first = calendar.parse_iso_week(value)
        if first is None:
            abort(404)
        return first
    return calendar.monday(clock.today())


@bp.route("/classes/<int:class_id>/attendance")
@allow("class_teacher", "admin", "director", "deputy")
def class_attendance(class_id: int):
    klass = get_or_404(SchoolClass, class_id)
    if not access.may_read_class(current_user, klass):
        abort(404)
    monday = _week_start(request.args.get("week"))
    days = [monday + dt.timedelta(days=i) for i in range(6)]
    course_ids = db.session.scalars(select(Course.id).where(Course.class_id == klass.id)).all()
    lessons = db.session.scalars(select(Lesson).where(Lesson.course_id.in_(course_ids or [0]),
                                                      Lesson.day >= monday, Lesson.day <= days[-1])
                                 .order_by(Lesson.day, Lesson.number)).all()
    students = roster(klass.id, None, monday, days[-1])
    att = {(a.lesson_id, a.student_id): a for a in db.session.scalars(
        select(Attendance).where(Attendance.lesson_id.in_([les.id for les in lessons] or [0])))}
    return render("journal/attendance.html", klass=klass, days=days, lessons=lessons, students=students, att=att,
                  week=calendar.iso_week(monday), prev_week=calendar.iso_week(monday - dt.timedelta(days=7)),
                  next_week=calendar.iso_week(monday + dt.timedelta(days=7)),
                  writable=klass.class_teacher_id == current_user.id)


@bp.route("/attendance/<int:attendance_id>/reason", methods=["POST"])
@allow("class_teacher")
def set_reason(attendance_id: int):
    attendance = get_or_404(Attendance, attendance_id)
    status, message = _versioned_save(
        lambda value, version: set_attendance_reason(current_user, attendance, value, version))
    db.session.refresh(attendance)
    return render("journal/_reason_cell.html", "journal/_reason_cell.html", status=status, a=attendance,
                  writable=True, message=message)


@bp.route("/unlocks", methods=["GET", "POST"])
@allow("admin")
def unlocks():
    """Days opened past the edit window: who opened which, until when, and why."""
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == current_year_id())
                                 .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    form = UnlockForm()
    form.school_class.choices = [SelectChoice(c.id, c.label) for c in classes]
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                open_days(current_user, form.school_class.data, form.first_day.data, form.last_day.data,
                          form.until.data, form.reason.data)
                flash(_("The days are open for changes."), "ok")
                return redirect(url_for("journal.unlocks"), 303)
            except RegisterError as e:
                db.session.rollback()
                form.form_errors.append(e.message)
        status = 422
    rows = db.session.scalars(select(EditUnlock).order_by(EditUnlock.opened_at.desc()).limit(50)).all()
    labels = {c.id: c.label for c in db.session.scalars(select(SchoolClass).where(
        SchoolClass.id.in_({r.class_id for r in rows if r.class_id} or {0})))}
    return render("journal/unlocks.html", status=status, form=form, rows=rows, labels=labels, now=clock.now(),
                  classes=classes)
