"""The calendar-thematic plan (КТП) of a course: its rows (position, topic, hours), replaced as a whole from a file
or edited row by row, its hours checked against the course's lessons and the curriculum (001 п. 4.4.7), and the
plan row each lesson falls on (a row of n hours covers n lessons, in the order of the course's held lessons).

Who writes: the course's teacher, or the administrator for every course; `OPERATOR` is the command line (the
server's operator, as `flask school import` is). Every write function checks that itself: one who may read the
course gets Forbidden, anyone else NotFound.

Positions are the plan's own numbers (№): unique per course, kept as a file gave them (gaps allowed). Rows are
moved by swapping positions and shifted by two UPDATEs through negative numbers, because a UNIQUE constraint is
checked row by row inside one UPDATE on both databases; that is also why positions carry no CHECK (> 0) in the
database — the negative numbers live only inside a transaction, and every write path refuses a position < 1.
"""
from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from school import access, audit, clock
from school.extensions import db
from school.forms import CONTROL_CHARACTERS
from school.models import Course, Holiday, Lesson, PlanItem
from school.models.register import TOPIC_MAX
from school.register import calendar
from school.register.errors import Conflict, Forbidden, NotFound, RegisterError

OPERATOR = "operator"      # the command line: `flask school import plan`
HOURS_MAX = 1000           # more than a year of daily lessons: a typo, not a topic
POSITION_MAX = 10_000      # the readers' row limit


@dataclass(frozen=True)
class Row:
    position: int
    topic: str
    hours: int


# ---------------------------------------------------------------------------------------------- who and what

def may_edit(user, course: Course) -> bool:
    return course.teacher_id == user.id or access.is_admin(user)


def check_writer(actor, course: Course) -> None:
    if actor == OPERATOR:
        return
    if actor is None or not may_edit(actor, course):
        raise Forbidden() if actor is not None and access.may_read_course(actor, course) else NotFound()


def items(course_id: int) -> list[PlanItem]:
    return db.session.scalars(select(PlanItem).where(PlanItem.course_id == course_id)
                              .order_by(PlanItem.position)).all()


def clean_topic(text: str | None) -> str:
    """A topic as stored: one line, runs of spaces and line breaks made one space."""
    return re.sub(r"\s+", " ", text or "").strip()


def topic_problem(topic: str) -> str | None:
    if not topic:
        return _("The topic is empty.")
    if CONTROL_CHARACTERS.search(topic):
        return _("Remove the control characters from this field (they show as �).")
    if len(topic) > TOPIC_MAX:
        return _("The topic is too long: at most %(n)d characters.", n=TOPIC_MAX)
    return None


def parse_hours(text) -> int:
    """A whole number of hours from 1 to HOURS_MAX; ValueError with the translated reason otherwise."""
    value = _whole(text)
    if value is None or value < 1:
        raise ValueError(_("The hours must be a whole number greater than zero."))
    if value > HOURS_MAX:
        raise ValueError(_("Too many hours for one row: at most %(n)d.", n=HOURS_MAX))
    return value


def parse_position(text) -> int:
    value = _whole(text, allow_dot=True)
    if value is None or value < 1:
        raise ValueError(_("The number (№) must be a whole number greater than zero."))
    if value > POSITION_MAX:
        raise ValueError(_("The number (№) is too large: at most %(n)d.", n=POSITION_MAX))
    return value


def _whole(text, allow_dot: bool = False) -> int | None:
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    text = str(text if text is not None else "").strip()
    # "12." is how lists are numbered by hand; a spreadsheet's 2.0 comes to us as "2" (readers.cell_text).
    match = re.fullmatch(r"[+]?(\d{1,9})" + (r"\.?" if allow_dot else ""), text)
    return int(match[1]) if match else None


# ---------------------------------------------------------------------------------------------- the whole plan

@dataclass
class Diff:
    """The plan of a course against rows that would replace it, matched by position."""
    new: list[Row] = field(default_factory=list)
    changed: list[tuple[PlanItem, Row]] = field(default_factory=list)
    unchanged: list[Row] = field(default_factory=list)
    removed: list[PlanItem] = field(default_factory=list)

    @property
    def changes_nothing(self) -> bool:
        return not (self.new or self.changed or self.removed)


def diff(current: list[PlanItem], rows: list[Row]) -> Diff:
    by_position = {item.position: item for item in current}
    out = Diff()
    seen = set()
    for row in rows:
        item = by_position.get(row.position)
        seen.add(row.position)
        if item is None:
            out.new.append(row)
        elif item.topic == row.topic and item.hours == row.hours:
            out.unchanged.append(row)
        else:
            out.changed.append((item, row))
    out.removed = [item for item in current if item.position not in seen]
    return out


