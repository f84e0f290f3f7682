"""Report 9: user activity per month (logins and the people who logged in: staff, parents, students) and the
diary visits and acknowledgements of parents and students per class (004 п. 3.5: the register counts visits and
records the fact of acquaintance). Logins are the audit log's; visits the diary's own records. Within the dates;
a class teacher sees their classes' visits only (the school's logins are the administration's). Five queries."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, select

from school.extensions import db
from school.models import AuditEvent, DiaryView, Enrolment, SchoolClass, StaffRole, Student, User
from school.register.roster import overlapping
from school.reports.common import Sheet
from school.reports.filters import Filters

KINDS = ("staff", "parent", "student")


@dataclass
class Month:
    first: dt.date
    logins: dict = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    users: dict = field(default_factory=lambda: {k: set() for k in KINDS})


@dataclass
class ClassVisits:
    class_id: int
    label: str
    students: int = 0
    parent_visits: int = 0
    student_visits: int = 0
    acknowledged: int = 0
    families: set = field(default_factory=set)     # students whose parent looked at least once

    @property
    def families_seen(self) -> int:
        return len(self.families)


@dataclass
class Report:
    school_wide: bool = True
    months: list[Month] = field(default_factory=list)
    classes: list[ClassVisits] = field(default_factory=list)

    def sheets(self) -> list[Sheet]:
        out = []
        if self.school_wide:
            out.append(Sheet(_("Logins per month"), [_("Month"), _("Staff logins"), _("Parent logins"),
                                                     _("Student logins"), _("Staff"), _("Parents"), _("Students")],
                             [[format_date(m.first, "LLLL y"), *m.logins.values(),
                               *(len(u) for u in m.users.values())] for m in self.months]))
        out.append(Sheet(_("Diary visits"), [_("Class"), _("Students"), _("Parents' visits"), _("Students' visits"),
                                             _("Acknowledged"), _("Families who looked")],
                         [[c.label, c.students, c.parent_visits, c.student_visits, c.acknowledged, c.families_seen]
                          for c in self.classes]))
        return out


def _in_range(column, f: Filters):
    return and_(column >= dt.datetime.combine(f.first, dt.time()),
                column < dt.datetime.combine(f.last + dt.timedelta(days=1), dt.time()))


def compute(f: Filters, lang: str) -> Report:
    report = Report(school_wide=f.scope is None)
    if not f.ready:
        return report
    if report.school_wide:
        staff = set(db.session.scalars(select(StaffRole.user_id).distinct()))
        learners = set(db.session.scalars(select(User.id).join(Student, Student.person_id == User.person_id)))
        months: dict[dt.date, Month] = {}
        for user_id, at in db.session.execute(select(AuditEvent.user_id, AuditEvent.at).where(
                AuditEvent.action == "login", _in_range(AuditEvent.at, f))):
            first = dt.date(at.year, at.month, 1)
            month = months.setdefault(first, Month(first))
            kind = "staff" if user_id in staff else "student" if user_id in learners else "parent"
            month.logins[kind] += 1
            month.users[kind].add(user_id)
        report.months = [months[k] for k in sorted(months)]
    class_filter = [SchoolClass.year_id == f.year_id]
    if f.class_ids() is not None:
        class_filter.append(SchoolClass.id.in_(f.class_ids() or [0]))
    classes: dict[int, ClassVisits] = {}
    pupils = {}
    for class_id, grade, letter, student_id, person_id in db.session.execute(
            select(SchoolClass.id, SchoolClass.grade, SchoolClass.letter, Enrolment.student_id, Student.person_id)
            .join(Enrolment, Enrolment.class_id == SchoolClass.id).join(Student, Student.id == Enrolment.student_id)
            .where(*class_filter, overlapping(f.first, f.last)).order_by(SchoolClass.grade, SchoolClass.letter)):
        row = classes.setdefault(class_id, ClassVisits(class_id, f"{grade}-{letter}"))
        if student_id not in pupils:
            row.students += 1
        pupils[student_id] = (row, person_id)
    for student_id, viewer_person, acknowledged in db.session.execute(
            select(DiaryView.student_id, User.person_id, DiaryView.acknowledged_at)
            .join(User, User.id == DiaryView.user_id)
            .where(DiaryView.student_id.in_(list(pupils) or [0]), _in_range(DiaryView.viewed_at, f))):
        row, person_id = pupils[student_id]
        if viewer_person == person_id:
            row.student_visits += 1
        else:
            row.parent_visits += 1
            row.families.add(student_id)
        row.acknowledged += acknowledged is not None
    report.classes = list(classes.values())
    return report
