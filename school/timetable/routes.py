"""The timetable: a class's week with its editor, the read-only weeks of a teacher and of a room, the year's lessons
generated, and the lessons the timetable no longer gives (keep or move). Thin routes over school.register.timetable
and school.register.changes; plain forms that post and 303 back, htmx swapping one cell in place."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from school import access, clock
from school.access import ANY, allow, get_or_404
from school.extensions import db
from school.htmx import render, wants_partial
from school.models import AcademicYear, SchoolClass, User
from school.queries import current_year_id
from school.register import changes, timetable
from school.register.errors import RegisterError
from school.timetable import service
from school.timetable.forms import WEEK_CHOICES, GenerateForm, KeepForm, MoveForm, PlaceForm, RemoveForm

bp = Blueprint("timetable", __name__, url_prefix="/timetable")

EDITORS = ("admin",)
DECIDERS = ("admin", "deputy")      # changes.keep and changes.move: who may change the day's lessons


def _reader() -> None:
    """Families and the secretary read their timetable elsewhere (the diary): here it is not found."""
    if not service.is_reader(current_user):
        abort(404)


def _current_year() -> AcademicYear | None:
    year_id = current_year_id()
    return db.session.get(AcademicYear, year_id) if year_id else None


def _summary(result: timetable.Regeneration) -> str:
    parts = [ngettext("%(num)d lesson added", "%(num)d lessons added", result.created),
             ngettext("%(num)d removed", "%(num)d removed", result.removed)]
    if result.kept:
        parts.append(ngettext("%(num)d kept because it holds entries: it is listed among the lessons to decide",
                              "%(num)d kept because they hold entries: they are listed among the lessons to decide",
                              len(result.kept)))
    return _("The timetable is saved: %(what)s.", what=", ".join(parts))


# ---------------------------------------------------------------- the index

@bp.route("/")
@allow(ANY)
def index():
    _reader()
    year = _current_year()
    missing = service.missing(year)
    classes = teachers = rooms = []
    if year is not None:
        classes = service.classes_for(current_user, year.id)
        teachers = service.teachers_for(current_user, year.id)
        rooms = service.rooms_of(year.id) if service.may_read_rooms(current_user) else []
    return render("timetable/index.html", year=year, missing=missing, classes=classes, teachers=teachers,
                  rooms=rooms, editor=access.is_admin(current_user), generate_form=GenerateForm())


# ---------------------------------------------------------------- a class's week and its editor

def _class(class_id: int) -> SchoolClass:
    _reader()
    klass = get_or_404(SchoolClass, class_id)
    if not service.may_read_class(current_user, klass):
        abort(404)
    return klass


def _class_page(klass: SchoolClass, status: int = 200, failed: tuple[int, int] | None = None,
                form: PlaceForm | None = None, message: str | None = None):
    year = klass.year
    day = service.parse_day(request.args.get("day") or request.form.get("day"), year)
    saturday = request.args.get("saturday") == "1" or request.form.get("saturday") == "1"
    week = service.class_week(klass, day, saturday)
    editor = access.is_admin(current_user) and year.closed_at is None
    context = dict(klass=klass, year=year, week=week, editor=editor, missing=service.missing(year, klass),
                   names=service.weekday_names(day, week.weekdays), saturday=saturday, failed=failed,
                   failed_form=form, message=message)
    if editor:
        context.update(_editor_context(klass, day))
    return render("timetable/class.html", status=status, **context)


def _editor_context(klass: SchoolClass, day) -> dict:
    courses = service.class_courses(klass)
    course_choices = [(c.id, service.course_choice(c)) for c in courses]
    return dict(valid_from=service.default_from(klass.year), course_options=service.options(course_choices),
                week_options=service.options((c.value, c.label) for c in WEEK_CHOICES),
                joint_choices=service.joint_choices(klass, day, courses))


@bp.route("/classes/<int:class_id>")
@allow(ANY)
def class_week(class_id: int):
    return _class_page(_class(class_id))


def _back(klass: SchoolClass, weekday: int | None = None, number: int | None = None):
    args = {k: v for k, v in (("day", request.form.get("day")), ("saturday", request.form.get("saturday")))
            if v}
    anchor = f"#c{weekday}-{number}" if weekday is not None else ""
    return redirect(url_for("timetable.class_week", class_id=klass.id, **args) + anchor, 303)


def _cell(klass: SchoolClass, weekday: int, number: int, status: int = 200, form: PlaceForm | None = None,
          message: str | None = None, result: timetable.Regeneration | None = None, note: str | None = None):
    """One cell of the class's week, as htmx swaps it in place."""
    day = service.parse_day(request.form.get("day"), klass.year)
    saturday = request.form.get("saturday") == "1"
    week = service.class_week(klass, day, saturday)
    context = _editor_context(klass, day)
    return render("timetable/_cell_answer.html", "timetable/_cell_answer.html", status=status, klass=klass,
                  year=klass.year, week=week, names=service.weekday_names(day, week.weekdays), wd=weekday, n=number,
                  editor=True, failed_form=form, message=message, note=note, link=bool(result and result.kept),
                  failed=(weekday, number) if form is not None else None, saturday=saturday, **context)


