"""Grading scales and kinds of work: reference data that only a migration or the administrator changes,
read once per process."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from school import grading
from school.extensions import db
from school.models import Course, ScaleValue, WorkKind
from school.queries import school_settings


def scale_entries(scale: str | None = None) -> dict[str, grading.ScaleEntry]:
    scale = scale or school_settings().scale
    cache = current_app.extensions.setdefault("defter_scales", {})
    if scale not in cache:
        rows = db.session.scalars(select(ScaleValue).where(ScaleValue.scale == scale)
                                  .order_by(ScaleValue.position)).all()
        cache[scale] = {r.code: grading.ScaleEntry(r.code, r.value, r.counts_in_average, r.for_lesson,
                                                   r.for_period, r.pass_fail) for r in rows}
    return cache[scale]


def lesson_codes(course: Course) -> list[str]:
    """Codes a teacher may give for a lesson of this course (зач/незач for a pass/fail course)."""
    entries = scale_entries().values()
    if course.assessment == "pass_fail":
        return [e.code for e in entries if e.pass_fail]
    return [e.code for e in entries if e.value is not None]


def period_codes(course: Course) -> list[str]:
    """Entries valid for a period (year, exam, final) mark of this course: a marked course takes the scale's
    numbers with осв and н/а, a pass/fail course зач/незач with осв and н/а, an unmarked course only безотм
    (with осв and н/а)."""
    entries = [e for e in scale_entries().values() if e.for_period]
    special = [e.code for e in entries if e.value is None and not e.pass_fail and e.code != "безотм"]
    if course.assessment == "unmarked":
        return ["безотм", *special]
    if course.assessment == "pass_fail":
        return [e.code for e in entries if e.pass_fail] + special
    return [e.code for e in entries if e.value is not None] + special


def work_kinds() -> list[WorkKind]:
    """Kinds of work, detached from the session: callers read their ids, names and weights."""
    cache = current_app.extensions
    if "defter_work_kinds" not in cache:
        kinds = db.session.scalars(select(WorkKind).order_by(WorkKind.id)).all()
        for k in kinds:
            db.session.expunge(k)
        cache["defter_work_kinds"] = kinds
    return cache["defter_work_kinds"]


def work_kinds_by_id() -> dict[int, WorkKind]:
    return {k.id: k for k in work_kinds()}
