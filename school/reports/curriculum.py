"""Report 6: completion of the curriculum per course — the calendar-thematic plan's hours (КТП) and the course's
hours per week against the lessons: scheduled within the dates (every lesson of the timetable, held or not),
due by today, held (state held, day not after today), cancelled. Only a held lesson counts as given. Two queries."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from school import clock
from school.extensions import db
from school.models import Course, Lesson, Person, PlanItem, SchoolClass, User
from school.reports.common import Sheet, share, subject_name
from school.reports.filters import Filters, person_label


@dataclass
class Row:
    course_id: int
    class_label: str
    subject: str
    teacher: str
    hours_per_week: float
    plan_hours: int
    scheduled: int
    due: int           # scheduled up to today
    held: int
    cancelled: int

    @property
    def done(self) -> float | None:
        """Held of the lessons due by today."""
        return share(self.held, self.due)


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def sheets(self) -> list[Sheet]:
        return [Sheet(_("Courses"), [_("Class"), _("Subject"), _("Teacher"), _("Hours per week"), _("Plan hours"),
                                     _("Scheduled"), _("Due by today"), _("Held"), _("Cancelled"), _("Held of due")],
                      [[r.class_label, r.subject, r.teacher, r.hours_per_week, r.plan_hours, r.scheduled, r.due,
                        r.held, r.cancelled, r.done] for r in self.rows], percent_columns=(9,))]


def compute(f: Filters, lang: str) -> Report:
    report = Report()
    if not f.ready:
        return report
    today = clock.today()
    in_range = (Lesson.day >= f.first) & (Lesson.day <= f.last)
    due = in_range & (Lesson.day <= today)
    lessons = (select(Lesson.course_id, func.count(Lesson.id).label("scheduled"),
                      func.sum(case((due, 1), else_=0)).label("due"),
                      func.sum(case((due & (Lesson.state == "held"), 1), else_=0)).label("held"),
                      func.sum(case((Lesson.state == "cancelled", 1), else_=0)).label("cancelled"))
               .where(in_range).group_by(Lesson.course_id).subquery())
    plan = select(PlanItem.course_id, func.sum(PlanItem.hours).label("hours")).group_by(PlanItem.course_id).subquery()
    stmt = (select(Course, Person.surname, Person.name, Person.patronymic, lessons.c.scheduled, lessons.c.due,
                   lessons.c.held, lessons.c.cancelled, plan.c.hours)
            .join(SchoolClass, SchoolClass.id == Course.class_id).join(User, User.id == Course.teacher_id)
            .join(Person, Person.id == User.person_id)
            .outerjoin(lessons, lessons.c.course_id == Course.id).outerjoin(plan, plan.c.course_id == Course.id)
            .where(*f.course_filter()).order_by(SchoolClass.grade, SchoolClass.letter))
    if f.teacher_id is not None:
        stmt = stmt.where(Course.teacher_id == f.teacher_id)
    for course, surname, name, patronymic, scheduled, due_n, held, cancelled, hours in db.session.execute(stmt):
        label = course.school_class.label + (f" ({course.subgroup.name})" if course.subgroup_id else "")
        report.rows.append(Row(course.id, label,
                               subject_name(course.subject, lang), person_label(surname, name, patronymic),
                               float(course.hours_per_week), int(hours or 0), int(scheduled or 0), int(due_n or 0),
                               int(held or 0), int(cancelled or 0)))
    report.rows.sort(key=lambda r: (int(r.class_label.split("-")[0]), r.class_label, r.subject))
    return report
