"""One row per backup written to one destination (flask school backup): what the administrator's page shows."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from school.models.base import Base, max_length, one_of

OUTCOMES = ("ok", "failed")


class BackupRun(Base):
    __tablename__ = "backup_runs"
    __table_args__ = (
        one_of("outcome", OUTCOMES),
        max_length("destination", 1000), max_length("path", 1000), max_length("message", 2000),
        CheckConstraint("sha256 IS NULL OR length(sha256) = 64", name="sha256_hex"),
        CheckConstraint("size IS NULL OR size >= 0", name="size_not_negative"),
        CheckConstraint("finished_at >= started_at", name="finished_after_start"),
        Index("ix_backup_runs_destination_finished", "destination", "finished_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    destination: Mapped[str] = mapped_column(String(1000))   # the folder as given, absolute
    path: Mapped[str | None] = mapped_column(String(1000))   # the backup's folder inside it (none when it failed early)
    size: Mapped[int | None] = mapped_column(BigInteger)     # bytes of the backup's files, manifest included
    sha256: Mapped[str | None] = mapped_column(String(64))   # of the database file as written (encrypted if it is)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)   # UTC, naive like every DateTime here
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(10))
    message: Mapped[str | None] = mapped_column(Text)
