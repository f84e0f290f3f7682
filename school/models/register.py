"""The register: timetable, lessons, the thematic plan, scales, kinds of work, marks, attendance."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, ForeignKeyConstraint, Index, Integer,
                        Numeric, String, Text, UniqueConstraint, and_, literal_column, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.models.base import Base, max_length, one_of

LESSON_STATES = ("held", "cancelled")
ATTENDANCE_CODES = ("absent", "ill", "excused", "late")      # Н, Б, УП, ОП
PERIOD_MARK_KINDS = ("period", "year", "exam", "final")
TOPIC_MAX = 500
HOMEWORK_MAX = 2000
COMMENT_MAX = 500


WEEKS = ("every", "A", "B")     # every week, or alternating weeks A and B


class TimetableSlot(Base):
    """A course's place in the week: weekday, lesson number and room, every week or in week A or B only, from a
    date (valid_from) until another (valid_to, inclusive). Slots of several courses with the same `joint` key at the
    same time are one joint lesson (two classes' physical education together): the clash check accepts them."""
    __tablename__ = "timetable_slots"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday_range"),
        CheckConstraint("lesson_number BETWEEN 0 AND 12", name="number_range"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates"),
        one_of("weeks", WEEKS),
        max_length("room", 20), max_length("joint", 40),
        # The same course twice in one place from the same day is refused by the database too.
        Index("uq_timetable_slots_place", "course_id", "weekday", "lesson_number", "valid_from", "weeks", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    lesson_number: Mapped[int] = mapped_column(Integer)
    room: Mapped[str | None] = mapped_column(String(20))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    weeks: Mapped[str] = mapped_column(String(5), default="every", server_default="every")
    joint: Mapped[str | None] = mapped_column(String(40))

    course = relationship("Course")


class WorkKind(Base):
    __tablename__ = "work_kinds"
    __table_args__ = (
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("mark_deadline_days >= 0", name="deadline"),
        max_length("code", 20),
        *(max_length(f"name_{lang}", 100) for lang in ("ru", "uk", "crh")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_ru: Mapped[str] = mapped_column(String(100))
    name_uk: Mapped[str] = mapped_column(String(100))
    name_crh: Mapped[str] = mapped_column(String(100))
    weight: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("1"))
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    mark_deadline_days: Mapped[int] = mapped_column(Integer, default=2)

    def name(self, lang: str) -> str:
        return getattr(self, f"name_{lang}", None) or self.name_ru


class Lesson(Base):
    """One dated occurrence of a course; topic and homework are the lesson's own record."""
    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("course_id", "day", "number"),
        CheckConstraint("number BETWEEN 0 AND 12", name="number_range"),
        max_length("topic", TOPIC_MAX), max_length("homework", HOMEWORK_MAX),
        one_of("state", LESSON_STATES),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("(moved_from_day IS NULL) = (moved_from_number IS NULL)", name="moved_from"),
        max_length("room", 20),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    number: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str | None] = mapped_column(Text)
    homework: Mapped[str | None] = mapped_column(Text)
    work_kind_id: Mapped[int | None] = mapped_column(ForeignKey("work_kinds.id"))
    substitute_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="held")
    topic_entered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    homework_entered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    room: Mapped[str | None] = mapped_column(String(20))
    # Where the timetable put the lesson before the administration moved it (both NULL: never moved). The
    # generator matches a moved lesson with its timetable place, so regenerating never makes it twice.
    moved_from_day: Mapped[dt.date | None] = mapped_column(Date)
    moved_from_number: Mapped[int | None] = mapped_column(Integer)
    # An extra lesson (or one the administrator kept after the timetable changed): not the timetable's, never
    # removed by regenerating.
    extra: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    course = relationship("Course")
    work_kind: Mapped[WorkKind | None] = relationship()
    substitute = relationship("User")


class PlanItem(Base):
    """A row of the calendar-thematic plan (КТП)."""
    __tablename__ = "plan_items"
    __table_args__ = (UniqueConstraint("course_id", "position"), max_length("topic", TOPIC_MAX),
                      CheckConstraint("hours > 0", name="hours_positive"))
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(Text)
    hours: Mapped[int] = mapped_column(Integer, default=1)


class ScaleValue(Base):
    """A code a grading scale allows; the scales are data (see school/reference.py)."""
    __tablename__ = "scale_values"
    __table_args__ = (UniqueConstraint("scale", "code"), max_length("code", 10))
    id: Mapped[int] = mapped_column(primary_key=True)
    scale: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(10))
    value: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    counts_in_average: Mapped[bool] = mapped_column(Boolean, default=True)
    for_lesson: Mapped[bool] = mapped_column(Boolean, default=True)
    for_period: Mapped[bool] = mapped_column(Boolean, default=True)
    pass_fail: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Mark(Base):
    __tablename__ = "marks"
    __table_args__ = (
        UniqueConstraint("lesson_id", "student_id", "slot"),
        ForeignKeyConstraint(["scale", "code"], ["scale_values.scale", "scale_values.code"]),
        CheckConstraint("slot BETWEEN 1 AND 3", name="slot_range"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("version >= 1", name="version_positive"),
        max_length("comment", COMMENT_MAX),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    slot: Mapped[int] = mapped_column(Integer, default=1)
    scale: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(10))
    work_kind_id: Mapped[int] = mapped_column(ForeignKey("work_kinds.id"))
    weight: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    comment: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(BigInteger, default=1)

    lesson: Mapped[Lesson] = relationship()
    work_kind: Mapped[WorkKind] = relationship()


class MarkChange(Base):
    """Append-only log of every change of a saved mark (000 Приложение 5 п. 3.8)."""
    __tablename__ = "mark_changes"
    __table_args__ = (max_length("old_code", 10), max_length("new_code", 10), max_length("reason", 300))
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    old_code: Mapped[str | None] = mapped_column(String(10))
    new_code: Mapped[str | None] = mapped_column(String(10))
    changed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(String(300))


UNREASONED = "code = 'absent' AND reason IS NULL"


def unreasoned_absences():
    """The condition of ix_attendance_unreasoned for a query: 'absent' written into the SQL, not bound. A bound
    code made PostgreSQL's generic plan of the prepared statement unable to use the partial index, so it planned
    the statement anew on every execution (twice the time of running it)."""
    return and_(Attendance.code == literal_column("'absent'"), Attendance.reason.is_(None))


class Attendance(Base):
    """One row per student and lesson: the subject teacher's code and the class teacher's reason, both kept."""
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("lesson_id", "student_id"),
        one_of("code", ATTENDANCE_CODES),
        CheckConstraint("reason IS NULL OR reason IN ('ill', 'excused', 'unexcused')", name="reason_set"),
        CheckConstraint("(reason IS NULL) = (reason_by IS NULL)", name="reason_author"),
        CheckConstraint("version >= 1", name="version_positive"),
        max_length("note", 300),
        # The absences still waiting for the class teacher's reason (every class teacher's home page asks): a
        # few rows however many years of attendance the school keeps.
        Index("ix_attendance_unreasoned", "lesson_id", sqlite_where=text(UNREASONED),
              postgresql_where=text(UNREASONED)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    set_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(String(10))
    reason_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(BigInteger, default=1)

    lesson: Mapped[Lesson] = relationship()


class EditUnlock(Base):
    """Days opened past the edit window by the administrator."""
    __tablename__ = "edit_unlocks"
    __table_args__ = (
        CheckConstraint("until > opened_at", name="until_after_opened"),
        CheckConstraint("first_day <= last_day", name="dates"),
        CheckConstraint("course_id IS NOT NULL OR class_id IS NOT NULL", name="target"),
        max_length("reason", 300),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    until: Mapped[dt.datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(300))


class PeriodMark(Base):
    """Period, year, exam and final marks, including осв, н/а, зач/незач, безотм."""
    __tablename__ = "period_marks"
    __table_args__ = (
        Index("uq_period_marks_period", "student_id", "course_id", "kind", "period_id", unique=True,
              sqlite_where=text("period_id IS NOT NULL"), postgresql_where=text("period_id IS NOT NULL")),
        Index("uq_period_marks_yearly", "student_id", "course_id", "kind", unique=True,
              sqlite_where=text("period_id IS NULL"), postgresql_where=text("period_id IS NULL")),
        ForeignKeyConstraint(["scale", "code"], ["scale_values.scale", "scale_values.code"]),
        one_of("kind", PERIOD_MARK_KINDS),
        CheckConstraint("(kind = 'period') = (period_id IS NOT NULL)", name="period_for_kind"),
        CheckConstraint("version >= 1", name="version_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    scale: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(10))
    set_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(BigInteger, default=1)


class PeriodMarkChange(Base):
    """Append-only log of every change of a saved period, year, exam or final mark."""
    __tablename__ = "period_mark_changes"
    __table_args__ = (max_length("old_code", 10), max_length("new_code", 10),
                      one_of("kind", PERIOD_MARK_KINDS))
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    old_code: Mapped[str | None] = mapped_column(String(10))
    new_code: Mapped[str | None] = mapped_column(String(10))
    changed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)


LESSON_CHANGE_KINDS = ("substitution", "moved", "cancelled", "restored", "extra")


class LessonChange(Base):
    """Append-only log of the administration's changes of a lesson: substitutions, moves, cancellations (and their
    undoing) and extra lessons, each with its reason."""
    __tablename__ = "lesson_changes"
    __table_args__ = (one_of("kind", LESSON_CHANGE_KINDS), max_length("reason", 300))
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(15))
    old_substitute_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    substitute_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A move: where the lesson was (day, number) and where it went (day above, number).
    number: Mapped[int | None] = mapped_column(Integer)
    from_day: Mapped[dt.date | None] = mapped_column(Date)
    from_number: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(300))
    changed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)

    substitute = relationship("User", foreign_keys=[substitute_id])
    author = relationship("User", foreign_keys=[changed_by])
