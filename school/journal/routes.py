"""The teacher's journal: the grid, cell saves, the lesson header, period marks, the class's attendance."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from school import clock
from school.access import allow, get_or_404, user_roles
from school.extensions import db
from school.htmx import render
from school.journal import bp, service
from school.journal.forms import CellForm, LessonForm, VersionedChoiceForm
from school.models import Attendance, Course, Lesson, Period, SchoolClass
from school.queries import current_year_id

READERS = ("teacher", "class_teacher", "admin", "director", "deputy")


def _readable_course(course_id) -> Course:
    course = get_or_404(Course, course_id)
    if not service.can_read_course(current_user, course, user_roles()):
        abort(404)
    return course


def _period(course: Course, period_id=None) -> tuple[Period, list[Period]]:
    periods = service.periods_for(course)
    if not periods:
        abort(404)
    if period_id is not None:
        chosen = next((p for p in periods if str(p.id) == str(period_id)), None)
        if chosen is None:
            abort(404)
        return chosen, periods
    return service.period_containing(periods, clock.today()), periods


@bp.route("/")
@allow(*READERS)
def index():
    year_id = current_year_id()
    roles = user_roles()
    mine = db.session.scalars(select(Course).where(Course.year_id == year_id, Course.teacher_id == current_user.id)
                              .order_by(Course.class_id, Course.subject_id)).all()
    classes = []
    if roles & {"admin", "director", "deputy"}:
        classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year_id)
                                     .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    elif "class_teacher" in roles:
        classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year_id,
                                                               SchoolClass.class_teacher_id == current_user.id)).all()
    class_courses = {c.id: db.session.scalars(select(Course).where(Course.class_id == c.id)
                                              .order_by(Course.subject_id)).all() for c in classes}
    return render("journal/index.html", mine=mine, classes=classes, class_courses=class_courses)


@bp.route("/courses/<int:course_id>")
@allow(*READERS)
def grid(course_id: int):
    course = _readable_course(course_id)
    period, periods = _period(course, request.args.get("period"))
    data = service.grid(course, period)
    today = clock.today()
    writable = course.teacher_id == current_user.id
    substituted = {les.id for les in data["lessons"] if les.substitute_id == current_user.id}
    open_days = service.editable_days(course, {les.day for les in data["lessons"]})
    focus = next((les.id for les in data["lessons"] if les.day == today), None) or (
        data["lessons"][-1].id if data["lessons"] else None)
    return render("journal/grid.html", course=course, period=period, periods=periods, today=today,
                  writable=writable, substituted=substituted, open_days=open_days, focus=focus,
                  lesson_codes=service.lesson_codes(course), period_codes=service.period_codes(course),
                  takes_marks=course.attested and course.assessment != "unmarked",
                  marked=lambda day: service.course_takes_marks(course, day),
                  kinds={k.id: k for k in service.work_kinds()}, **data)


def _writable_lesson(lesson_id) -> Lesson:
    lesson = db.session.scalar(select(Lesson).options(joinedload(Lesson.course)).where(Lesson.id == lesson_id))
    if lesson is None:
        abort(404)
    course = lesson.course
    if service.can_write_lesson(current_user, lesson, course):
        return lesson
    if service.can_read_course(current_user, course, user_roles()):
        abort(403)  # may read this course, not write it
    abort(404)


def _cell_response(lesson: Lesson, student_id: int, cell: service.Cell, status: int = 200, message: str | None = None):
    course = lesson.course
    stats = service.stats_around(course, lesson.day, student_id)
    return render("journal/_cell_saved.html", "journal/_cell_saved.html", status=status, lesson=lesson,
                  student_id=student_id, saved=cell, stats=stats, message=message, writable=True,
                  open_day=True, enrolled=True, marked=service.course_takes_marks(course, lesson.day),
                  kinds={k.id: k for k in service.work_kinds()})


@bp.route("/lessons/<int:lesson_id>/students/<int:student_id>", methods=["POST"])
@allow("teacher")
def save_cell(lesson_id: int, student_id: int):
    lesson = _writable_lesson(lesson_id)
    form = CellForm()
    if not form.validate():
        cell = service.cell_of(lesson, student_id)
        return _cell_response(lesson, student_id, cell, 422, _("Please correct the errors in the form."))
    try:
        cell = service.save_cell(current_user, lesson, student_id, form.action.data.strip(), form.version.data,
                                 form.slot.data or 1, form.work_kind.data,
                                 form.comment.data if "comment" in request.form else None)
    except service.NotFound:
        abort(404)
    except service.JournalError as e:
        db.session.rollback()
        return _cell_response(lesson, student_id, service.cell_of(lesson, student_id), e.status, e.message)
    return _cell_response(lesson, student_id, cell)


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
@allow(*READERS, write=("teacher",))
def edit_lesson(lesson_id: int):
    lesson = get_or_404(Lesson, lesson_id)
    course = lesson.course
    if not service.can_read_course(current_user, course, user_roles()):
        abort(404)
    form = LessonForm(obj=None if request.method == "POST" else lesson,
                      work_kind=lesson.work_kind_id, substitute=lesson.substitute_id)
    form.work_kind.choices = [SelectChoice("", "—")] + [SelectChoice(k.id, k.name(_lang()))
                                                         for k in service.work_kinds()]
    form.substitute.choices = [SelectChoice("", "—")] + [SelectChoice(t.id, t.person.short_name)
                                                          for t in service.teachers() if t.id != course.teacher_id]
    status, message = 200, None
    if request.method == "POST":
        if not service.can_write_lesson(current_user, lesson, course):
            abort(403)
        if form.validate():
            try:
                service.update_lesson(current_user, lesson, form.topic.data, form.homework.data, form.work_kind.data,
                                      form.substitute.data, form.state.data)
                if not request.headers.get("HX-Request"):
                    return redirect(url_for("journal.grid", course_id=course.id) + f"#h{lesson.id}")
                return render("journal/_lesson_head_saved.html", "journal/_lesson_head_saved.html", lesson=lesson,
                              kinds={k.id: k for k in service.work_kinds()}, today=clock.today())
            except service.JournalError as e:
                db.session.rollback()
                status, message = e.status, e.message
        else:
            status = 422
    return render("journal/lesson.html", "journal/_lesson_form.html", status=status, form=form, lesson=lesson,
                  course=course, message=message, writable=service.can_write_lesson(current_user, lesson, course))


def _lang() -> str:
    from school.i18n import chosen_language
    return chosen_language()


def _versioned_save(save) -> tuple[int, str | None]:
    """The small value + version form of a period mark or a reason: validate it, run save(value, version),
    and say which status and message to answer with (the fragment shows the current value either way)."""
    form = VersionedChoiceForm()
    if not form.validate():
        return 422, _("Please correct the errors in the form.")
    try:
        save(form.value.data.strip(), form.version.data or 0)
    except service.NotFound:
        abort(404)
    except service.JournalError as e:
        db.session.rollback()
        return e.status, e.message
    return 200, None


@bp.route("/courses/<int:course_id>/periods/<int:period_id>/students/<int:student_id>", methods=["POST"])
@allow("teacher")
def save_period_mark(course_id: int, period_id: int, student_id: int):
    course = get_or_404(Course, course_id)
    if course.teacher_id != current_user.id:
        abort(403 if service.can_read_course(current_user, course, user_roles()) else 404)
    period, _periods = _period(course, period_id)
    status, message = _versioned_save(
        lambda value, version: service.save_period_mark(current_user, course, period, student_id, value, version))
    from school.models import PeriodMark
    pm = db.session.scalar(select(PeriodMark).where(PeriodMark.course_id == course.id, PeriodMark.kind == "period",
                                                    PeriodMark.period_id == period.id,
                                                    PeriodMark.student_id == student_id))
    stats = service.student_stats(course, period, student_id)
    return render("journal/_period_cell.html", "journal/_period_cell.html", status=status, course=course,
                  period=period, student_id=student_id, pm=pm, stats=stats, writable=True, message=message)


def _week_start(value: str | None) -> dt.date:
    if value:
        from school.week import parse_iso_week  # school.week builds on this package
        monday = parse_iso_week(value)
        if monday is None:
            abort(404)
        return monday
    today = clock.today()
    return today - dt.timedelta(days=today.weekday())


@bp.route("/classes/<int:class_id>/attendance")
@allow("class_teacher", "admin", "director", "deputy")
def class_attendance(class_id: int):
    klass = get_or_404(SchoolClass, class_id)
    roles = user_roles()
    if klass.class_teacher_id != current_user.id and not roles & {"admin", "director", "deputy"}:
        abort(404)
    monday = _week_start(request.args.get("week"))
    days = [monday + dt.timedelta(days=i) for i in range(6)]
    courses = db.session.scalars(select(Course).where(Course.class_id == klass.id)).all()
    for c in courses:
        service.ensure_lessons(c, monday, days[-1])
    lessons = db.session.scalars(select(Lesson).where(Lesson.course_id.in_([c.id for c in courses] or [0]),
                                                      Lesson.day >= monday, Lesson.day <= days[-1])
                                 .order_by(Lesson.day, Lesson.number)).all()
    students = service.roster(klass.id, None, monday, days[-1])
    att = {(a.lesson_id, a.student_id): a for a in db.session.scalars(
        select(Attendance).where(Attendance.lesson_id.in_([les.id for les in lessons] or [0])))}
    iso = monday.isocalendar()
    prev_week = (monday - dt.timedelta(days=7)).isocalendar()
    next_week = (monday + dt.timedelta(days=7)).isocalendar()
    return render("journal/attendance.html", klass=klass, days=days, lessons=lessons, students=students, att=att,
                  week=f"{iso.year}-W{iso.week:02d}", prev_week=f"{prev_week.year}-W{prev_week.week:02d}",
                  next_week=f"{next_week.year}-W{next_week.week:02d}",
                  writable=klass.class_teacher_id == current_user.id)


@bp.route("/attendance/<int:attendance_id>/reason", methods=["POST"])
@allow("class_teacher")
def set_reason(attendance_id: int):
    attendance = get_or_404(Attendance, attendance_id)
    klass = attendance.lesson.course.school_class
    if klass.class_teacher_id != current_user.id:
        abort(404)
    status, message = _versioned_save(
        lambda value, version: service.set_reason(current_user, attendance, value, version))
    if status != 200:
        db.session.refresh(attendance)
    return render("journal/_reason_cell.html", "journal/_reason_cell.html", status=status, a=attendance,
                  writable=True, message=message)




@bp.route("/unlocks", methods=["GET", "POST"])
@allow("admin")
def unlocks():
    """Days opened past the edit window: who opened which, until when, and why."""
    from school.journal.forms import UnlockForm
    from school.models import EditUnlock

    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == current_year_id())
                                 .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    form = UnlockForm()
    form.school_class.choices = [SelectChoice(c.id, c.label) for c in classes]
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                service.open_days(current_user, form.school_class.data, form.first_day.data, form.last_day.data,
                                  form.until.data, form.reason.data)
                flash(_("The days are open for changes."), "ok")
                return redirect(url_for("journal.unlocks"))
            except service.JournalError as e:
                db.session.rollback()
                form.form_errors.append(e.message)
        status = 422
    rows = db.session.scalars(select(EditUnlock).order_by(EditUnlock.opened_at.desc()).limit(50)).all()
    labels = {c.id: c.label for c in classes}
    return render("journal/unlocks.html", status=status, form=form, rows=rows, labels=labels, now=clock.now())
