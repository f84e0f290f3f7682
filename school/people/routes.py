"""Staff, classes and subgroups, students and guardians, student movement, accounts and credential slips.

Thin routes: a form is parsed here, the change is a function of school/people/service.py (which audits it), and a
refused change comes back as the same page with the message and status 422. A plain POST that succeeds answers
with a 303 redirect; slips and new passwords are shown in the answer of their POST, once."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from school import clock
from school.access import allow, get_or_404, is_admin
from school.extensions import db
from school.htmx import render
from school.i18n import current_language, sort_key
from school.models import (AcademicYear, Guardianship, Person, SchoolClass, StaffRole, Student, Subgroup, Subject,
                           User)
from school.people import service, slips as slip_docs
from school.people.forms import (AdmitForm, ClassForm, ConfirmForm, GuardianForm, LeaveForm, MemberForm,
                                 PersonForm, SlipsForm, StaffForm, StudentForm, SubgroupForm, TransferForm,
                                 UsernameForm)
from school.people.service import FamilyChoice, PeopleError, PersonData
from school.queries import current_year_id

bp = Blueprint("people", __name__, url_prefix="/admin/people")

LIST_LIMIT = 200


def _person_data(form: PersonForm) -> PersonData:
    return PersonData(form.surname.data, form.name.data, form.patronymic.data, form.birth_date.data,
                      form.phone.data, form.email.data)


def _fill_person(form: PersonForm, person: Person) -> None:
    if request.method == "GET":
        for f in service.PERSON_FIELDS:
            getattr(form, f).data = getattr(person, f)


def _refused(template: str, error: str | None = None, **context):
    db.session.rollback()
    return render(template, status=422, error=error or _("Please correct the errors in the form."), **context)


def _year() -> AcademicYear | None:
    year_id = current_year_id()
    return db.session.get(AcademicYear, year_id) if year_id else None


@bp.route("/")
@allow("admin", "secretary")
def index():
    return render("people/index.html", admin=is_admin(current_user))


# ---------------------------------------------------------------- staff

@bp.route("/staff")
@allow("admin")
def list_staff():
    query = request.args.get("q", "")[:100]
    staff = db.session.scalars(service.staff_select(query).limit(LIST_LIMIT)).all()
    return render("people/staff.html", "people/_staff_rows.html", staff=staff, q=query)


@bp.route("/staff/new", methods=["GET", "POST"])
@allow("admin")
def add_staff():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            user, password = service.add_staff(_person_data(form), form.roles.data, form.username.data)
        except PeopleError as e:
            return _refused("people/staff_form.html", str(e), form=form, user=None)
        db.session.commit()
        return slip_docs.answer([service.Slip(user.person, user.username, password, user.language, "staff", [])],
                                "html")
    if form.is_submitted():
        return _refused("people/staff_form.html", form=form, user=None)
    return render("people/staff_form.html", form=form, user=None)


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@allow("admin")
def edit_staff(user_id: int):
    user = get_or_404(User, user_id)
    form = StaffForm(obj=None)
    if request.method == "GET":
        _fill_person(form, user.person)
        form.username.data, form.roles.data = user.username, sorted(user.staff_roles)
    elif form.validate():
        try:
            service.edit_staff(user, _person_data(form), form.roles.data, form.username.data or "")
        except PeopleError as e:
            return _refused("people/staff_form.html", str(e), form=form, user=user)
        db.session.commit()
        flash(_("Saved."), "ok")
        return redirect(url_for("people.list_staff"), 303)
    else:
        return _refused("people/staff_form.html", form=form, user=user)
    return render("people/staff_form.html", form=form, user=user)


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@allow("admin")
def set_active(user_id: int):
    user = get_or_404(User, user_id)
    form = ConfirmForm()
    wanted = request.form.get("active")
    if not form.validate() or wanted not in ("0", "1"):
        abort(422)
    try:
        service.set_active(user, wanted == "1", current_user)
    except PeopleError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for("people.edit_staff", user_id=user.id), 303)
    db.session.commit()
    flash(_("The account is deactivated; its sessions have ended.") if wanted == "0"
          else _("The account is active again."), "ok")
    return redirect(url_for("people.edit_staff", user_id=user.id), 303)


@bp.route("/staff/<int:user_id>/reset", methods=["POST"])
@allow("admin")
def reset_staff_password(user_id: int):
    user = get_or_404(User, user_id)
    if not user.roles or not ConfirmForm().validate():
        abort(404 if not user.roles else 422)
    _, password = service.issue(user.person, reset=True)
    db.session.commit()
    return slip_docs.answer([service.Slip(user.person, user.username, password, user.language, "staff", [])], "html")


# ---------------------------------------------------------------- classes and subgroups

def _teacher_choices() -> list[tuple[int, str]]:
    teachers = db.session.scalars(select(User).join(Person, Person.id == User.person_id)
                                  .where(User.active, User.id.in_(select(StaffRole.user_id)
                                                                  .where(StaffRole.role == "teacher")))
                                  .order_by(Person.surname, Person.name)).all()
    return [(0, "—")] + [(t.id, t.person.full_name) for t in teachers]


@bp.route("/classes")
@allow("admin")
def list_classes():
    year = _year()
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)
                                 .order_by(SchoolClass.grade, SchoolClass.letter)).all() if year else []
    return render("people/classes.html", year=year, classes=classes)


@bp.route("/classes/new", methods=["GET", "POST"])
@allow("admin")
def add_class():
    return _class_page(None)


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@allow("admin")
def edit_class(class_id: int):
    return _class_page(get_or_404(SchoolClass, class_id))


def _class_page(klass: SchoolClass | None):
    year = _year()
    if year is None and klass is None:
        return render("people/classes.html", year=None, classes=[])
    year_id = klass.year_id if klass else year.id
    form = ClassForm(obj=klass if request.method == "GET" else None)
    form.class_teacher.choices = _teacher_choices()
    if klass and request.method == "GET":
        form.class_teacher.data = klass.class_teacher_id or 0
    context = dict(form=form, klass=klass, **(_class_extras(klass) if klass else {}))
    if request.method == "POST":
        if not form.validate():
            return _refused("people/class_form.html", **context)
        try:
            klass = service.save_class(klass, year_id, form.grade.data, form.letter.data,
                                       form.class_teacher.data or None, form.period_scheme.data,
                                       form.marks_from.data)
        except PeopleError as e:
            return _refused("people/class_form.html", str(e), **context)
        db.session.commit()
        flash(_("Saved."), "ok")
        return redirect(url_for("people.edit_class", class_id=klass.id), 303)
    return render("people/class_form.html", **context)


def _subjects() -> list[Subject]:
    lang = current_language()
    return sorted(db.session.scalars(select(Subject)).all(), key=lambda s: sort_key(s.name(lang), lang))


def _class_extras(klass: SchoolClass, subgroup_form: SubgroupForm | None = None) -> dict:
    subjects = _subjects()
    form = subgroup_form or SubgroupForm(formdata=None)
    form.subject.choices = [(s.id, s.name(current_language())) for s in subjects]
    groups = db.session.scalars(select(Subgroup).where(Subgroup.class_id == klass.id)
                                .order_by(Subgroup.subject_id, Subgroup.name)).all()
    names = {s.id: s.name(current_language()) for s in subjects}
    return dict(subgroup_form=form, subgroups=[(g, names.get(g.subject_id, "")) for g in groups],
                students=service.class_students(klass, clock.today()))


@bp.route("/classes/<int:class_id>/subgroups", methods=["POST"])
@allow("admin")
def add_subgroup(class_id: int):
    klass = get_or_404(SchoolClass, class_id)
    form = SubgroupForm()
    extras = _class_extras(klass, form)
    form_c = ClassForm(obj=klass)
    form_c.class_teacher.choices = _teacher_choices()
    context = dict(form=form_c, klass=klass, **extras)
    if not form.validate():
        return _refused("people/class_form.html", **context)
    try:
        group = service.add_subgroup(klass, form.subject.data, form.name.data)
    except PeopleError as e:
        return _refused("people/class_form.html", str(e), **context)
    db.session.commit()
    return redirect(url_for("people.edit_subgroup", subgroup_id=group.id), 303)


@bp.route("/subgroups/<int:subgroup_id>", methods=["GET", "POST"])
@allow("admin")
def edit_subgroup(subgroup_id: int):
    group = get_or_404(Subgroup, subgroup_id)
    klass = db.session.get(SchoolClass, group.class_id)
    form = MemberForm()
    starts = service.period_starts(klass)
    form.day.choices = [(d.isoformat(), d) for d in starts]
    form.student.choices = [(s.id, s.person.full_name) for s in service.class_students(klass)]
    today = clock.today()
    upcoming = [d for d in starts if d >= today]
    if request.method == "GET" and upcoming:
        form.day.data = upcoming[0].isoformat()
    context = dict(group=group, klass=klass, form=form, subject=db.session.get(Subject, group.subject_id),
                   members=service.subgroup_members(group, today), starts=starts)
    if request.method == "POST":
        if not form.validate():
            return _refused("people/subgroup.html", **context)
        try:
            service.move_to_subgroup(group, db.session.get(Student, form.student.data),
                                     dt.date.fromisoformat(form.day.data))
        except PeopleError as e:
            return _refused("people/subgroup.html", str(e), **context)
        db.session.commit()
        flash(_("Saved."), "ok")
        return redirect(url_for("people.edit_subgroup", subgroup_id=group.id), 303)
    return render("people/subgroup.html", **context)


# ---------------------------------------------------------------- students and guardians

@bp.route("/students")
@allow("admin")
def list_students():
    query = request.args.get("q", "")[:100]
    students = db.session.scalars(service.students_select(query).limit(LIST_LIMIT)).all()
    return render("people/students.html", "people/_student_rows.html", students=students, q=query,
                  target="people.edit_student")


def _family(form: StudentForm) -> FamilyChoice:
    return FamilyChoice(form.consent_date.data, form.delivery.data, form.statement_language.data)


@bp.route("/students/new", methods=["GET", "POST"])
@allow("admin")
def add_student():
    return _student_page(None)


@bp.route("/students/<int:student_id>", methods=["GET", "POST"])
@allow("admin")
def edit_student(student_id: int):
    return _student_page(get_or_404(Student, student_id))


def _student_page(student: Student | None):
    form = StudentForm(obj=student if request.method == "GET" else None)
    if student is not None:
        _fill_person(form, student.person)
    context = _student_context(student, form)
    if request.method == "POST":
        if not form.validate():
            return _refused("people/student.html", **context)
        try:
            student = service.save_student(student, _person_data(form), _family(form))
        except PeopleError as e:
            return _refused("people/student.html", str(e), **context)
        db.session.commit()
        flash(_("Saved."), "ok")
        return redirect(url_for("people.edit_student", student_id=student.id), 303)
    return render("people/student.html", **context)


def _student_context(student: Student | None, form: StudentForm, guardian_form: GuardianForm | None = None) -> dict:
    if student is None:
        return dict(form=form, student=None)
    links = db.session.scalars(select(Guardianship).where(Guardianship.student_id == student.id)
                               .order_by(Guardianship.id)).all()
    return dict(form=form, student=student, links=links,
                guardian_form=guardian_form or GuardianForm(formdata=None, prefix="guardian"),
                accounts={p.id: service.account_of(p) for p in [student.person] + [g.guardian for g in links]},
                history=service.history(student))


@bp.route("/students/<int:student_id>/guardians", methods=["POST"])
@allow("admin")
def add_guardian(student_id: int):
    student = get_or_404(Student, student_id)
    guardian_form = GuardianForm(prefix="guardian")
    form = StudentForm(obj=student)
    _fill_person(form, student.person)
    context = _student_context(student, form, guardian_form)
    if not guardian_form.validate():
        return _refused("people/student.html", **context)
    try:
        service.link_guardian(student, guardian_form.relation.data, data=_person_data(guardian_form))
    except PeopleError as e:
        return _refused("people/student.html", str(e), **context)
    db.session.commit()
    flash(_("The guardian is linked."), "ok")
    return redirect(url_for("people.edit_student", student_id=student.id), 303)


@bp.route("/guardianships/<int:guardianship_id>/remove", methods=["POST"])
@allow("admin")
def remove_guardian(guardianship_id: int):
    link = get_or_404(Guardianship, guardianship_id)
    if not ConfirmForm().validate():
        abort(422)
    student_id = link.student_id
    service.unlink_guardian(link)
    db.session.commit()
    return redirect(url_for("people.edit_student", student_id=student_id), 303)


@bp.route("/persons/<int:person_id>", methods=["GET", "POST"])
@allow("admin")
def edit_person(person_id: int):
    """A guardian's name and contacts (students and staff have their own pages)."""
    person = get_or_404(Person, person_id)
    form = PersonForm()
    _fill_person(form, person)
    links = db.session.scalars(select(Guardianship).where(Guardianship.guardian_id == person.id)).all()
    account = service.account_of(person)
    context = dict(form=form, person=person, links=links, account=account,
                   username_form=UsernameForm(formdata=None, data={"username": account.username} if account else {}))
    if request.method == "POST":
        if not form.validate():
            return _refused("people/person.html", **context)
        try:
            service.edit_guardian(person, _person_data(form))
        except PeopleError as e:
            return _refused("people/person.html", str(e), **context)
        db.session.commit()
        flash(_("Saved."), "ok")
        return redirect(url_for("people.edit_person", person_id=person.id), 303)
    return render("people/person.html", **context)


