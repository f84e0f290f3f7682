"""Imports from the school's own spreadsheets: each upload and each apply is an ImportRun; staff roles wait in
PendingStaffRole until the accounts screen gives the person a login."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from school.models.base import Base, max_length, one_of
from school.models.people import STAFF_ROLES

IMPORT_KINDS = ("people", "staff", "classes", "timetable")
# previewed: the file is kept and shown; applied: written; refused: an apply found errors and wrote nothing.
IMPORT_STATES = ("previewed", "applied", "refused")


class ImportRun(Base):
    __tablename__ = "import_runs"
    __table_args__ = (
        one_of("kind", IMPORT_KINDS), one_of("state", IMPORT_STATES),
        max_length("file_name", 255), max_length("stored_name", 80),
        CheckConstraint("length(sha256) = 64", name="sha256_len"),
        CheckConstraint("rows_new >= 0 AND rows_updated >= 0 AND rows_unchanged >= 0 AND rows_error >= 0",
                        name="counts"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="previewed")
    file_name: Mapped[str] = mapped_column(String(255))
    # The uploaded file in the instance folder under a random name (None for the command line, which reads the
    # administrator's own file).
    stored_name: Mapped[str | None] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rows_new: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_error: Mapped[int] = mapped_column(Integer, default=0)
    # A timetable import's choices (JSON: the first day of its slots and the matches chosen by hand), saved by a
    # POST of the preview so that the confirmation writes what the administrator saw.
    options: Mapped[str | None] = mapped_column(Text)


class PendingStaffRole(Base):
    """A staff role of a person imported before they have a login (StaffRole belongs to a User): the accounts
    screen moves these into StaffRole when it creates the User (school.imports.accounts.create_account)."""
    __tablename__ = "pending_staff_roles"
    __table_args__ = (UniqueConstraint("person_id", "role"), one_of("role", STAFF_ROLES))
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
