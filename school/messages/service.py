"""Messages between families and teachers: who may write to whom about which child, threads, read receipts.

A thread is about one student, between the student's family (every guardian; the student too when the thread
includes them) and one member of staff who teaches the student's class or is its class teacher. Nobody else
reads it, except the administrator for a complaint — and that reading is audited. Every message is kept.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace

from flask import current_app, g, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape
from sqlalchemy import and_, bindparam, exists, func, or_, select

from school import access, audit, clock
from school.extensions import db
from school.models import (Course, Enrolment, Guardianship, Message, MessageRead, MessageThread,
                           School, SchoolClass, Student, User)
from school.models.notices import MESSAGE_MAX as MESSAGE_MAX_LENGTH
from school.queries import current_year_id
from school.register.roster import enrolled_on

TOPIC_MAX_LENGTH = 200


class MessageError(ValueError):
    """Bad input or a limit reached; the message is translated."""


# ---------------------------------------------------------------- who writes to whom

def current_class(student_id: int) -> SchoolClass | None:
    year_id = current_year_id()
    return db.session.scalar(select(SchoolClass).join(Enrolment, Enrolment.class_id == SchoolClass.id).where(
        Enrolment.student_id == student_id, SchoolClass.year_id == year_id, enrolled_on(clock.today())))


def teachers_of(student: Student) -> list[User]:
    """The staff a family may write to about the student: the class teacher and every teacher of the class."""
    klass = current_class(student.id)
    if klass is None:
        return []
    ids = set(db.session.scalars(select(Course.teacher_id).where(Course.class_id == klass.id,
                                                                 Course.teacher_id.is_not(None))))
    if klass.class_teacher_id:
        ids.add(klass.class_teacher_id)
    users = db.session.scalars(select(User).where(User.id.in_(ids or [0]), User.active.is_(True))).all()
    return sorted(users, key=lambda u: (u.id != klass.class_teacher_id, u.person.surname, u.person.name))


def teaches(user: User, student: Student) -> bool:
    return any(t.id == user.id for t in teachers_of(student))


def students_taught(user: User) -> list[Student]:
    """The students of the classes the user teaches or leads this year, by class and surname."""
    year_id = current_year_id()
    classes = select(Course.class_id).where(Course.teacher_id == user.id, Course.year_id == year_id).union(
        select(SchoolClass.id).where(SchoolClass.class_teacher_id == user.id, SchoolClass.year_id == year_id))
    from school.models import Person
    return db.session.scalars(
        select(Student).join(Enrolment, Enrolment.student_id == Student.id).join(Person, Person.id == Student.person_id)
        .where(Enrolment.class_id.in_(classes), enrolled_on(clock.today()))
        .order_by(Enrolment.class_id, Person.surname, Person.name)).unique().all()


def is_guardian(user: User, student_id: int) -> bool:
    return db.session.scalar(select(exists().where(Guardianship.guardian_id == user.person_id,
                                                   Guardianship.student_id == student_id)))


def is_the_student(user: User, student_id: int) -> bool:
    return db.session.scalar(select(exists().where(Student.id == student_id, Student.person_id == user.person_id)))


def students_may_write() -> bool:
    school = db.session.get(School, 1)
    return bool(school and school.students_may_write)


def may_read(user: User, thread: MessageThread) -> bool:
    """A participant: the thread's member of staff, a guardian of its student, the student when included."""
    return (thread.teacher_id == user.id or is_guardian(user, thread.student_id)
            or (thread.include_student and is_the_student(user, thread.student_id)))


def may_write(user: User, thread: MessageThread) -> bool:
    if thread.teacher_id == user.id:
        return teaches(user, db.session.get(Student, thread.student_id))
    if is_guardian(user, thread.student_id):
        return True
    return thread.include_student and is_the_student(user, thread.student_id) and students_may_write()


# ---------------------------------------------------------------- writing

def _check_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise MessageError(_("Write the message."))
    if len(body) > MESSAGE_MAX_LENGTH:
        raise MessageError(_("A message has at most %(max)d characters.", max=MESSAGE_MAX_LENGTH))
    return body


def _check_rate(user: User) -> None:
    """At most MESSAGES_PER_HOUR messages an hour per sender (a runaway script, a flood)."""
    limit = current_app.config["MESSAGES_PER_HOUR"]
    since = clock.now() - dt.timedelta(hours=1)
    # A message to the whole class is one message (its threads share its words and its moment).
    written = select(Message.created_at, Message.body).where(Message.author_id == user.id,
                                                            Message.created_at > since).distinct().subquery()
    sent = db.session.scalar(select(func.count()).select_from(written))
    if sent >= limit:
        raise MessageError(ngettext("You have sent %(num)d message in the last hour; write again a little later.",
                                    "You have sent %(num)d messages in the last hour; write again a little later.",
                                    sent))