@bp.route("/persons/<int:person_id>/username", methods=["POST"])
@allow("admin")
def rename_account(person_id: int):
    person = get_or_404(Person, person_id)
    user = service.account_of(person)
    if user is None:
        abort(404)
    form = UsernameForm()
    error = None
    if form.validate():
        try:
            service.rename_account(user, form.username.data)
        except PeopleError as e:
            error = str(e)
    else:
        error = _("Please correct the errors in the form.")
    if error:
        db.session.rollback()
        return render("errors/error.html", status=422, code=422, message=error)
    db.session.commit()
    flash(_("Saved."), "ok")
    return redirect(request.form.get("back") == "student" and person.student
                    and url_for("people.edit_student", student_id=person.student.id)
                    or url_for("people.edit_person", person_id=person.id), 303)


# ---------------------------------------------------------------- student movement

@bp.route("/movement")
@allow("admin", "secretary")
def movement():
    query = request.args.get("q", "")[:100]
    students = db.session.scalars(service.students_select(query).limit(LIST_LIMIT)).all()
    return render("people/movement.html", "people/_student_rows.html", students=students, q=query,
                  target="people.student_history")


def _year_classes(year_id: int | None) -> list[tuple[int, str]]:
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year_id)
                                 .order_by(SchoolClass.grade, SchoolClass.letter)).all() if year_id else []
    return [(c.id, c.label) for c in classes]


