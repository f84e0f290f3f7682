"""Checks a CHECK constraint cannot express, made on every flush: a student's enrolments never overlap
(MODEL.md). SQLite has no exclusion constraints, so the check runs in the session for both databases."""
from __future__ import annotations

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session


class OverlappingEnrolment(ValueError):
    pass


def _overlaps(session: Session, enrolment, changing: set[int]) -> bool:
    """Against stored rows; rows changed in this flush are compared in memory with their new dates."""
    from school.models import Enrolment

    far = enrolment.to_day
    stmt = select(Enrolment.id).where(
        Enrolment.student_id == enrolment.student_id,
        or_(Enrolment.to_day.is_(None), Enrolment.to_day >= enrolment.from_day))
    if far is not None:
        stmt = stmt.where(Enrolment.from_day <= far)
    skip = changing | ({enrolment.id} if enrolment.id is not None else set())
    if skip:
        stmt = stmt.where(Enrolment.id.not_in(skip))
    with session.no_autoflush:
        return session.execute(stmt.limit(1)).first() is not None


@event.listens_for(Session, "before_flush")
def _check_enrolments(session: Session, _context, _instances) -> None:
    from school.models import Enrolment

    pending = [o for o in list(session.new) + list(session.dirty) if isinstance(o, Enrolment)]
    changing = {o.id for o in pending if o.id is not None}
    for i, enrolment in enumerate(pending):
        others = pending[:i] + pending[i + 1:]
        clash_in_flush = any(
            o.student_id == enrolment.student_id
            and (o.to_day is None or o.to_day >= enrolment.from_day)
            and (enrolment.to_day is None or o.from_day <= enrolment.to_day) for o in others)
        if clash_in_flush or _overlaps(session, enrolment, changing):
            raise OverlappingEnrolment(f"student {enrolment.student_id} is already enrolled on some of these days")