def start(user: User, student: Student, teacher: User | None, topic: str, body: str,
          include_student: bool = False, together_at: dt.datetime | None = None) -> MessageThread:
    """A new thread with its first message. A family writes to a teacher of the child; a teacher to the
    child's family. Anything else is a NotFound for the route (404)."""
    topic = " ".join((topic or "").split())
    if not topic:
        raise MessageError(_("Give the topic."))
    if len(topic) > TOPIC_MAX_LENGTH:
        raise MessageError(_("A topic has at most %(max)d characters.", max=TOPIC_MAX_LENGTH))
    body = _check_body(body)
    if is_guardian(user, student.id) or (is_the_student(user, student.id) and students_may_write()):
        if teacher is None or not teaches(teacher, student):
            raise LookupError("not a teacher of this student")
        include_student = is_the_student(user, student.id)
        staff = teacher
    elif teaches(user, student):
        staff = user
    else:
        raise LookupError("not this user's student")
    if together_at is None:
        _check_rate(user)
    now = together_at or clock.now()
    thread = MessageThread(student_id=student.id, teacher_id=staff.id, topic=topic, include_student=include_student,
                           started_by=user.id, created_at=now, last_message_at=now)
    db.session.add(thread)
    db.session.flush()
    _add(user, thread, body, now)
    if together_at is None:
        db.session.commit()
    return thread


def class_message(user: User, school_class: SchoolClass, topic: str, body: str) -> int:
    """The class teacher to all families of the class: one thread per student (each family answers in its
    own), all or none in one transaction, counted as one message against the rate limit; how many threads."""
    if school_class.class_teacher_id != user.id:
        raise LookupError("not this class's class teacher")
    _check_rate(user)
    students = db.session.scalars(select(Student).join(Enrolment, Enrolment.student_id == Student.id)
                                  .where(Enrolment.class_id == school_class.id, enrolled_on(clock.today()))).all()
    now = clock.now()  # one moment for all: the rate limit counts the class's message once
    for student in students:
        start(user, student, None, topic, body, together_at=now)
    db.session.commit()
    return len(students)


def reply(user: User, thread: MessageThread, body: str) -> Message:
    if not may_write(user, thread):
        raise LookupError("not a participant")
    body = _check_body(body)
    _check_rate(user)
    now = clock.now()
    message = _add(user, thread, body, now)
    thread.last_message_at = now
    db.session.commit()
    return message


def _add(user: User, thread: MessageThread, body: str, now: dt.datetime) -> Message:
    """The message, its author's own read receipt and the e-mail notices, in one transaction."""
    message = Message(thread_id=thread.id, author_id=user.id, body=body, created_at=now)
    db.session.add(message)
    db.session.flush()
    db.session.add(MessageRead(message_id=message.id, user_id=user.id, read_at=now))
    from school.notices import service as notices
    notices.message_notices(thread, message)
    return message


# ---------------------------------------------------------------- reading

def mark_read(user: User, thread: MessageThread) -> None:
    """The read receipts of a participant who opened the thread (the fact of reading, as the diary's
    acquaintance); the administrator reading for a complaint leaves none (their reading is audited instead)."""
    if not may_read(user, thread):
        return
    now = clock.now()
    unread = db.session.scalars(select(Message.id).where(
        Message.thread_id == thread.id,
        ~exists().where(MessageRead.message_id == Message.id, MessageRead.user_id == user.id))).all()
    for message_id in unread:
        db.session.add(MessageRead(message_id=message_id, user_id=user.id, read_at=now))
    if unread:
        db.session.commit()
        g.pop("_unread", None)  # the page shows the number after this reading


def audit_read(user: User, thread: MessageThread, reason: str) -> None:
    if not access.is_admin(user):
        raise PermissionError("only the administrator reads others' messages")
    reason = " ".join((reason or "").split())
    if not reason:
        raise MessageError(_("Say why you read this conversation (for example, the complaint it concerns)."))
    audit.record("messages.read", f"thread:{thread.id}", reason[:500], user_id=user.id)
    db.session.commit()


