from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from school import clock
from school.access import ANY, allow, public, user_roles
from school.admin.setup import first_run_pending
from school.extensions import db
from school.htmx import render
from school.main import queries
from school.models import Student
from school.queries import current_year_id
from school.reports.todo import todo

bp = Blueprint("main", __name__)


# The home page shows the oldest of what a teacher owes the register; the whole list is one link away.
TODO_ON_HOME = 10


@bp.route("/todo")
@allow("teacher", "class_teacher")
def todo_list():
    leads = "class_teacher" in user_roles()
    return render("main/todo.html", todo=todo(current_user.id, current_year_id(), leads), todo_shown=None)


@bp.route("/healthz")
@public
def healthz():
    return {"status": "ok"}


@bp.route("/")
@allow(ANY)
def home():
    day = clock.today()
    roles = user_roles()
    if "admin" in roles and first_run_pending():
        # The first run: the administrator of a school not yet set up is led through the set-up.
        return redirect(url_for("admin.setup"))
    context = dict(day=day, roles=roles)
    if "teacher" in roles:
        context["today_lessons"] = queries.teacher_day(current_user.id, day)
    if roles & {"teacher", "class_teacher"}:
        context["todo"] = todo(current_user.id, current_year_id(), "class_teacher" in roles)
        context["todo_shown"] = TODO_ON_HOME
    if "parent" in roles:
        context["children"] = queries.children_of(current_user.person_id, day)
    student_id = "student" in roles and db.session.scalar(select(Student.id).where(
        Student.person_id == current_user.person_id))
    if student_id:
        context["own_class"] = queries.current_class(student_id, day)
        context["own_student_id"] = student_id
        context["school_day"] = queries.next_school_day(student_id, day)
    if roles & {"admin", "director", "deputy", "secretary"}:
        context["overview"] = queries.school_overview(current_year_id(), day)
    return render("main/home.html", **context)
