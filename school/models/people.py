"""People and logins: the person is separate from the login (one User per Person)."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.models.base import LANGUAGES, Base, max_length, one_of

STAFF_ROLES = ("admin", "director", "deputy", "teacher", "secretary")
DELIVERY = ("electronic", "paper")
RELATIONS = ("mother", "father", "guardian", "other")


class Person(Base):
    __tablename__ = "persons"
    __table_args__ = (
        max_length("surname", 100), max_length("name", 100), max_length("patronymic", 100),
        max_length("phone", 40), max_length("email", 200),
        CheckConstraint("length(surname) > 0", name="surname_present"),
        CheckConstraint("length(name) > 0", name="name_present"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    surname: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User | None] = relationship(back_populates="person", uselist=False)
    student: Mapped[Student | None] = relationship(back_populates="person", uselist=False)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)

    @property
    def short_name(self) -> str:
        initials = "".join(f"{p[0]}." for p in (self.name, self.patronymic) if p)
        return f"{self.surname} {initials}".strip()


class StaffName(NamedTuple):
    """A member of staff by user id and name, read as plain columns where a page only names them (a substitute,
    the teacher one substitutes for). short_name is Person's."""
    id: int
    surname: str
    name: str
    patronymic: str | None

    short_name = Person.short_name


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        max_length("username", 64),
        CheckConstraint("username = lower(username)", name="username_lower"),
        CheckConstraint("length(username) > 0", name="username_present"),
        one_of("language", LANGUAGES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), unique=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(3), default="ru")
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Copied into each session at login and compared on every request: raising it ends every session.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    person: Mapped[Person] = relationship(back_populates="user", lazy="joined")
    roles: Mapped[list[StaffRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def staff_roles(self) -> set[str]:
        return {r.role for r in self.roles}

    # What access.Login, the request's user as the user loader reads it, answers too.
    @property
    def record(self) -> User:
        return self

    @property
    def first_name(self) -> str:
        return self.person.name

    def end_sessions(self) -> None:
        """Every session of this login, on every device, fails its next request."""
        self.session_version = (self.session_version or 1) + 1

    def deactivate(self) -> None:
        self.active = False
        self.end_sessions()  # so that reactivating the account does not bring old sessions back


class StaffRole(Base):
    """Only staff roles are stored; parent, student and class teacher are derived from relations."""
    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"), one_of("role", STAFF_ROLES))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))


class Student(Base):
    """A pupil; delivery and statement language are the family's choices, kept with the student."""
    __tablename__ = "students"
    __table_args__ = (one_of("delivery", DELIVERY), one_of("statement_language", LANGUAGES))
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), unique=True)
    consent_date: Mapped[dt.date | None] = mapped_column(Date)
    delivery: Mapped[str] = mapped_column(String(12), default="electronic")
    statement_language: Mapped[str] = mapped_column(String(3), default="ru")

    person: Mapped[Person] = relationship(back_populates="student", lazy="joined")
    guardianships: Mapped[list[Guardianship]] = relationship(back_populates="student")


class Guardianship(Base):
    __tablename__ = "guardianships"
    __table_args__ = (UniqueConstraint("guardian_id", "student_id"), one_of("relation", RELATIONS))
    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(10), default="mother")

    guardian: Mapped[Person] = relationship()
    student: Mapped[Student] = relationship(back_populates="guardianships")


class LoginThrottle(Base):
    """One row per username tried: its failures in a row and until when the next check must wait
    (school/auth/limits.py). Counted by an UPDATE of this row, so concurrent attempts cannot all pass."""
    __tablename__ = "login_throttles"
    __table_args__ = (max_length("username", 200), CheckConstraint("failures >= 0", name="failures_not_negative"))
    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class LoginFailure(Base):
    """Failed login attempts per address (the per-address limit counts the accounts among them), in the
    database so that every worker process sees them."""
    __tablename__ = "login_failures"
    __table_args__ = (max_length("username", 200), max_length("address", 64))
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
