"""Fixes to the timetable's core found while building its pages (school.register.changes)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from school.extensions import db
from school.models import Lesson, Mark, TimetableSlot, User, WorkKind
from school.register import changes, timetable
from school.register.errors import RegisterError
from tests.factory import TODAY


def test_a_moved_orphan_leaves_the_list(app, ids):
    """changes.move on a lesson the timetable no longer gives: it becomes an extra lesson at its new place (before
    the fix it kept its old timetable place as moved_from, stayed an orphan, and the list never emptied)."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        future = db.session.scalars(select(Lesson).where(Lesson.course_id == ids["math5"], Lesson.day > TODAY)
                                    .order_by(Lesson.day)).all()
        topic, marked = future[0], future[1]
        topic.topic, topic.topic_entered_at = "Проценты", dt.datetime(2026, 11, 24, 9)
        kind = db.session.scalar(select(WorkKind).where(WorkKind.code == "answer"))
        db.session.add(Mark(lesson_id=marked.id, student_id=ids["emil"], slot=1, scale="five", code="5",
                            work_kind_id=kind.id, weight=Decimal(1), author_id=ids["users"]["teacher"],
                            created_at=dt.datetime(2026, 11, 24, 9), updated_at=dt.datetime(2026, 11, 24, 9)))
        db.session.commit()
        slot = db.session.scalar(select(TimetableSlot).where(TimetableSlot.course_id == ids["math5"]))
        timetable.remove(admin, slot, TODAY)
        assert {topic.id, marked.id} <= {les.id for les in timetable.orphans(ids["year_id"])}
        with pytest.raises(RegisterError):        # a lesson with marks stays where it was held
            changes.move(admin, marked, dt.date(2026, 12, 4), 2, "перенос", marked.version)
        changes.move(admin, topic, dt.date(2026, 12, 4), 2, "перенос", topic.version)
        assert topic.extra and topic.day == dt.date(2026, 12, 4)
        assert topic.id not in {les.id for les in timetable.orphans(ids["year_id"])}
        # A lesson the timetable still gives is moved as before: it remembers its place and stays no orphan.
        given = db.session.scalars(select(Lesson).where(Lesson.course_id == ids["math6"], Lesson.day > TODAY)
                                   .order_by(Lesson.day)).all()[-1]
        changes.move(admin, given, given.day, 1, "перенос", given.version)
        assert not given.extra and given.moved_from_number == 2
        assert given.id not in {les.id for les in timetable.orphans(ids["year_id"])}
        assert timetable.generate(None, ids["year_id"]).created == 0     # its place is not made twice