def validate_rows(rows: list[Row]) -> None:
    """The checks of every row again, in the transaction that writes them (the preview's are not trusted)."""
    positions = set()
    for row in rows:
        problem = topic_problem(row.topic)
        if problem is None:
            try:
                parse_position(row.position)
                parse_hours(row.hours)
            except ValueError as e:
                problem = str(e)
        if problem is None and row.position in positions:
            problem = _("The number (№) %(position)d is given twice.", position=row.position)
        if problem:
            raise RegisterError(problem)
        positions.add(row.position)


def replace(actor, course: Course, rows: list[Row]) -> Diff:
    """The course's plan becomes these rows, in one transaction: all of them or, on any refusal or failure,
    none. Rows equal to what is stored are not touched, so the same file twice changes nothing."""
    check_writer(actor, course)
    rows = [Row(r.position, clean_topic(r.topic), r.hours) for r in rows]
    with _writing():
        if not rows:
            raise RegisterError(_("The file has no plan rows."))
        validate_rows(rows)
        # Locks the course's plan against a second import at the same moment (PostgreSQL; SQLite writes one at a time).
        current = db.session.scalars(select(PlanItem).where(PlanItem.course_id == course.id)
                                     .order_by(PlanItem.position).with_for_update()).all()
        result = diff(current, rows)
        if result.changes_nothing:
            db.session.rollback()
            return result
        for item in result.removed:
            db.session.delete(item)
        db.session.flush()
        for item, row in result.changed:
            item.topic, item.hours = row.topic, row.hours
        db.session.add_all(PlanItem(course_id=course.id, position=r.position, topic=r.topic, hours=r.hours)
                           for r in result.new)
        db.session.flush()
        audit.record("plan_replaced", f"course:{course.id}",
                     f"new={len(result.new)} changed={len(result.changed)} unchanged={len(result.unchanged)} "
                     f"removed={len(result.removed)} hours={sum(r.hours for r in rows)}", user_id=_user_id(actor))
        db.session.commit()
        return result


