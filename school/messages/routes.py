"""Messages: the inbox, a new conversation, a thread with its answers; plain HTML, no JavaScript needed."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from school import access
from school.access import allow, get_or_404
from school.extensions import db
from school.htmx import render
from school.messages import service
from school.messages.forms import AuditReadForm, NewThreadForm, ReplyForm
from school.models import MessageThread, SchoolClass, Student, User

bp = Blueprint("messages", __name__, url_prefix="/messages")

PARTICIPANTS = ("parent", "student", "teacher", "class_teacher")
READERS = (*PARTICIPANTS, "admin")


@bp.record_once
def _setup(state) -> None:
    def unread_messages() -> int:
        if not current_user.is_authenticated or not access.has_role(*PARTICIPANTS):
            return 0
        return service.unread_count(current_user)
    state.app.jinja_env.globals.update(unread_messages=unread_messages, linkify=service.linkify)


def _family_side() -> bool:
    return access.has_role("parent", "student") and not access.has_role("teacher", "class_teacher")


@bp.route("/")
@allow(*READERS)
def inbox():
    rows = service.inbox(current_user) if access.has_role(*PARTICIPANTS) else []
    everyone = []
    if access.is_admin(current_user):  # for a complaint: the conversations, not their words
        everyone = db.session.scalars(select(MessageThread).order_by(MessageThread.last_message_at.desc())
                                      .limit(100)).all()
    return render("messages/inbox.html", rows=rows, everyone=everyone, family=_family_side(),
                  may_start=access.has_role("parent", "teacher", "class_teacher") or (
                      access.has_role("student") and service.students_may_write()))


def _students_for_new() -> list[Student]:
    if _family_side():
        students = access.family_students(current_user)
        if "parent" not in access.user_roles(current_user) and not service.students_may_write():
            return []
        return students
    return service.students_taught(current_user)


@bp.route("/new", methods=["GET", "POST"])
@allow("parent", "student", "teacher", "class_teacher")
def new_thread():
    students = _students_for_new()
    chosen = request.values.get("student_id", type=int)
    student = next((s for s in students if s.id == chosen), None)
    if chosen is not None and student is None:
        abort(404)  # another family's child, a student the teacher does not teach, a forged id
    if student is None:
        if len(students) == 1:
            student = students[0]
        else:
            return render("messages/choose.html", students=students, family=_family_side())
    family = _family_side()
    form = NewThreadForm()
    teachers = service.teachers_of(student) if family else []
    klass = service.current_class(student.id)
    form.teacher.choices = [(t.id, _("%(name)s, class teacher", name=t.person.full_name)
                             if klass is not None and t.id == klass.class_teacher_id else t.person.full_name)
                            for t in teachers]
    leads = klass is not None and klass.class_teacher_id == current_user.id
    if family:
        del form.include_student, form.whole_class
    else:
        del form.teacher
        if not leads:
            del form.whole_class
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                if not family and leads and form.whole_class.data:
                    count = service.class_message(current_user, klass, form.topic.data, form.body.data)
                    flash(ngettext("Sent to %(num)d family.", "Sent to %(num)d families.", count), "ok")
                    return redirect(url_for("messages.inbox"), 303)
                teacher = db.session.get(User, form.teacher.data) if family else None
                thread = service.start(current_user, student, teacher, form.topic.data, form.body.data,
                                       include_student=bool(not family and form.include_student.data))
            except LookupError:
                abort(404)
            except service.MessageError as e:
                db.session.rollback()
                form.form_errors.append(str(e))
            else:
                return redirect(url_for("messages.show_thread", thread_id=thread.id), 303)
    return render("messages/new.html", form=form, student=student, family=family, status=status,
                  no_teachers=family and not teachers)


def _thread_or_404(thread_id: int) -> MessageThread:
    thread = get_or_404(MessageThread, thread_id)
    if not service.may_read(current_user, thread):
        abort(404)
    return thread


def _thread_page(thread: MessageThread, form=None, status: int = 200, audited: bool = False):
    student = db.session.get(Student, thread.student_id)
    teacher = db.session.get(User, thread.teacher_id)
    may_write = not audited and service.may_write(current_user, thread)
    return render("messages/thread.html", thread=thread, student=student, teacher=teacher,
                  rows=service.messages(thread), form=form or ReplyForm(), may_write=may_write, status=status,
                  audited=audited)


@bp.route("/<int:thread_id>", methods=["GET", "POST"])
@allow(*READERS, write=PARTICIPANTS)
def show_thread(thread_id: int):
    """GET: the conversation (opening it records the read receipts, as the diary records acquaintance);
    POST: an answer. One rule for both, so that an id past the integer range is a 404 for either method."""
    thread = get_or_404(MessageThread, thread_id)
    if request.method == "POST":
        return _answer(_thread_or_404(thread_id))
    if not service.may_read(current_user, thread):
        if access.is_admin(current_user):
            return render("messages/audit.html", thread=thread, form=AuditReadForm())
        abort(404)
    service.mark_read(current_user, thread)
    return _thread_page(thread)


def _answer(thread: MessageThread):
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            message = service.reply(current_user, thread, form.body.data)
        except LookupError:
            abort(404)
        except service.MessageError as e:
            db.session.rollback()
            form.form_errors.append(str(e))
        else:
            return redirect(url_for("messages.show_thread", thread_id=thread.id, _anchor=f"m{message.id}"), 303)
    return _thread_page(thread, form, status=422)


@bp.route("/<int:thread_id>/audit", methods=["POST"])
@allow("admin")
def audit_read(thread_id: int):
    """The administrator reads a conversation for a complaint: the reading is recorded, with its reason."""
    thread = get_or_404(MessageThread, thread_id)
    form = AuditReadForm()
    if not form.validate_on_submit():
        return render("messages/audit.html", thread=thread, form=form, status=422)
    try:
        service.audit_read(current_user, thread, form.reason.data)
    except service.MessageError as e:
        form.form_errors.append(str(e))
        return render("messages/audit.html", thread=thread, form=form, status=422)
    return _thread_page(thread, audited=True)
