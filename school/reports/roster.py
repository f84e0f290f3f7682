"""The students of many courses at once (the register's roster() reads one course per call)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from school.extensions import db
from school.models import Enrolment, Person, Student, SubgroupMember
from school.register.roster import overlapping
from school.reports.filters import Filters


def students_by_class(f: Filters, class_ids) -> dict[int, list[tuple[int, str]]]:
    """(student id, "Surname Name") of each class at any time within the filters' dates, by surname."""
    out: dict[int, list] = defaultdict(list)
    seen = set()
    for class_id, student_id, surname, name in db.session.execute(
            select(Enrolment.class_id, Enrolment.student_id, Person.surname, Person.name)
            .join(Student, Student.id == Enrolment.student_id).join(Person, Person.id == Student.person_id)
            .where(Enrolment.class_id.in_(class_ids), overlapping(f.first, f.last))
            .order_by(Person.surname, Person.name, Enrolment.student_id)):
        if (class_id, student_id) not in seen:
            seen.add((class_id, student_id))
            out[class_id].append((student_id, f"{surname} {name}"))
    return out


def subgroup_members(f: Filters, subgroup_ids) -> dict[int, set[int]]:
    out: dict[int, set] = defaultdict(set)
    for subgroup_id, student_id in db.session.execute(
            select(SubgroupMember.subgroup_id, SubgroupMember.student_id)
            .where(SubgroupMember.subgroup_id.in_(subgroup_ids), overlapping(f.first, f.last, SubgroupMember))):
        out[subgroup_id].add(student_id)
    return out
