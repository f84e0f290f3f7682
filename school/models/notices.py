"""Notices to families by e-mail: the outbox the worker sends from, the families' choices, the tasks' marks."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from school.models.base import LANGUAGES, Base, max_length, one_of

NOTICE_KINDS = ("absence", "digest", "result", "timetable", "message")
OUTBOX_STATES = ("queued", "sending", "sent", "failed")


class OutboxMessage(Base):
    """One e-mail to one address, written in the same transaction as the fact that causes it (a rolled-back
    cause leaves no row) and sent by the worker (school/notices/outbox.py).

    The idempotency key names the notice (kind, guardian, student, day…): UNIQUE, so the same notice is never
    queued twice however often its task runs. A row is sent by whoever moves it queued -> sending in one
    compare-and-set UPDATE, so two workers never send it twice."""
    __tablename__ = "outbox"
    __table_args__ = (
        one_of("kind", NOTICE_KINDS), one_of("state", OUTBOX_STATES), one_of("language", LANGUAGES),
        max_length("idempotency_key", 200), max_length("to_address", 200), max_length("subject", 300),
        max_length("last_error", 2000), max_length("unsubscribe_url", 500), max_length("text", 100_000), max_length("html", 200_000),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("length(idempotency_key) > 0", name="key_present"),
        CheckConstraint("length(to_address) > 2", name="to_present"),
        CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name="sent_when_sent"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(3))
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # The address that turns this kind off for this family (List-Unsubscribe); none for the school's own mail.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # When the current series of tries began (created, or resent by the administrator): giving up counts from it.
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    sending_since: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class NoticePreference(Base):
    """A family's choice for one kind of notice (no row: the kind's default, NOTICE_DEFAULTS)."""
    __tablename__ = "notice_preferences"
    __table_args__ = (UniqueConstraint("person_id", "kind"), one_of("kind", NOTICE_KINDS))
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    enabled: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class NoticeMark(Base):
    """How far a periodic notice task has read its facts (the results task: period marks set up to `upto`)."""
    __tablename__ = "notice_marks"
    __table_args__ = (max_length("name", 40),)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    upto: Mapped[dt.datetime] = mapped_column(DateTime)


# ---------------------------------------------------------------- messages between families and teachers

MESSAGE_MAX = 2000
TOPIC_MAX = 200


class MessageThread(Base):
    """A conversation about one student between the student's family (their guardians; the student too when
    include_student) and one member of staff. Every message is kept: nothing here is ever deleted by a user."""
    __tablename__ = "message_threads"
    __table_args__ = (max_length("topic", TOPIC_MAX), CheckConstraint("length(topic) > 0", name="topic_present"))
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(TOPIC_MAX))
    include_student: Mapped[bool] = mapped_column(Boolean, default=False)
    started_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_message_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (CheckConstraint(f"length(body) > 0 AND length(body) <= {MESSAGE_MAX}", name="body_length"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class MessageRead(Base):
    """The read receipt: who opened a message, first when."""
    __tablename__ = "message_reads"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[dt.datetime] = mapped_column(DateTime)