def _movement_forms(admit=None, transfer=None, leave=None) -> dict:
    admit = admit or AdmitForm(formdata=None, prefix="admit")
    transfer = transfer or TransferForm(formdata=None, prefix="transfer")
    leave = leave or LeaveForm(formdata=None, prefix="leave")
    choices = _year_classes(current_year_id())
    admit.school_class.choices = transfer.school_class.choices = choices
    return dict(admit_form=admit, transfer_form=transfer, leave_form=leave)


def _history_context(student: Student, **forms) -> dict:
    return dict(student=student, history=service.history(student),
                current=service.current_enrolment(student, clock.today()), **_movement_forms(**forms))


@bp.route("/students/<int:student_id>/movement")
@allow("admin", "secretary")
def student_history(student_id: int):
    student = get_or_404(Student, student_id)
    return render("people/history.html", **_history_context(student))


@bp.route("/students/<int:student_id>/movement/<any(admit,transfer,leave):move>", methods=["POST"])
@allow("admin", "secretary")
def move_student(student_id: int, move: str):
    student = get_or_404(Student, student_id)
    form = {"admit": AdmitForm, "transfer": TransferForm, "leave": LeaveForm}[move](prefix=move)
    context = _history_context(student, **{move: form})
    if not form.validate():
        return _refused("people/history.html", **context)
    try:
        if move == "leave":
            service.leave(student, form.day.data, form.order.data, form.reason.data)
        else:
            klass = db.session.get(SchoolClass, form.school_class.data)
            if move == "admit":
                service.admit(student, klass, form.day.data, form.order.data)
            else:
                service.transfer(student, klass, form.day.data, form.order.data, form.reason.data)
    except PeopleError as e:
        return _refused("people/history.html", str(e), **context)
    db.session.commit()
    flash(_("Saved."), "ok")
    return redirect(url_for("people.student_history", student_id=student.id), 303)


