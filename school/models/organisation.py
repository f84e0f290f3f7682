"""The school, its year, periods, holidays, bells, classes, enrolments, subjects, subgroups, courses."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import (DDL, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String,
                        Time, UniqueConstraint, event, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.models.base import Base, max_length, one_of

SCHEMES = ("quarters", "halves", "trimesters")
SCALES = ("five", "twelve")
ASSESSMENT = ("scale", "pass_fail", "unmarked")


class School(Base):
    """One row: the school's settings."""
    __tablename__ = "school"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        *(max_length(f"name_{lang}", 300) for lang in ("ru", "uk", "crh")),
        *(max_length(f"address_{lang}", 300) for lang in ("ru", "uk", "crh")),
        one_of("scale", SCALES),
        CheckConstraint("edit_window_days BETWEEN 1 AND 366", name="edit_window"),
        CheckConstraint("round_up_from > 0 AND round_up_from < 1", name="rounding"),
        CheckConstraint("topic_deadline_days >= 0 AND mark_deadline_days >= 0 AND test_mark_deadline_days >= 0"
                        " AND written_mark_deadline_days >= 0 AND period_mark_deadline_days >= 0"
                        " AND homework_deadline_minutes >= 0", name="deadlines"),
        CheckConstraint("absence_deadline_days >= 0", name="absence_deadline"),
        CheckConstraint("min_marks_for_period BETWEEN 0 AND 50", name="min_marks"),
        CheckConstraint("notice_hour BETWEEN 0 AND 23", name="notice_hour"),
    )
    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name_ru: Mapped[str] = mapped_column(String(300))
    name_uk: Mapped[str] = mapped_column(String(300))
    name_crh: Mapped[str] = mapped_column(String(300))
    address_ru: Mapped[str] = mapped_column(String(300), default="")
    address_uk: Mapped[str] = mapped_column(String(300), default="")
    address_crh: Mapped[str] = mapped_column(String(300), default="")
    scale: Mapped[str] = mapped_column(String(10), default="five")
    edit_window_days: Mapped[int] = mapped_column(Integer, default=14)
    # Fractional part from which a weighted average rounds up to the suggested period mark (4.5 -> 5).
    round_up_from: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("0.50"))
    topic_deadline_days: Mapped[int] = mapped_column(Integer, default=0)
    homework_deadline_minutes: Mapped[int] = mapped_column(Integer, default=60)
    mark_deadline_days: Mapped[int] = mapped_column(Integer, default=2)
    test_mark_deadline_days: Mapped[int] = mapped_column(Integer, default=3)
    written_mark_deadline_days: Mapped[int] = mapped_column(Integer, default=7)
    period_mark_deadline_days: Mapped[int] = mapped_column(Integer, default=2)
    # Absences are entered on the day of the lesson (0) or within this many days after it.
    absence_deadline_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The fewest current marks that justify a period mark (накопляемость); fewer gives the teacher a warning.
    min_marks_for_period: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    # The hour the day's absence notices go to families (after the class teacher could record the reasons).
    notice_hour: Mapped[int] = mapped_column(Integer, default=16, server_default="16")
    # Students may write to their teachers themselves (the families' messages); they always read what is theirs.
    students_may_write: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    def name(self, lang: str) -> str:
        return getattr(self, f"name_{lang}", None) or self.name_ru

    def address(self, lang: str) -> str:
        return getattr(self, f"address_{lang}", None) or self.address_ru


