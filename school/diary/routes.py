"""The family diary: plain HTML for cheap phones, no JavaScript, a week in a few kilobytes."""
from __future__ import annotations

import datetime as dt
from functools import cache
from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Date, bindparam, func, select

from school import access, audit, clock, queries, week
from school.access import FamilyStudent, allow
from school.diary.forms import AckForm, FamilyForm
from school.diary.render import attendance_label, day_lessons
from school.extensions import db
from school.htmx import render
from school.register import calendar, scales
from school.register.attendance import tally
from school.models import (Attendance, Course, DiaryView, Guardianship, Holiday, Lesson, Student,
                           Person, Subject, TimetableSlot, User, WorkKind)
from school.queries import current_year_id, plain

bp = Blueprint("diary", __name__, url_prefix="/diary")

FAMILY = ("parent", "student")


def my_students() -> list[FamilyStudent]:
    """The children of a parent, or the student themself; in a fixed order (the first is the default)."""
    return access.family_students(current_user)


def student_or_404(student_id) -> tuple[FamilyStudent, list[FamilyStudent]]:
    students = my_students()
    found = next((s for s in students if str(s.id) == str(student_id)), None)
    if found is None:
        abort(404)
    return found, students


@cache
def _statements() -> SimpleNamespace:
    """The diary pages' own queries, built once with bound parameters (see week._statements)."""
    student_id, first, last = bindparam("student_id"), bindparam("first", type_=Date), bindparam("last", type_=Date)
    return SimpleNamespace(
        visits=select(func.max(DiaryView.viewed_at), func.max(DiaryView.acknowledged_at)).where(
            DiaryView.user_id == bindparam("user_id"), DiaryView.student_id == student_id,
            DiaryView.week_start == bindparam("monday", type_=Date)),
        absences=select(Attendance.code, Attendance.reason, Lesson.day, Lesson.number, Subject)
        .join(Lesson, Lesson.id == Attendance.lesson_id).join(Course, Course.id == Lesson.course_id)
        .join(Subject, Subject.id == Course.subject_id)
        .where(Attendance.student_id == student_id, Lesson.day >= first, Lesson.day <= last)
        .order_by(Lesson.day, Lesson.number))


def _week_start() -> dt.date:
    value = request.args.get("week")
    if value:
        monday = calendar.parse_iso_week(value)
        if monday is None:
            abort(404)
        return monday
    return calendar.week_bounds(clock.today())[0]


def _placement(student: FamilyStudent, also: tuple[dt.date, dt.date] | None = None) -> week.Placement:
    """The student's enrolments a year either side of today (and over the days `also`) with their subgroups: what
    _common and the week both need, read once."""
    day = clock.today()
    first, last = day - dt.timedelta(days=366), day + dt.timedelta(days=366)
    if also:
        first, last = min(first, also[0]), max(last, also[1])
    return week.placement(student.id, first, last)


def _common(student: FamilyStudent, students: list[FamilyStudent], tab: str, enrolments: list | None = None) -> dict:
    day = clock.today()
    if enrolments is None:
        enrolments = _placement(student).enrolments
    klass = week.class_on(enrolments, day) or (enrolments[-1].school_class if enrolments else None)
    return dict(student=student, students=students, tab=tab, klass=klass, no_js=True,
                kinds=scales.work_kinds_by_id(), today=day)


def _period(ctx: dict):
    """The period of today for the marks and attendance pages (the week shows none), of the periods this process
    keeps (queries.periods): the pages only show it."""
    if not ctx["klass"]:
        return None
    return calendar.period_containing(queries.periods(ctx["klass"]), ctx["today"])


@bp.route("/")
@allow(*FAMILY)
def index():
    students = my_students()
    if not students:
        return render("diary/empty.html", no_js=True)
    return _week_page(students[0], students)


