"""Days opened past the edit window by the administrator, with the reason, audited."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from school import access, audit, clock
from school.extensions import db
from school.models import EditUnlock, SchoolClass, User
from school.register import rules
from school.register.errors import NotFound, RegisterError


def open_days(user: User, class_id: int, first: dt.date, last: dt.date, until: dt.date, reason: str) -> EditUnlock:
    """Open a class's days past the edit window until the end of `until`."""
    if not access.is_admin(user):
        raise NotFound()
    if first > last:
        raise RegisterError(_("The first day must not be after the last one."))
    if last > clock.today():
        raise RegisterError(_("Only past days can be opened."))
    now = clock.now()
    closes = dt.datetime.combine(until, dt.time(23, 59, 59))
    if closes <= now:
        raise RegisterError(_("The days must stay open until a later date."))
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        raise NotFound()
    closed = rules.year_closed_refusal(school_class)
    if closed:
        raise RegisterError(closed)
    unlock = EditUnlock(class_id=class_id, first_day=first, last_day=last, opened_by=user.id, opened_at=now,
                        until=closes, reason=reason.strip()[:300])
    db.session.add(unlock)
    audit.record("open_days", f"class:{class_id}", f"{first}..{last} until {until}: {reason[:200]}", user_id=user.id)
    db.session.commit()
    return unlock
