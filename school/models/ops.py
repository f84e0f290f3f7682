"""Operations: background jobs with their progress, and the worker's heartbeat."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from school.models.base import Base, max_length, one_of

JOB_KINDS = ("statements", "archive", "check")
JOB_STATES = ("queued", "running", "done", "failed")


class Job(Base):
    """One piece of background work as people see it: what, whose, how far, how it ended. The queue (huey) only
    carries the job's id; this row is what pages poll and what the administrator reads when a job failed."""
    __tablename__ = "jobs"
    __table_args__ = (
        one_of("kind", JOB_KINDS), one_of("state", JOB_STATES),
        CheckConstraint("done >= 0 AND (total IS NULL OR (total >= 0 AND done <= total))", name="progress"),
        CheckConstraint("tries >= 0", name="tries"),
        max_length("result_path", 500), max_length("message", 2000),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    # The last error (or what the job wants its reader to know), in the words of the exception.
    message: Mapped[str | None] = mapped_column(Text)
    # What the job works on (ids and values, JSON), and what it found (JSON; the integrity check's findings).
    params: Mapped[str] = mapped_column(Text, default="{}")
    result: Mapped[str | None] = mapped_column(Text)
    # The file it made, relative to the instance folder.
    result_path: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    tries: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def arguments(self) -> dict:
        return json.loads(self.params or "{}")

    @property
    def findings(self):
        return json.loads(self.result) if self.result else None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.state == "done" else 0)


class WorkerHeartbeat(Base):
    """A row per running worker, touched every 30 s: /readyz tells a dead worker from a quiet one."""
    __tablename__ = "worker_heartbeats"
    __table_args__ = (max_length("name", 200),)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