class AcademicYear(Base):
    __tablename__ = "academic_years"
    __table_args__ = (
        CheckConstraint("first_day < last_day", name="dates"),
        max_length("name", 20),
        # At most one current year.
        Index("uq_academic_years_current", "is_current", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Period(Base):
    __tablename__ = "periods"
    __table_args__ = (
        UniqueConstraint("year_id", "scheme", "number"),
        CheckConstraint("first_day < last_day", name="dates"),
        CheckConstraint("number >= 1", name="number_positive"),
        one_of("scheme", SCHEMES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(12))
    number: Mapped[int] = mapped_column(Integer)
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


# Periods of one scheme never overlap and lie inside their year: a CHECK sees one row only, so triggers hold it
# (migration 0008_setup creates the same ones). PostgreSQL locks the year's row first, so two transactions adding
# periods to one year queue instead of each missing the other's uncommitted row.
PERIOD_TRIGGERS = {
    "sqlite": [
        *(f"""CREATE TRIGGER periods_fit_{when} BEFORE {when.upper()} ON periods
BEGIN
  SELECT RAISE(ABORT, 'period outside its academic year') WHERE EXISTS (
    SELECT 1 FROM academic_years y WHERE y.id = NEW.year_id
      AND (NEW.first_day < y.first_day OR NEW.last_day > y.last_day));
  SELECT RAISE(ABORT, 'periods of one scheme overlap') WHERE EXISTS (
    SELECT 1 FROM periods p WHERE p.year_id = NEW.year_id AND p.scheme = NEW.scheme{same}
      AND p.first_day <= NEW.last_day AND p.last_day >= NEW.first_day);
END""" for when, same in (("insert", ""), ("update", " AND p.id <> NEW.id"))),
        """CREATE TRIGGER academic_years_hold_periods BEFORE UPDATE OF first_day, last_day ON academic_years
BEGIN
  SELECT RAISE(ABORT, 'period outside its academic year') WHERE EXISTS (
    SELECT 1 FROM periods p WHERE p.year_id = NEW.id AND (p.first_day < NEW.first_day OR p.last_day > NEW.last_day));
END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION periods_fit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  year_first date;
  year_last date;
BEGIN
  SELECT first_day, last_day INTO year_first, year_last FROM academic_years WHERE id = NEW.year_id FOR UPDATE;
  IF NEW.first_day < year_first OR NEW.last_day > year_last THEN
    RAISE EXCEPTION 'period outside its academic year' USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM periods p WHERE p.year_id = NEW.year_id AND p.scheme = NEW.scheme AND p.id <> NEW.id
             AND p.first_day <= NEW.last_day AND p.last_day >= NEW.first_day) THEN
    RAISE EXCEPTION 'periods of one scheme overlap' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$""",
        "CREATE TRIGGER periods_fit BEFORE INSERT OR UPDATE ON periods FOR EACH ROW EXECUTE FUNCTION periods_fit()",
        """CREATE OR REPLACE FUNCTION academic_years_hold_periods() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM periods p WHERE p.year_id = NEW.id
             AND (p.first_day < NEW.first_day OR p.last_day > NEW.last_day)) THEN
    RAISE EXCEPTION 'period outside its academic year' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$""",
        "CREATE TRIGGER academic_years_hold_periods BEFORE UPDATE OF first_day, last_day ON academic_years"
        " FOR EACH ROW EXECUTE FUNCTION academic_years_hold_periods()",
    ],
}
for _dialect, _statements in PERIOD_TRIGGERS.items():
    for _sql in _statements:  # for schemas built with create_all() (the demo's tests)
        event.listen(Period.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect))


class Holiday(Base):
    __tablename__ = "holidays"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="dates"),
                      *(max_length(f"name_{lang}", 200) for lang in ("ru", "uk", "crh")))
    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id", ondelete="CASCADE"))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_uk: Mapped[str] = mapped_column(String(200))
    name_crh: Mapped[str] = mapped_column(String(200))

    def name(self, lang: str) -> str:
        return getattr(self, f"name_{lang}", None) or self.name_ru


class BellTime(Base):
    __tablename__ = "bell_times"
    __table_args__ = (CheckConstraint("starts < ends", name="times"),
                      CheckConstraint("number BETWEEN 0 AND 12", name="number_range"))
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    starts: Mapped[dt.time] = mapped_column(Time)
    ends: Mapped[dt.time] = mapped_column(Time)