def _visible(user: User):
    """SQL: the threads the user takes part in. user: a User, or anything with `id` and `person_id` (bound
    parameters, or the User table's columns: the subqueries then refer to the enclosing query's row)."""
    mine = [MessageThread.teacher_id == user.id,
            MessageThread.student_id.in_(select(Guardianship.student_id).where(
                Guardianship.guardian_id == user.person_id).correlate_except(Guardianship))]
    mine.append(and_(MessageThread.include_student.is_(True), MessageThread.student_id.in_(
        select(Student.id).where(Student.person_id == user.person_id).correlate_except(Student))))
    return or_(*mine)


def unread_of(user):
    """SQL: the number of messages of the user's threads they have not opened. user: anything with `id` and
    `person_id`, bound parameters or the User table's own columns (a subquery of the login's statement)."""
    return (select(func.count(Message.id)).join(MessageThread, MessageThread.id == Message.thread_id)
            .where(_visible(user), ~exists().where(MessageRead.message_id == Message.id,
                                                   MessageRead.user_id == user.id).correlate_except(MessageRead)))


@cache
def _unread_statement():
    """unread_count's query, built once: every page of a family or a teacher shows the number."""
    return unread_of(SimpleNamespace(id=bindparam("user_id"), person_id=bindparam("person_id")))


def remember_unread(user_id: int, count: int) -> None:
    """The request's user's unread number as the user loader read it with the login (access.login_statement)."""
    g._unread = (user_id, count)


def unread_count(user: User) -> int:
    """Messages of the user's threads they have not opened (the navigation's number): the one the login read
    for this request when it did and nothing has been read since, else its own query."""
    known = g.get("_unread")
    if known is not None and known[0] == user.id:
        return known[1]
    return db.session.scalar(_unread_statement(), {"user_id": user.id, "person_id": user.person_id}) or 0


@dataclass
class ThreadRow:
    thread: MessageThread
    student: Student
    teacher: User
    count: int
    unread: int


def inbox(user: User, limit: int = 100) -> list[ThreadRow]:
    threads = db.session.scalars(select(MessageThread).where(_visible(user))
                                 .order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())
                                 .limit(limit)).all()
    ids = [t.id for t in threads] or [0]
    counts = dict(db.session.execute(select(Message.thread_id, func.count(Message.id))
                                     .where(Message.thread_id.in_(ids)).group_by(Message.thread_id)).all())
    unread = dict(db.session.execute(
        select(Message.thread_id, func.count(Message.id)).where(
            Message.thread_id.in_(ids),
            ~exists().where(MessageRead.message_id == Message.id, MessageRead.user_id == user.id))
        .group_by(Message.thread_id)).all())
    students = {s.id: s for s in db.session.scalars(select(Student).where(
        Student.id.in_([t.student_id for t in threads] or [0])))}
    teachers = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_([t.teacher_id for t in threads] or [0])))}
    return [ThreadRow(t, students[t.student_id], teachers[t.teacher_id], counts.get(t.id, 0), unread.get(t.id, 0))
            for t in threads]


@dataclass
class MessageRow:
    message: Message
    author: User
    # When someone other than the author first read it (the read receipt the author sees), or None.
    read_at: dt.datetime | None


def messages(thread: MessageThread) -> list[MessageRow]:
    rows = db.session.scalars(select(Message).where(Message.thread_id == thread.id)
                              .order_by(Message.created_at, Message.id)).all()
    ids = [m.id for m in rows] or [0]
    authors = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({m.author_id for m in rows} or {0})))}
    reads: dict[int, dt.datetime] = {}
    for message_id, author_id, read_at in db.session.execute(
            select(MessageRead.message_id, Message.author_id, MessageRead.read_at)
            .join(Message, Message.id == MessageRead.message_id)
            .where(MessageRead.message_id.in_(ids), MessageRead.user_id != Message.author_id)):
        if message_id not in reads or read_at < reads[message_id]:
            reads[message_id] = read_at
    return [MessageRow(m, authors[m.author_id], reads.get(m.id)) for m in rows]


# ---------------------------------------------------------------- showing a body

LINK = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)


def linkify(body: str) -> Markup:
    """Plain text with its web links made clickable, and nothing else: everything is escaped first."""
    out = []
    last = 0
    for match in LINK.finditer(body):
        url = match.group(0).rstrip(".,;:!?)»")
        end = match.start() + len(url)
        out.append(escape(body[last:match.start()]))
        out.append(Markup('<a href="{0}" rel="nofollow noopener noreferrer">{0}</a>').format(url))
        last = end
    out.append(escape(body[last:]))
    return Markup("").join(out)


def thread_url(thread: MessageThread) -> str:
    return url_for("messages.show_thread", thread_id=thread.id, _external=True)