@bp.route("/<int:student_id>")
@allow(*FAMILY)
def week_page(student_id: int):
    student, students = student_or_404(student_id)
    return _week_page(student, students)


def _week_title(monday: dt.date, current: dt.date) -> str:
    if monday == current:
        return _("This week")
    if monday == current + dt.timedelta(days=7):
        return _("Next week")
    if monday == current - dt.timedelta(days=7):
        return _("Last week")
    return _("The week of %(first)s – %(last)s", first=format_date(monday, "d MMM"),
             last=format_date(monday + dt.timedelta(days=6), "d MMM y"))


VISIT_MINUTES = 30


def _week_page(student: FamilyStudent, students: list[FamilyStudent], status: int = 200):
    monday = _week_start()
    sunday = monday + dt.timedelta(days=6)
    current = calendar.week_bounds(clock.today())[0]
    placed = _placement(student, (monday, sunday))
    days = week.days(student.id, monday, sunday, placed)
    last_view, acknowledged = plain(_statements().visits, {
        "user_id": current_user.id, "student_id": student.id, "monday": monday}).one()
    now = clock.now()
    # The fact of acquaintance: one row a visit. A refused acknowledgement re-shows the week without counting it,
    # and reloading the same week within VISIT_MINUTES of the last view is the same visit (a phone on a slow
    # network reloads often; each row is a write, and the register's writes share one SQLite writer).
    if status == 200 and (last_view is None or now - last_view > dt.timedelta(minutes=VISIT_MINUTES)):
        db.session.add(DiaryView(user_id=current_user.id, student_id=student.id, week_start=monday, viewed_at=now))
        db.session.commit()
    ctx = _common(student, students, "week", placed.enrolments)
    return render("diary/week.html", status=status, days=[d for d in days if d.date.weekday() < 6 or d.lessons],
                  monday=monday, sunday=sunday, prev_week=calendar.iso_week(monday - dt.timedelta(days=7)),
                  next_week=calendar.iso_week(monday + dt.timedelta(days=7)), this_week=calendar.iso_week(monday),
                  week_title=_week_title(monday, current), future=monday > current,
                  totals=week.totals(days), acknowledged=acknowledged, day_lessons=day_lessons, **ctx)


@bp.route("/<int:student_id>/acknowledge", methods=["POST"])
@allow(*FAMILY, write=("parent",))
def acknowledge(student_id: int):
    student, students = student_or_404(student_id)
    monday = _week_start()
    form = AckForm()
    if not form.validate():
        abort(400)
    if monday > calendar.week_bounds(clock.today())[0]:
        # Nothing of a week to come can have been read yet; the current week may be confirmed as it goes.
        flash(_("A week that has not begun cannot be confirmed yet."), "error")
        return _week_page(student, students, status=422)
    db.session.add(DiaryView(user_id=current_user.id, student_id=student.id, week_start=monday,
                             viewed_at=clock.now(), acknowledged_at=clock.now()))
    db.session.commit()
    flash(_("Thank you: the class teacher sees that you have read this week."), "ok")
    return redirect(url_for("diary.week_page", student_id=student.id, week=calendar.iso_week(monday)))


@bp.route("/<int:student_id>/marks")
@allow(*FAMILY)
def marks(student_id: int):
    student, students = student_or_404(student_id)
    ctx = _common(student, students, "marks")
    period = _period(ctx)
    subjects = []
    if period is not None:
        today = ctx["today"]
        # Every attested subject, pass/fail and unmarked ones too; averages exist for scale subjects only.
        courses, given = week.course_rows_of(student.id, ctx["klass"], today, period.id)
        courses = [c for c in courses if c.attested]
        marks = week.marks_in_period(student.id, courses, period)
        by_course = {a.course.id: a for a in week.subject_averages(courses, marks, min(period.last_day, today))}
        for c in courses:
            period_code, year_code = given[c.id]
            subjects.append(dict(course=c, avg=by_course.get(c.id), marks=[m for m in marks if m.course_id == c.id],
                                 period_mark=period_code, year_mark=year_code))
    return render("diary/marks.html", subjects=subjects, period=period, **ctx)