# ---------------------------------------------------------------- accounts and credential slips

def _slips_class(class_id: int) -> SchoolClass:
    """The administrator any class; the class teacher only their own (000 п. 3.2); another class is a 404."""
    klass = get_or_404(SchoolClass, class_id)
    if not (klass.class_teacher_id == current_user.id or is_admin(current_user)):
        abort(404)
    return klass


def _slips_context(klass: SchoolClass, form: SlipsForm) -> dict:
    family = service.class_family(klass)
    return dict(klass=klass, form=form, family=family,
                accounts={p.id: service.account_of(p) for p, _kind, _kids in family})


@bp.route("/classes/<int:class_id>/slips", methods=["GET", "POST"])
@allow("admin", "class_teacher")
def class_slips(class_id: int):
    """GET lists the people and their accounts and writes nothing. POST creates the missing accounts of the chosen
    people (reset=1: also gives the existing ones a new one-time password) and answers with the slips, the only
    time their passwords are shown."""
    klass = _slips_class(class_id)
    form = SlipsForm()
    context = _slips_context(klass, form)
    if request.method == "GET":
        return render("people/slips.html", **context)
    if not form.validate():
        return _refused("people/slips.html", **context)
    try:
        made = service.slips(klass, set(form.person.data), form.reset.data == "1")
    except PeopleError as e:
        if any(p not in {person.id for person, _k, _c in context["family"]} for p in form.person.data):
            abort(404)
        return _refused("people/slips.html", str(e), **context)
    if not made:
        return _refused("people/slips.html", _("These people have accounts already: to print new slips for them, "
                                               "reset their passwords with the second button."), **context)
    db.session.commit()
    return slip_docs.answer(made, form.output.data, klass)