@bp.route("/classes/<int:class_id>/place", methods=["POST"])
@allow(*EDITORS)
def place(class_id: int):
    klass = _class(class_id)
    courses = {c.id: c for c in service.class_courses(klass)}
    form = PlaceForm()
    form.course.choices = [SelectChoice(c.id, service.course_choice(c)) for c in courses.values()]
    weekday, number = form.weekday.data, form.number.data
    if not form.validate() or weekday is None or number is None:
        message = _("Please correct the errors in the form.")
        if weekday is None or number is None or form.weekday.errors or form.number.errors:
            abort(422)
        return _refuse(klass, weekday, number, form, message, 422)
    try:
        course = courses[form.course.data]
        joint = None
        if form.joint_with.data:
            joint = service.joint_key(current_user, course, weekday, number, form.joint_with.data)
        draft = timetable.Draft(course=course, weekday=weekday, number=number, room=form.room.data or None,
                                weeks=form.weeks.data, valid_from=form.valid_from.data, joint=joint)
        _slot, result = timetable.place(current_user, draft)
    except RegisterError as e:
        db.session.rollback()
        if e.status == 404:
            abort(404)
        return _refuse(klass, weekday, number, form, e.message, e.status)
    note = _summary(result)
    if form.valid_from.data > service.parse_day(request.form.get("day"), klass.year):
        note += " " + _("The lesson starts on %(date)s: choose that date to see it.",
                        date=form.valid_from.data.strftime("%d.%m.%Y"))
    if wants_partial():
        return _cell(klass, weekday, number, result=result, note=note)
    flash(note, "ok")
    return _back(klass, weekday, number)


def _refuse(klass: SchoolClass, weekday: int, number: int, form: PlaceForm, message: str, status: int):
    if wants_partial():
        return _cell(klass, weekday, number, status, form=form, message=message)
    return _class_page(klass, status, failed=(weekday, number), form=form, message=message)


@bp.route("/classes/<int:class_id>/remove", methods=["POST"])
@allow(*EDITORS)
def remove(class_id: int):
    klass = _class(class_id)
    form = RemoveForm()
    slot = db.session.get(timetable.TimetableSlot, form.slot.data) if form.slot.validate(form) else None
    if slot is None or slot.course.class_id != klass.id:
        abort(404)               # another class's slot, or a forged id
    place_of = (slot.weekday, slot.lesson_number)
    if not form.validate():
        message, result, status = _("Give the date the change starts from."), None, 422
    else:
        try:
            result = timetable.remove(current_user, slot, form.since.data)
            message, status = None, 200
        except RegisterError as e:
            db.session.rollback()
            if e.status == 404:
                abort(404)
            message, result, status = e.message, None, e.status
    weekday, number = place_of
    if wants_partial():
        return _cell(klass, weekday, number, status, message=message, result=result,
                     note=_summary(result) if result is not None else None)
    flash(message or _summary(result), "error" if message else "ok")
    return _back(klass, weekday, number)


# ---------------------------------------------------------------- teachers and rooms (read only)