class SchoolClass(Base):
    __tablename__ = "classes"
    __table_args__ = (
        UniqueConstraint("year_id", "grade", "letter"),
        CheckConstraint("grade BETWEEN 1 AND 11", name="grade_range"),
        CheckConstraint("length(letter) BETWEEN 1 AND 2", name="letter_len"),
        CheckConstraint("grade <> 1 OR marks_from IS NULL", name="no_marks_grade1"),
        one_of("period_scheme", SCHEMES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id", ondelete="CASCADE"))
    grade: Mapped[int] = mapped_column(Integer)
    letter: Mapped[str] = mapped_column(String(2))
    class_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    period_scheme: Mapped[str] = mapped_column(String(12), default="quarters")
    # The first day marks are given (grade 2 from its second half); None means no marks at all (grade 1).
    marks_from: Mapped[dt.date | None] = mapped_column(Date)

    year: Mapped[AcademicYear] = relationship()
    class_teacher = relationship("User")

    @property
    def label(self) -> str:
        return f"{self.grade}-{self.letter}"


class Enrolment(Base):
    """A student's stay in a class; movement (admission, leaving, transfer) is a sequence of these."""
    __tablename__ = "enrolments"
    __table_args__ = (
        CheckConstraint("to_day IS NULL OR to_day >= from_day", name="dates"),
        max_length("order_in", 40), max_length("order_out", 40), max_length("reason", 300),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    from_day: Mapped[dt.date] = mapped_column(Date)
    to_day: Mapped[dt.date | None] = mapped_column(Date)
    order_in: Mapped[str | None] = mapped_column(String(40))
    order_out: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(300))

    student = relationship("Student")
    school_class: Mapped[SchoolClass] = relationship()


class Subject(Base):
    __tablename__ = "subjects"
    __table_args__ = (max_length("short", 20), *(max_length(f"name_{lang}", 120) for lang in ("ru", "uk", "crh")))
    id: Mapped[int] = mapped_column(primary_key=True)
    short: Mapped[str] = mapped_column(String(20), unique=True)
    name_ru: Mapped[str] = mapped_column(String(120))
    name_uk: Mapped[str] = mapped_column(String(120))
    name_crh: Mapped[str] = mapped_column(String(120))

    def name(self, lang: str) -> str:
        return getattr(self, f"name_{lang}", None) or self.name_ru


class SubjectNames(NamedTuple):
    """A subject's names read as plain columns (SUBJECT_NAMES) where a page only shows them: no ORM object per
    row. name() is Subject's own."""
    name_ru: str
    name_uk: str | None
    name_crh: str | None

    name = Subject.name

    @classmethod
    def of(cls, row) -> SubjectNames:
        """From a row that selected SUBJECT_NAMES."""
        return cls(row.name_ru, row.name_uk, row.name_crh)


SUBJECT_NAMES = (Subject.name_ru, Subject.name_uk, Subject.name_crh)


class Subgroup(Base):
    __tablename__ = "subgroups"
    __table_args__ = (UniqueConstraint("class_id", "subject_id", "name"), max_length("name", 40))
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    name: Mapped[str] = mapped_column(String(40))


class SubgroupMember(Base):
    __tablename__ = "subgroup_members"
    __table_args__ = (CheckConstraint("to_day IS NULL OR to_day >= from_day", name="dates"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subgroup_id: Mapped[int] = mapped_column(ForeignKey("subgroups.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    from_day: Mapped[dt.date] = mapped_column(Date)
    to_day: Mapped[dt.date | None] = mapped_column(Date)


class Course(Base):
    """One subject taught by one teacher to one class or subgroup in one year."""
    __tablename__ = "courses"
    __table_args__ = (
        # NULL subgroups never collide in a UNIQUE constraint, so whole-class courses get their own index.
        Index("uq_courses_whole_class", "year_id", "class_id", "subject_id", unique=True,
              sqlite_where=text("subgroup_id IS NULL"), postgresql_where=text("subgroup_id IS NULL")),
        UniqueConstraint("year_id", "class_id", "subject_id", "subgroup_id"),
        CheckConstraint("hours_per_week > 0 AND hours_per_week <= 20", name="hours"),
        one_of("assessment", ASSESSMENT),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    subgroup_id: Mapped[int | None] = mapped_column(ForeignKey("subgroups.id", ondelete="CASCADE"))
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(4, 1), default=Decimal("1"))
    # False: the subject is "without attestation" — no marks at all.
    attested: Mapped[bool] = mapped_column(Boolean, default=True)
    # scale: marks of the school's scale; pass_fail: зач/незач; unmarked: безотметочное обучение.
    assessment: Mapped[str] = mapped_column(String(10), default="scale")

    subject: Mapped[Subject] = relationship(lazy="joined")
    teacher = relationship("User")
    school_class: Mapped[SchoolClass] = relationship(lazy="joined")
    subgroup: Mapped[Subgroup | None] = relationship()
