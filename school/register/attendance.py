"""Attendance: the subject teacher's code and the class teacher's reason are both kept (002 п. 7.4); kinds of
absence and their tallies for the diary, the statements and the reports."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import update

from school import access, clock
from school.extensions import db
from school.i18n import locale_key
from school.models import Attendance, User
from school.register import rules
from school.register.errors import Conflict, NotFound, RegisterError

REASONS = ("ill", "excused", "unexcused")


def short_labels() -> dict[str, str]:
    """The grid's short codes of attendance and reasons (Н, ОП, Б, УП, НП) in the user's language: the grid and
    every save of a cell ask, so they are kept per locale (a fresh copy each time: callers may add to it)."""
    return dict(_short_labels(locale_key()))


@lru_cache(maxsize=16)
def _short_labels(locale) -> dict[str, str]:
    return {"absent": _("ABS"), "late": _("LATE"), "ill": _("ILL"), "excused": _("EXC"), "unexcused": _("UNEXC")}


def set_reason(user: User, attendance: Attendance, reason: str, version: int) -> Attendance:
    """The class teacher records or corrects the reason of an absence (or clears it)."""
    if not access.may_set_reason(user, attendance):
        raise NotFound()
    closed = rules.year_closed_refusal(attendance.lesson.course)
    if closed:
        raise RegisterError(closed)
    if reason not in (*REASONS, "clear"):
        raise RegisterError(_("Unknown reason."))
    if attendance.code == "late" and reason != "clear":
        raise RegisterError(_("A late arrival needs no reason."))
    values = (dict(reason=None, reason_by=None, reason_at=None) if reason == "clear"
              else dict(reason=reason, reason_by=user.id, reason_at=clock.now()))
    result = db.session.execute(update(Attendance).where(Attendance.id == attendance.id,
                                                         Attendance.version == version)
                                .values(**values, version=Attendance.version + 1)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict()
    db.session.commit()
    return attendance


def absence_kind(a: Attendance) -> str | None:
    """ill / excused / unexcused for an absence (the class teacher's reason wins); None for a late arrival."""
    if a.code == "late":
        return None
    if a.reason:
        return a.reason
    return {"ill": "ill", "excused": "excused"}.get(a.code, "unexcused")


@dataclass
class Totals:
    ill: int = 0
    excused: int = 0
    unexcused: int = 0
    late: int = 0

    @property
    def missed(self) -> int:
        return self.ill + self.excused + self.unexcused


def tally(attendances) -> Totals:
    """Missed lessons by kind and late arrivals."""
    t = Totals()
    for a in attendances:
        kind = absence_kind(a)
        if kind is None:
            t.late += 1
        else:
            setattr(t, kind, getattr(t, kind) + 1)
    return t
