"""Data integrity checks: what the database's constraints cannot say by themselves.

Each check is one query returning the rows at fault; `flask school check` prints them and the administrator's
page (/ops/) shows the last result (stored as a `check` job).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from school import clock
from school.extensions import db
from school.models import Attendance, Base, Course, Enrolment, Job, Lesson, Mark, SchoolClass, Subgroup

# Rows of one kind shown at most (the count is always whole).
EXAMPLES = 50


@dataclass(frozen=True)
class Finding:
    kind: str
    ids: dict

    def describe(self) -> str:
        i = self.ids
        if self.kind == "overlapping_enrolments":
            return _("Student %(student)s: enrolments %(first)s and %(second)s overlap.", **i)
        if self.kind == "mark_outside_enrolment":
            return _("Mark %(id)s of student %(student)s on lesson %(lesson)s: the student is not enrolled in the "
                     "class that day.", **i)
        if self.kind == "attendance_outside_enrolment":
            return _("Attendance %(id)s of student %(student)s on lesson %(lesson)s: the student is not enrolled in "
                     "the class that day.", **i)
        if self.kind == "lesson_without_class":
            return _("Lesson %(id)s of course %(course)s: the course's class is not a class of the course's year "
                     "(or its subgroup belongs to another class).", **i)
        if self.kind == "orphan":
            return _("%(table)s %(id)s: %(column)s points to a row of %(parent)s that does not exist.", **i)
        return f"{self.kind}: {i}"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "ids": self.ids}

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(data["kind"], data["ids"])


def _enrolled(student_col, class_col, day_col):
    return exists().where(Enrolment.student_id == student_col, Enrolment.class_id == class_col,
                          Enrolment.from_day <= day_col,
                          or_(Enrolment.to_day.is_(None), Enrolment.to_day >= day_col))


def overlapping_enrolments() -> list[Finding]:
    a, b = aliased(Enrolment), aliased(Enrolment)
    rows = db.session.execute(
        select(a.student_id, a.id, b.id).join(b, and_(a.student_id == b.student_id, a.id < b.id))
        .where(or_(b.to_day.is_(None), a.from_day <= b.to_day), or_(a.to_day.is_(None), b.from_day <= a.to_day))
        .order_by(a.student_id, a.id, b.id).limit(EXAMPLES))
    return [Finding("overlapping_enrolments", {"student": s, "first": x, "second": y}) for s, x, y in rows]


def _outside_enrolment(model, kind: str) -> list[Finding]:
    rows = db.session.execute(
        select(model.id, model.student_id, Lesson.id).join(Lesson, Lesson.id == model.lesson_id)
        .join(Course, Course.id == Lesson.course_id)
        .where(~_enrolled(model.student_id, Course.class_id, Lesson.day))
        .order_by(model.id).limit(EXAMPLES))
    return [Finding(kind, {"id": i, "student": s, "lesson": lesson}) for i, s, lesson in rows]


def lessons_without_class() -> list[Finding]:
    rows = db.session.execute(
        select(Lesson.id, Course.id).join(Course, Course.id == Lesson.course_id)
        .outerjoin(SchoolClass, SchoolClass.id == Course.class_id)
        .outerjoin(Subgroup, Subgroup.id == Course.subgroup_id)
        .where(or_(SchoolClass.id.is_(None), SchoolClass.year_id != Course.year_id,
                   and_(Course.subgroup_id.is_not(None), func.coalesce(Subgroup.class_id, -1) != Course.class_id)))
        .order_by(Lesson.id).limit(EXAMPLES))
    return [Finding("lesson_without_class", {"id": i, "course": c}) for i, c in rows]


def orphans() -> list[Finding]:
    """Rows whose foreign key names a row that is not there (SQLite enforces foreign keys only on connections that
    ask, so a file edited by another tool can hold them). Every single-column foreign key of the models."""
    found = []
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1:
            continue
        for fk in table.foreign_keys:
            child, parent = fk.parent, fk.column
            rows = db.session.execute(
                select(pk[0], child).where(child.is_not(None),
                                           ~exists().where(parent == child)).order_by(pk[0]).limit(EXAMPLES))
            found += [Finding("orphan", {"table": table.name, "id": i, "column": child.name,
                                         "parent": parent.table.name}) for i, _value in rows]
    return found


def run() -> list[Finding]:
    return [*overlapping_enrolments(), *_outside_enrolment(Mark, "mark_outside_enrolment"),
            *_outside_enrolment(Attendance, "attendance_outside_enrolment"), *lessons_without_class(), *orphans()]


def run_and_store() -> list[Finding]:
    """Run the checks now and keep the result as a finished `check` job for the administrator's page."""
    started = clock.now()
    findings = run()
    db.session.add(Job(kind="check", state="done", params="{}", created_at=started, started_at=started,
                       finished_at=clock.now(), tries=1, done=1, total=1,
                       result=json.dumps([f.as_dict() for f in findings], ensure_ascii=False)))
    db.session.commit()
    return findings


def last_result() -> tuple[Job | None, list[Finding]]:
    job = db.session.scalar(select(Job).where(Job.kind == "check", Job.state == "done")
                            .order_by(Job.finished_at.desc(), Job.id.desc()).limit(1))
    return job, [Finding.from_dict(f) for f in (job.findings or [])] if job else []
