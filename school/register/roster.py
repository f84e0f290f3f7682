"""Who is in a class or a subgroup, and on which days: one predicate for "enrolled on a day", in Python and
in SQL, used by the grid, the diary, the statements and the home pages."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import and_, bindparam, or_, select

from school.queries import plain
from school.models import Enrolment, Person, Student, SubgroupMember


def covers(from_day: dt.date, to_day: dt.date | None, day: dt.date) -> bool:
    """A stay from from_day to to_day (open-ended when None) includes the day."""
    return from_day <= day and (to_day is None or day <= to_day)


def enrolled_on(day: dt.date, model=Enrolment):
    """SQL: the enrolment (or subgroup membership) row includes the day."""
    return and_(model.from_day <= day, or_(model.to_day.is_(None), model.to_day >= day))


def overlapping(first: dt.date, last: dt.date, model=Enrolment):
    """SQL: the row's stay meets the days from first to last."""
    return and_(model.from_day <= last, or_(model.to_day.is_(None), model.to_day >= first))


@dataclass
class RosterRow:
    student_id: int
    surname: str
    name: str
    from_day: dt.date            # the first and last day of all stays (for display)
    to_day: dt.date | None
    number: int = 0
    stays: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.surname} {self.name}"

    def enrolled(self, day: dt.date) -> bool:
        """In the class (or subgroup) on that day: a student who left and came back is not, in between."""
        return any(covers(a, b, day) for a, b in self.stays)

    def enrolled_throughout(self, first: dt.date, last: dt.date) -> bool:
        """In the class every day from first to last (one stay covers them all)."""
        return any(a <= first and (b is None or b >= last) for a, b in self.stays)


@cache
def _roster_statement(subgroup: bool, one_student: bool):
    """The roster's query, built once per shape (a class or a subgroup, everyone or one student) with bound
    parameters: building a statement costs more than running it."""
    first, last = bindparam("first"), bindparam("last")
    if subgroup:
        stmt = (select(SubgroupMember.student_id, Person.surname, Person.name, SubgroupMember.from_day,
                       SubgroupMember.to_day, Enrolment.from_day, Enrolment.to_day)
                .join(Student, Student.id == SubgroupMember.student_id).join(Person, Person.id == Student.person_id)
                .join(Enrolment, and_(Enrolment.student_id == Student.id,
                                      Enrolment.class_id == bindparam("class_id")))
                .where(SubgroupMember.subgroup_id == bindparam("subgroup_id"),
                       overlapping(first, last, SubgroupMember)))
    else:
        stmt = (select(Enrolment.student_id, Person.surname, Person.name, Enrolment.from_day, Enrolment.to_day)
                .join(Student, Student.id == Enrolment.student_id).join(Person, Person.id == Student.person_id))
    if one_student:
        stmt = stmt.where(Enrolment.student_id == bindparam("student_id"))
    return stmt.where(Enrolment.class_id == bindparam("class_id"), overlapping(first, last))


def roster(class_id: int, subgroup_id: int | None, first: dt.date, last: dt.date,
           student_id: int | None = None) -> list[RosterRow]:
    """Students of a class (or one subgroup of it) at any time between first and last, by surname."""
    stmt = _roster_statement(bool(subgroup_id), student_id is not None)
    params = dict(class_id=class_id, subgroup_id=subgroup_id, first=first, last=last, student_id=student_id)
    rows: dict[int, RosterRow] = {}
    for r in plain(stmt, params).all():
        start, end = r[3], r[4]
        if len(r) > 5:  # subgroup membership within the enrolment
            start = max(start, r[5])
            end = min(d for d in (end, r[6]) if d is not None) if (end or r[6]) else None
            if end is not None and start > end:
                continue
        row = rows.get(r[0])
        if row is None:
            rows[r[0]] = RosterRow(r[0], r[1], r[2], start, end, stays=[(start, end)])
        else:  # several stays in the class: span them all for display, keep each for enrolled()
            row.stays.append((start, end))
            row.from_day = min(row.from_day, start)
            row.to_day = None if (row.to_day is None or end is None) else max(row.to_day, end)
    ordered = sorted(rows.values(), key=lambda x: (x.surname, x.name, x.student_id))
    for i, row in enumerate(ordered, 1):
        row.number = i
    return ordered


def roster_row(course, day: dt.date, student_id: int) -> RosterRow | None:
    """The student's place in a course around a day (a year either side), or None: a forged id."""
    rows = roster(course.class_id, course.subgroup_id, day - dt.timedelta(days=366),
                  day + dt.timedelta(days=366), student_id)
    return next((r for r in rows if r.student_id == student_id), None)
