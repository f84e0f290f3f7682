"""Report 1: timeliness — topics, homework, marks and absences entered against the school's deadlines
(004 п. 3.5, 000 Регламент): lesson date vs. the time each was entered, per teacher and per class.

Deadlines: a topic by the end of the lesson's day plus School.topic_deadline_days; homework within
School.homework_deadline_minutes after the class's last lesson of the day ends (its bell); a mark within its kind
of work's mark_deadline_days; an absence within School.absence_deadline_days. A topic still missing past its
deadline counts as late work (missing); a lesson without homework counts for nothing (not every lesson sets it).
Six queries, whatever the number of lessons, marks or students."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select, tuple_

from school import clock
from school.extensions import db
from school.models import Attendance, BellTime, Course, Lesson, Mark, WorkKind
from school.queries import school_settings
from school.reports.common import Sheet, class_label, held_lessons, lesson_columns, share, subject_name
from school.reports.filters import Filters, person_label

KINDS = ("topic", "homework", "mark", "absence")


@dataclass
class Counts:
    on_time: dict = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    late: dict = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    missing: int = 0   # topics not entered past their deadline

    @property
    def total_on_time(self) -> int:
        return sum(self.on_time.values())

    @property
    def total_late(self) -> int:
        return sum(self.late.values()) + self.missing

    @property
    def share(self) -> float | None:
        return share(self.total_on_time, self.total_on_time + self.total_late)

    def kind_share(self, kind: str) -> float | None:
        late = self.late[kind] + (self.missing if kind == "topic" else 0)
        return share(self.on_time[kind], self.on_time[kind] + late)


@dataclass
class Entry:
    """A late (or missing) entry: what, of which lesson, its deadline, when it was entered (None: missing)."""
    kind: str
    lesson_id: int
    course_id: int
    day: dt.date
    class_label: str
    subject: str
    teacher: str
    teacher_id: int
    due: dt.datetime
    entered: dt.datetime | None
    scheme: str
    student_id: int | None = None

    @property
    def days_late(self) -> int:
        return ((self.entered or clock.now()).date() - self.due.date()).days


@dataclass
class Row:
    key: int
    label: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class Report:
    teachers: list[Row]
    classes: list[Row]
    late: list[Entry]
    total: Counts
    settings: dict

    def sheets(self) -> list[Sheet]:
        head = [_("Topics on time"), _("Topics late"), _("Topics missing"), _("Homework on time"), _("Homework late"),
                _("Marks on time"), _("Marks late"), _("Absences on time"), _("Absences late"), _("Share on time")]

        def line(row: Row) -> list:
            c = row.counts
            return [row.label, c.on_time["topic"], c.late["topic"], c.missing, c.on_time["homework"],
                    c.late["homework"], c.on_time["mark"], c.late["mark"], c.on_time["absence"], c.late["absence"],
                    c.share]
        return [
            Sheet(_("Teachers"), [_("Teacher"), *head], [line(r) for r in self.teachers], percent_columns=(10,)),
            Sheet(_("Classes"), [_("Class"), *head], [line(r) for r in self.classes], percent_columns=(10,)),
            Sheet(_("Late entries"), [_("Entry"), _("Lesson date"), _("Class"), _("Subject"), _("Teacher"),
                                      _("Deadline"), _("Entered"), _("Days late")],
                  [[kind_label(e.kind), e.day, e.class_label, e.subject, e.teacher, e.due, e.entered, e.days_late]
                   for e in self.late]),
        ]


def kind_label(kind: str) -> str:
    return {"topic": _("topic"), "homework": _("homework"), "mark": _("mark"), "absence": _("absence")}[kind]


def class_order(row: Row) -> tuple:
    grade, _sep, letter = row.label.partition("-")
    return int(grade), letter


def end_of(day: dt.date, days: int) -> dt.datetime:
    """The end of the day `days` after `day` (a deadline in whole days)."""
    return dt.datetime.combine(day + dt.timedelta(days=days), dt.time(23, 59, 59))


def last_day_past(now: dt.datetime, days: int) -> dt.date:
    """The last day whose deadline of `days` whole days has passed at `now`: now > end_of(day, days) holds for
    exactly the days up to it."""
    day = now.date() - dt.timedelta(days=days)
    return day if now > end_of(day, days) else day - dt.timedelta(days=1)


def compute(f: Filters, lang: str, details: bool = True) -> Report:
    """details=False: the counts only, without the list of late entries (the director's page shows none)."""
    if not f.ready:
        return Report([], [], [], Counts(), dict(topic_days=0, homework_minutes=0, absence_days=0))
    s = school_settings()
    settings = dict(topic_days=s.topic_deadline_days, homework_minutes=s.homework_deadline_minutes,
                    absence_days=s.absence_deadline_days)
    empty = Report([], [], [], Counts(), settings)
    cols, joins = lesson_columns()
    lessons = db.session.execute(joins(held_lessons(f, *cols, Lesson.topic.is_not(None).label("has_topic"),
                                                    Lesson.topic_entered_at, Lesson.homework.is_not(None)
                                                    .label("has_homework"), Lesson.homework_entered_at))
                                 .order_by(Lesson.day, Lesson.number)).all()
    if not lessons:
        return empty
    by_id = {r.lesson_id: r for r in lessons}
    ids = held_lessons(f, Lesson.id).scalar_subquery()
    # The end of each class's school day: its last lesson's bell (homework is due after it).
    days = {(r.class_id, r.day) for r in lessons}
    last = dict(((c, d), n) for c, d, n in db.session.execute(
        select(Course.class_id, Lesson.day, func.max(Lesson.number)).join(Course, Course.id == Lesson.course_id)
        .where(Course.class_id.in_({c for c, _d in days}), Lesson.day >= f.first, Lesson.day <= f.held_until,
               Lesson.state == "held").group_by(Course.class_id, Lesson.day)))
    bells = dict(db.session.execute(select(BellTime.number, BellTime.ends)).all())
    # Marks per lesson and kind of work with the latest one's time: a group whose latest mark is on time is on time
    # whole; only the groups with a late mark are read mark by mark (a sixth query).
    mark_groups = db.session.execute(
        select(Mark.lesson_id, WorkKind.id, WorkKind.mark_deadline_days, func.count(Mark.id), func.max(Mark.created_at))
        .join(WorkKind, WorkKind.id == Mark.work_kind_id).where(Mark.lesson_id.in_(ids))
        .group_by(Mark.lesson_id, WorkKind.id, WorkKind.mark_deadline_days)).all()
    absences = db.session.execute(select(Attendance.lesson_id, Attendance.student_id, Attendance.set_at)
                                  .where(Attendance.lesson_id.in_(ids), Attendance.code != "late")).all()

    now = clock.now()
    teachers: dict[int, Row] = {}
    classes: dict[int, Row] = {}
    total = Counts()
    late: list[Entry] = []

    rows_of: dict[int, tuple[Row, Row]] = {}

    def rows(r) -> tuple[Row, Row]:
        pair = rows_of.get(r.lesson_id)
        if pair is None:
            t = teachers.get(r.teacher_id)
            if t is None:
                t = teachers[r.teacher_id] = Row(r.teacher_id, person_label(r.surname, r.name, r.patronymic))
            c = classes.get(r.class_id)
            if c is None:
                c = classes[r.class_id] = Row(r.class_id, class_label(r))
            pair = rows_of[r.lesson_id] = (t, c)
        return pair

    def count(r, kind: str, due: dt.datetime, entered: dt.datetime | None, student_id: int | None = None):
        if entered is None and now <= due:
            return  # not yet due
        t, c = rows(r)
        if entered is not None and entered <= due:
            for counts in (t.counts, c.counts, total):
                counts.on_time[kind] += 1
            return
        for counts in (t.counts, c.counts, total):
            if entered is None:
                counts.missing += 1
            else:
                counts.late[kind] += 1
        if details:
            late.append(Entry(kind, r.lesson_id, r.course_id, r.day, c.label, subject_name(r, lang), t.label,
                              r.teacher_id, due, entered, r.period_scheme, student_id))

    for r in lessons:
        if not r.has_topic or r.topic_entered_at is not None:  # a topic of unknown time (imported) is not judged
            count(r, "topic", end_of(r.day, s.topic_deadline_days), r.topic_entered_at if r.has_topic else None)
        if r.has_homework and r.homework_entered_at is not None:
            ends = bells.get(last.get((r.class_id, r.day), r.number))
            school_day_end = dt.datetime.combine(r.day, ends) if ends else end_of(r.day, 0)
            count(r, "homework", school_day_end + dt.timedelta(minutes=s.homework_deadline_minutes),
                  r.homework_entered_at)
    late_groups = []
    for lesson_id, kind_id, days, n, latest in mark_groups:
        r = by_id[lesson_id]
        if latest <= end_of(r.day, days):
            t, c = rows(r)
            for counts in (t.counts, c.counts, total):
                counts.on_time["mark"] += n
        else:
            late_groups.append((lesson_id, kind_id))
    late_marks = db.session.execute(
        select(Mark.lesson_id, Mark.student_id, Mark.created_at, WorkKind.mark_deadline_days)
        .join(WorkKind, WorkKind.id == Mark.work_kind_id)
        .where(tuple_(Mark.lesson_id, Mark.work_kind_id).in_(late_groups or [(0, 0)]))).all()
    for lesson_id, student_id, created, days in late_marks:
        r = by_id[lesson_id]
        count(r, "mark", end_of(r.day, days), created, student_id)
    for lesson_id, student_id, set_at in absences:
        r = by_id[lesson_id]
        count(r, "absence", end_of(r.day, s.absence_deadline_days), set_at, student_id)

    late.sort(key=lambda e: (e.day, e.class_label, e.kind))
    return Report(sorted(teachers.values(), key=lambda r: r.label), sorted(classes.values(), key=class_order),
                  late, total, settings)