@contextmanager
def _writing():
    """One write of a plan, all or nothing: a unique position taken by another write of the same plan at the same
    moment is a conflict (theirs stands); any failure rolls the transaction back."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        raise _conflict() from None
    except BaseException:
        db.session.rollback()
        raise


def _conflict() -> Conflict:
    return Conflict(_("Someone else changed this plan in the meantime. The current plan is shown; do it again if "
                      "it is still needed."))


def _user_id(actor) -> int | None:
    return None if actor == OPERATOR else actor.id


# ---------------------------------------------------------------------------------------------- row by row

def _checked(topic: str | None, hours) -> tuple[str, int]:
    topic = clean_topic(topic)
    problem = topic_problem(topic)
    if problem:
        raise RegisterError(problem)
    try:
        return topic, parse_hours(hours)
    except ValueError as e:
        raise RegisterError(str(e)) from None


def _shift(course_id: int, from_position: int, by: int) -> None:
    """Positions >= from_position move by `by` (±1), through negative numbers (see the module's note)."""
    db.session.execute(update(PlanItem).where(PlanItem.course_id == course_id, PlanItem.position >= from_position)
                       .values(position=-(PlanItem.position + by)).execution_options(synchronize_session=False))
    db.session.execute(update(PlanItem).where(PlanItem.course_id == course_id, PlanItem.position < 0)
                       .values(position=-PlanItem.position).execution_options(synchronize_session=False))


def add_item(actor, course: Course, topic: str | None, hours, position=None) -> PlanItem:
    """A new row at the end, or at `position` (the rows from there on move one down)."""
    check_writer(actor, course)
    topic, hours = _checked(topic, hours)
    with _writing():
        last = db.session.scalar(select(func.max(PlanItem.position)).where(PlanItem.course_id == course.id)) or 0
        if position in (None, ""):
            position = last + 1
        else:
            try:
                position = parse_position(position)
            except ValueError as e:
                raise RegisterError(str(e)) from None
            if position <= last:
                _shift(course.id, position, +1)
        if position > POSITION_MAX:
            raise RegisterError(_("The number (№) is too large: at most %(n)d.", n=POSITION_MAX))
        item = PlanItem(course_id=course.id, position=position, topic=topic, hours=hours)
        db.session.add(item)
        db.session.flush()
        audit.record("plan_row_added", f"course:{course.id}", f"{position}: {hours} · {topic[:200]}",
                     user_id=_user_id(actor))
        db.session.commit()
        return item


def update_item(actor, item: PlanItem, topic: str | None, hours) -> PlanItem:
    course = db.session.get(Course, item.course_id)
    check_writer(actor, course)
    topic, hours = _checked(topic, hours)
    if (topic, hours) != (item.topic, item.hours):
        audit.record("plan_row_changed", f"course:{course.id}",
                     f"{item.position}: {item.hours} → {hours} · {item.topic[:100]} → {topic[:100]}",
                     user_id=_user_id(actor))
        item.topic, item.hours = topic, hours
        with _writing():
            db.session.commit()
    return item


def delete_item(actor, item: PlanItem) -> None:
    """The row goes; the rows after it move one up (the numbers stay without a hole)."""
    course = db.session.get(Course, item.course_id)
    check_writer(actor, course)
    with _writing():
        position = item.position
        audit.record("plan_row_deleted", f"course:{course.id}", f"{position}: {item.hours} · {item.topic[:200]}",
                     user_id=_user_id(actor))
        db.session.execute(delete(PlanItem).where(PlanItem.id == item.id))
        _shift(course.id, position + 1, -1)
        db.session.commit()
        db.session.expire_all()


def move_item(actor, item: PlanItem, direction: str) -> None:
    """The row changes places with the one before it ("up") or after it ("down"); at the edge nothing moves."""
    course = db.session.get(Course, item.course_id)
    check_writer(actor, course)
    if direction not in ("up", "down"):
        raise RegisterError(_("Please correct the errors in the form."))
    query = select(PlanItem).where(PlanItem.course_id == course.id)
    other = db.session.scalar(
        query.where(PlanItem.position < item.position).order_by(PlanItem.position.desc()) if direction == "up"
        else query.where(PlanItem.position > item.position).order_by(PlanItem.position))
    if other is None:
        return
    with _writing():
        mine, theirs = item.position, other.position
        for ident, value in ((item.id, -1), (other.id, mine), (item.id, theirs)):
            db.session.execute(update(PlanItem).where(PlanItem.id == ident).values(position=value)
                               .execution_options(synchronize_session=False))
        db.session.commit()
        db.session.expire_all()


# ---------------------------------------------------------------------------------------------- the hours

@dataclass
class HoursCheck:
    plan_hours: int
    lessons: int               # the course's lessons that are not cancelled
    per_week: Decimal          # the curriculum's hours a week (course.hours_per_week)
    school_days: int           # Monday to Friday in the class's periods, holidays aside
    plan_rows: int

    @property
    def weeks(self) -> Decimal:
        """School weeks of a five-day week (school days / 5: 34 weeks of a year are 170 days)."""
        return (Decimal(self.school_days) / 5).quantize(Decimal("0.1"))

    @property
    def curriculum(self) -> int:
        return int((self.per_week * self.school_days / 5).quantize(Decimal("1"), rounding=ROUND_HALF_UP))

    @property
    def agrees(self) -> bool:
        return self.plan_hours == self.lessons


def school_days(course: Course) -> int:
    periods = calendar.periods_of(course.school_class)
    holidays = db.session.execute(select(Holiday.first_day, Holiday.last_day)
                                  .where(Holiday.year_id == course.year_id)).all()
    days = set()
    for period in periods:
        day = period.first_day
        while day <= period.last_day:
            if day.isoweekday() <= 5 and not any(a <= day <= b for a, b in holidays):
                days.add(day)
            day += dt.timedelta(days=1)
    return len(days)


def held_lessons(course_id: int) -> list[Lesson]:
    return db.session.scalars(select(Lesson).where(Lesson.course_id == course_id, Lesson.state != "cancelled")
                              .order_by(Lesson.day, Lesson.number)).all()


def hours_check(course: Course, plan: list[PlanItem] | None = None, lessons: list[Lesson] | None = None) -> HoursCheck:
    plan = items(course.id) if plan is None else plan
    count = (db.session.scalar(select(func.count(Lesson.id)).where(Lesson.course_id == course.id,
                                                                   Lesson.state != "cancelled"))
             if lessons is None else len(lessons))
    return HoursCheck(plan_hours=sum(i.hours for i in plan), lessons=count, per_week=Decimal(course.hours_per_week),
                      school_days=school_days(course), plan_rows=len(plan))


@dataclass
class Placement:
    """Which lessons each plan row falls on, and the next lesson's row."""
    lessons_of: dict[int, list[Lesson]]          # plan item id -> its lessons, in order
    beyond: list[Lesson]                         # lessons after the plan's last hour
    next_lesson: Lesson | None
    next_item: PlanItem | None


def placement(plan: list[PlanItem], lessons: list[Lesson], today: dt.date | None = None) -> Placement:
    """A plan row of n hours covers n lessons: the k-th held lesson of the course gets the row of the k-th hour
    (the rule lessons are given their topics by)."""
    today = today or clock.today()
    hours = [item for item in plan for _ in range(item.hours)]
    lessons_of: dict[int, list[Lesson]] = {item.id: [] for item in plan}
    beyond, next_lesson, next_item = [], None, None
    for k, lesson in enumerate(lessons):
        item = hours[k] if k < len(hours) else None
        if item is None:
            beyond.append(lesson)
        else:
            lessons_of[item.id].append(lesson)
        if next_lesson is None and lesson.day >= today:
            next_lesson, next_item = lesson, item
    return Placement(lessons_of, beyond, next_lesson, next_item)
