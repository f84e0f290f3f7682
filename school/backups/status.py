"""The last backup of each destination, for the administrator's page and home page."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import format_decimal, gettext as _, ngettext
from sqlalchemy import func, select

from school.backups.service import utcnow
from school.extensions import db

STALE_AFTER = dt.timedelta(days=1)


@dataclass
class Destination:
    destination: str
    last: object                       # the newest BackupRun of this destination
    last_ok_at: dt.datetime | None     # when its newest good backup finished
    now: dt.datetime

    @property
    def stale(self) -> bool:
        """Warn: no good backup within a day (a failed last run counts only through that)."""
        return self.last_ok_at is None or self.now - self.last_ok_at > STALE_AFTER

    @property
    def age(self) -> str:
        return age_text(self.now - self.last_ok_at) if self.last_ok_at else _("never")


def age_text(delta: dt.timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return ngettext("%(num)d minute ago", "%(num)d minutes ago", minutes)
    if minutes < 48 * 60:
        return ngettext("%(num)d hour ago", "%(num)d hours ago", minutes // 60)
    return ngettext("%(num)d day ago", "%(num)d days ago", minutes // (24 * 60))


def size_text(size: int | None) -> str:
    if size is None:
        return "—"
    return _("%(size)s MB", size=format_decimal(size / 1_000_000, "0.0"))


def destinations(now: dt.datetime | None = None) -> list[Destination]:
    """One row per destination ever backed up to, with two queries whatever their number."""
    from school.models import BackupRun

    now = now or utcnow()
    newest = select(BackupRun.destination, func.max(BackupRun.id).label("id")).group_by(
        BackupRun.destination).subquery()
    last_runs = db.session.scalars(select(BackupRun).join(newest, BackupRun.id == newest.c.id)
                                   .order_by(BackupRun.destination)).all()
    last_ok = dict(db.session.execute(
        select(BackupRun.destination, func.max(BackupRun.finished_at)).where(BackupRun.outcome == "ok")
        .group_by(BackupRun.destination)).all())
    return [Destination(run.destination, run, last_ok.get(run.destination), now) for run in last_runs]


def recent_runs(limit: int = 30) -> list:
    from school.models import BackupRun

    return db.session.scalars(select(BackupRun).order_by(BackupRun.id.desc()).limit(limit)).all()