@bp.route("/<int:student_id>/attendance")
@allow(*FAMILY)
def attendance(student_id: int):
    student, students = student_or_404(student_id)
    ctx = _common(student, students, "attendance")
    period = _period(ctx)
    rows = []
    if period is not None:
        rows = db.session.execute(_statements().absences, {
            "student_id": student.id, "first": period.first_day, "last": period.last_day}).all()
    totals = tally(rows)
    return render("diary/attendance.html", rows=rows, totals=totals, period=period,
                  attendance_label=attendance_label, **ctx)


@bp.route("/<int:student_id>/class")
@allow(*FAMILY)
def class_page(student_id: int):
    student, students = student_or_404(student_id)
    ctx = _common(student, students, "class")
    klass = ctx["klass"]
    courses, slots, holidays, tests, teachers = [], [], [], [], {}
    if klass is not None:
        courses = week.courses_of(student.id, klass, clock.today())
        ids = [c.id for c in courses]
        # The teachers' names in one read, not a query per course.
        teachers = dict(db.session.execute(select(User.id, Person).join(Person, Person.id == User.person_id).where(
            User.id.in_({c.teacher_id for c in courses} | {klass.class_teacher_id}))).all())
        slots = db.session.scalars(select(TimetableSlot).where(TimetableSlot.course_id.in_(ids or [0]))
                                   .order_by(TimetableSlot.weekday, TimetableSlot.lesson_number)).all()
        holidays = db.session.scalars(select(Holiday).where(Holiday.year_id == current_year_id(),
                                                            Holiday.last_day >= clock.today())
                                      .order_by(Holiday.first_day)).all()
        tests = db.session.execute(select(Lesson, WorkKind).join(WorkKind, WorkKind.id == Lesson.work_kind_id).where(
            Lesson.course_id.in_(ids or [0]), WorkKind.is_test.is_(True), Lesson.day >= clock.today(),
            Lesson.state == "held").order_by(Lesson.day, Lesson.number).limit(20)).all()
    timetable: dict[int, list] = {}
    for s in slots:
        timetable.setdefault(s.weekday, []).append(s)
    monday = calendar.week_bounds(clock.today())[0]
    weekday_dates = {wd: monday + dt.timedelta(days=wd - 1) for wd in range(1, 8)}
    return render("diary/class.html", courses=courses, timetable=timetable, holidays=holidays, tests=tests,
                  weekday_dates=weekday_dates, teachers=teachers,
                  course_by_id={c.id: c for c in courses}, **ctx)


@bp.route("/settings", methods=["GET", "POST"])
@allow(*FAMILY, write=("parent",))
def settings():
    family = my_students()
    guarded = set(db.session.scalars(select(Guardianship.student_id).where(
        Guardianship.guardian_id == current_user.person_id)))
    students = [s for s in family if s.id in guarded]
    forms = {s.id: FamilyForm(prefix=f"s{s.id}", obj=s) for s in students}
    status = 200
    if request.method == "POST":
        sid = request.form.get("student", type=int)
        form = forms.get(sid)
        if form is None:
            abort(404)
        form = FamilyForm(prefix=f"s{sid}")
        forms[sid] = form
        if form.validate():
            student = db.session.get(Student, sid)  # one of the guarded students above
            student.delivery = form.delivery.data
            student.statement_language = form.statement_language.data
            audit.record("family_preferences", f"student:{sid}", f"{form.delivery.data} {form.statement_language.data}")
            db.session.commit()
            flash(_("Saved."), "ok")
            return redirect(url_for("diary.settings"))
        status = 422
    return render("diary/settings.html", status=status, forms=forms, students=students, no_js=True,
                  tab="settings", student=students[0] if students else None, all_students=family)