@bp.route("/teachers/<int:user_id>")
@allow(ANY)
def teacher_week(user_id: int):
    _reader()
    teacher = get_or_404(User, user_id)
    if not service.may_read_teacher(current_user, teacher.id):
        abort(404)
    year = _current_year()
    week = names = None
    if year is not None:
        day = service.parse_day(request.args.get("day"), year)
        week = service.teacher_week(year, teacher, day)
        names = service.weekday_names(day, week.weekdays)
    return render("timetable/view.html", title=_("Timetable of %(name)s", name=teacher.person.short_name),
                  kind="teacher", year=year, week=week, names=names, missing=service.missing(year),
                  here=url_for("timetable.teacher_week", user_id=teacher.id))


@bp.route("/rooms")
@allow(ANY)
def room_week():
    _reader()
    if not service.may_read_rooms(current_user):
        abort(404)
    room = (request.args.get("room") or "").strip()
    year = _current_year()
    if not room or len(room) > 20 or year is None:
        abort(404)
    day = service.parse_day(request.args.get("day"), year)
    week = service.room_week(year, room, day)
    return render("timetable/view.html", title=_("Timetable of room %(room)s", room=room), kind="room", year=year,
                  week=week, names=service.weekday_names(day, week.weekdays), missing=service.missing(year),
                  here=url_for("timetable.room_week", room=room))


# ---------------------------------------------------------------- the year's lessons

@bp.route("/generate", methods=["POST"])
@allow(*EDITORS)
def generate():
    form = GenerateForm()
    year = _current_year()
    if year is None:
        abort(404)
    if not form.validate():
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for("timetable.index"), 303)
    try:
        result = timetable.generate(current_user, year.id)
    except RegisterError as e:
        db.session.rollback()
        if e.status == 404:
            abort(404)
        flash(e.message, "error")
        return redirect(url_for("timetable.index"), 303)
    flash(_summary(result), "ok")
    return redirect(url_for("timetable.orphans" if result.kept else "timetable.index"), 303)


@bp.route("/orphans")
@allow(*access.ADMINISTRATION)
def orphans():
    year = _current_year()
    rows = service.holdings(timetable.orphans(year.id)) if year is not None else []
    return render("timetable/orphans.html", year=year, rows=rows, missing=service.missing(year),
                  decider=access.may_assign_substitutes(current_user), move_form=MoveForm(formdata=None),
                  keep_form=KeepForm(formdata=None), today=clock.today())


def _orphan(lesson_id: int):
    year = _current_year()
    if year is None:
        abort(404)
    try:
        return service.orphan_or_404(lesson_id, year.id)
    except RegisterError:
        abort(404)


@bp.route("/orphans/<int:lesson_id>/keep", methods=["POST"])
@allow(*DECIDERS)
def keep(lesson_id: int):
    lesson = _orphan(lesson_id)
    form = KeepForm()
    if not form.validate():
        flash(_("Please correct the errors in the form."), "error")
        return redirect(url_for("timetable.orphans"), 303)
    try:
        changes.keep(current_user, lesson, form.version.data)
        flash(_("The lesson of %(date)s is kept as an extra lesson.", date=lesson.day.strftime("%d.%m.%Y")), "ok")
    except RegisterError as e:
        db.session.rollback()
        if e.status == 404:
            abort(404)
        flash(e.message, "error")
    return redirect(url_for("timetable.orphans"), 303)


@bp.route("/orphans/<int:lesson_id>/move", methods=["POST"])
@allow(*DECIDERS)
def move(lesson_id: int):
    lesson = _orphan(lesson_id)
    form = MoveForm()
    if not form.validate():
        errors = [e for f in form for e in f.errors]
        flash(" ".join(map(str, errors)) or _("Please correct the errors in the form."), "error")
        return redirect(url_for("timetable.orphans") + f"#l{lesson.id}", 303)
    try:
        changes.move(current_user, lesson, form.day.data, form.number.data, form.reason.data, form.version.data)
        flash(_("The lesson is moved to %(date)s, lesson %(number)d.", date=form.day.data.strftime("%d.%m.%Y"),
                number=form.number.data), "ok")
    except RegisterError as e:
        db.session.rollback()
        if e.status == 404:
            abort(404)
        flash(e.message, "error")
        return redirect(url_for("timetable.orphans") + f"#l{lesson.id}", 303)
    return redirect(url_for("timetable.orphans"), 303)

