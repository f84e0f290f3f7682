"""An aSc Timetables export as a plan (the preview) and its apply: teachers, subjects and classes matched with the
register's (or new, or chosen by hand), subgroups, courses and timetable slots from a chosen day.

How the file becomes the register's records:
- a lesson of several classes is a course per class (the class's subgroup when the lesson names one of its groups),
  and their slots share `joint` = the aSc lesson id, so the clash check takes them as one joint lesson;
- a lesson of several teachers: when it names one group per teacher (English, groups 1 and 2), a course per group
  with its teacher in order; otherwise the first teacher's, and the preview lists the others as not imported;
- a group with entireclass="1" is the whole class;
- each card is one slot per day of its mask, its period the lesson number, weeks A / B / every; of several rooms
  the first (the preview lists the others);
- slots hold from the chosen day: a slot no longer in the file ends the day before (one that would start on or
  after that day is removed), a new one starts that day, one the file repeats stays as it is. Importing the same
  file twice changes nothing.

Matching (shown in the preview): teachers by surname and name (or surname and initials), then by short name;
subjects by name in any language, then by short name; classes by grade and letter in the current year.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_date, gettext as _, ngettext
from sqlalchemy import exists, select

from school import audit, clock
from school.extensions import db
from school.imports.asc import AscFile, parse
from school.imports.columns import normal

KINDS = ("teacher", "subject", "class")
UNUSABLE_PASSWORD = "!imported-no-password"   # argon2 refuses it: the staff page issues the first password
MAX_HOURS = Decimal(20)


class TimetableRefused(Exception):
    def __init__(self, plan: TimetablePlan, run=None) -> None:
        super().__init__("the timetable plan has errors")
        self.plan, self.run = plan, run


@dataclass
class Match:
    """A teacher, subject or class of the file and what it is in the register."""
    kind: str
    asc_id: str
    label: str                      # as the file names it
    outcome: str = "new"            # matched / chosen / new / error
    ref: tuple = ()                 # ("id", id) | ("person", id) | ("new", key)
    existing: str = ""              # the register's record it is, as shown
    how: str = ""
    problems: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)


@dataclass
class CourseRow:
    label: str
    teacher: str
    hours: Decimal | None
    outcome: str = "new"            # new / updated / unchanged / error
    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    slots: list[str] = field(default_factory=list)       # the file's slots, as shown
    slots_new: int = 0
    slots_ended: int = 0
    slots_kept: int = 0
    ref: dict = field(default_factory=dict)


@dataclass
class TimetablePlan:
    valid_from: dt.date | None = None
    year: object = None
    teachers: list[Match] = field(default_factory=list)
    subjects: list[Match] = field(default_factory=list)
    classes: list[Match] = field(default_factory=list)
    subgroups_new: list[str] = field(default_factory=list)
    courses: list[CourseRow] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    choices: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    kind: str = "timetable"

    @property
    def matches(self) -> list[Match]:
        return [*self.teachers, *self.subjects, *self.classes]

    @property
    def has_errors(self) -> bool:
        return bool(self.problems) or any(m.outcome == "error" for m in self.matches) \
            or any(c.outcome == "error" for c in self.courses)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("new", "updated", "unchanged", "error"), 0)
        for m in self.matches:
            counts["error" if m.outcome == "error" else "new" if m.outcome == "new" else "unchanged"] += 1
        counts["new"] += len(self.subgroups_new)
        for c in self.courses:
            counts[c.outcome] += 1
            counts["new"] += c.slots_new
            counts["updated"] += c.slots_ended
            counts["unchanged"] += c.slots_kept
        return counts

    @property
    def unchanged(self) -> bool:
        counts = self.counts
        return not counts["new"] and not counts["updated"] and not counts["error"] and not self.problems

    def courses_in_order(self) -> list[CourseRow]:
        order = {"error": 0, "new": 1, "updated": 2, "unchanged": 3}
        return sorted(self.courses, key=lambda c: (order[c.outcome], c.label))


def match_rule() -> str:
    return _("Teachers are matched by surname and name (or surname and initials), then by short name; subjects by "
             "name in any language, then by short name; classes by grade and letter in the current academic "
             "year. Choose a match by hand where it is wrong. Slots hold from the chosen day: those no longer in "
             "the file end the day before, lessons before that day stay as they are.")


def weekday_names() -> dict[int, str]:
    return {1: _("Mon"), 2: _("Tue"), 3: _("Wed"), 4: _("Thu"), 5: _("Fri"), 6: _("Sat"), 7: _("Sun")}


def weeks_names() -> dict[str, str]:
    return {"every": "", "A": _("week A"), "B": _("week B")}


def _day(day: dt.date) -> str:
    return format_date(day, "dd.MM.yyyy")


# ---------------------------------------------------------------------------------------------- options

def parse_options(text: str | None) -> dict:
    """The administrator's choices kept on the ImportRun: the first day and the matches chosen by hand."""
    try:
        options = json.loads(text) if text else {}
    except ValueError:
        options = {}
    out = {"valid_from": None, "teacher": {}, "subject": {}, "class": {}}
    if isinstance(options, dict):
        try:
            out["valid_from"] = dt.date.fromisoformat(options.get("valid_from") or "")
        except (TypeError, ValueError):
            pass
        for kind in KINDS:
            chosen = options.get(kind)
            if isinstance(chosen, dict):
                out[kind] = {str(k): int(v) for k, v in chosen.items() if isinstance(v, int)}
    return out


def dump_options(valid_from: dt.date | None, chosen: dict[str, dict[str, int]]) -> str:
    return json.dumps({"valid_from": valid_from.isoformat() if valid_from else None,
                       **{k: chosen.get(k, {}) for k in KINDS}}, sort_keys=True, ensure_ascii=False)


def last_choices() -> dict[str, dict[str, int]]:
    """The matches chosen by hand in the last timetable import written: a new upload of the school's timetable
    starts from them, so that importing the same file again changes nothing."""
    from school.models import ImportRun

    text = db.session.scalar(select(ImportRun.options).where(ImportRun.kind == "timetable",
                                                             ImportRun.state == "applied")
                             .order_by(ImportRun.id.desc()).limit(1))
    options = parse_options(text)
    return {k: options[k] for k in KINDS}


def default_valid_from(year) -> dt.date:
    return max(year.first_day, clock.today())


# ---------------------------------------------------------------------------------------------- the plan

def make_plan(data: bytes | AscFile, options: dict | None = None) -> TimetablePlan:
    """Reading only. `data` is the file (FileRefused when it cannot be read) or an already parsed AscFile."""
    asc = data if isinstance(data, AscFile) else parse(data)
    options = options or parse_options(None)
    plan = TimetablePlan()
    planner = _Planner(asc, plan, options)
    if not plan.problems:
        planner.run()
    return plan


class _Planner:
    def __init__(self, asc: AscFile, plan: TimetablePlan, options: dict) -> None:
        from school.models import AcademicYear

        self.asc, self.plan, self.options = asc, plan, options
        today = clock.today()
        year = db.session.scalar(select(AcademicYear).where(AcademicYear.first_day <= today,
                                                           AcademicYear.last_day >= today))
        if year is None:
            plan.problems.append(_("There is no academic year containing today: set up the year first."))
            return
        plan.year = year
        valid_from = options.get("valid_from") or default_valid_from(year)
        if not year.first_day <= valid_from <= year.last_day:
            plan.problems.append(_("The first day of the timetable must be within the academic year (%(first)s – "
                                   "%(last)s).", first=_day(year.first_day), last=_day(year.last_day)))
        plan.valid_from = valid_from

    # -------------------------------------------------------------------------------- what lessons use
    def run(self) -> None:
        asc = self.asc
        used = {"teacher": [], "subject": [], "class": []}
        seen = {k: set() for k in KINDS}

        def use(kind: str, asc_id: str) -> None:
            if asc_id not in seen[kind]:
                seen[kind].add(asc_id)
                used[kind].append(asc_id)
        for lesson in asc.lessons.values():
            shape = self._shape(lesson)
            if shape is None:
                continue
            class_ids, _targets, teachers, split = shape
            for cid in class_ids:
                use("class", cid)
            use("subject", lesson.subject_id)
            for tid in teachers if split else teachers[:1]:
                use("teacher", tid)
        self._load()
        self.plan.teachers = [self._teacher(asc.teachers[t]) for t in used["teacher"]]
        self.plan.subjects = [self._subject(asc.subjects[s]) for s in used["subject"]]
        self.plan.classes = [self._class(asc.classes[c]) for c in used["class"]]
        unused = len(asc.teachers) - len(used["teacher"])
        if unused:
            self.plan.not_imported.append(ngettext(
                "%(num)d teacher of the file teaches no course of their own: not imported.",
                "%(num)d teachers of the file teach no course of their own: not imported.", unused))
        self.by_id = {k: {m.asc_id: m for m in getattr(self.plan, k + "es" if k == "class" else k + "s")}
                      for k in KINDS}
        self._courses()

    def _shape(self, lesson):
        """(classes, targets, teachers, split) of a lesson that makes courses, None for one that cannot: targets
        are (class, group or None) pairs, one course each; split: one teacher per group, in order."""
        asc = self.asc
        teachers = [t for t in lesson.teacher_ids if t in asc.teachers]
        class_ids = [c for c in lesson.class_ids if c in asc.classes]
        if not class_ids or lesson.subject_id not in asc.subjects or not teachers:
            return None
        targets = []
        for cid in class_ids:
            groups = [asc.groups[g] for g in lesson.group_ids
                      if g in asc.groups and asc.groups[g].class_id == cid and not asc.groups[g].entire]
            targets += [(cid, g) for g in groups] or [(cid, None)]
        split = len(teachers) > 1 and len(targets) == len(teachers) and all(g for _c, g in targets)
        return class_ids, targets, teachers, split

    def _load(self) -> None:
        from school.models import (Course, PendingStaffRole, Person, SchoolClass, StaffRole, Subgroup, Subject,
                                   TimetableSlot, User)

        year = self.plan.year
        self.staff_by_name: dict[tuple, dict[tuple, object]] = defaultdict(dict)
        self.staff_by_initials: dict[tuple, dict[tuple, object]] = defaultdict(dict)
        self.staff_by_short: dict[str, dict[tuple, object]] = defaultdict(dict)
        self.users: dict[int, object] = {}
        rows = db.session.execute(select(User, Person).join(Person, User.person_id == Person.id)
                                  .where(exists().where(StaffRole.user_id == User.id))).all()
        pending = db.session.scalars(select(Person).where(
            Person.id.in_(select(PendingStaffRole.person_id)),
            ~exists().where(User.person_id == Person.id))).all()
        for ref, person in [(("id", u.id), p) for u, p in rows] + [(("person", p.id), p) for p in pending]:
            if ref[0] == "id":
                self.users[ref[1]] = person
            self.staff_by_name[(normal(person.surname), normal(person.name))][ref] = person
            initials = "".join(w[:1] for w in (person.name, person.patronymic) if w)
            self.staff_by_initials[(normal(person.surname), initials.casefold())][ref] = person
            self.staff_by_short[normal(person.short_name)][ref] = person
        self.plan.choices["teacher"] = sorted(((r[1], p.full_name) for r, p in
                                               [(("id", u.id), p) for u, p in rows]), key=lambda c: c[1])
        lang = _lang()
        self.subjects = {s.id: s for s in db.session.scalars(select(Subject))}
        self.subject_by_name: dict[str, dict[int, object]] = defaultdict(dict)
        self.subject_by_short: dict[str, dict[int, object]] = defaultdict(dict)
        for s in self.subjects.values():
            for name in (s.name_ru, s.name_uk, s.name_crh):
                if name:
                    self.subject_by_name[normal(name)][s.id] = s
            self.subject_by_short[normal(s.short)][s.id] = s
        self.plan.choices["subject"] = sorted(((s.id, s.name(lang)) for s in self.subjects.values()),
                                              key=lambda c: c[1])
        self.classes = {c.id: c for c in db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id))}
        self.class_by_label = {(c.grade, c.letter): c for c in self.classes.values()}
        self.plan.choices["class"] = sorted(((c.id, c.label) for c in self.classes.values()),
                                            key=lambda c: (self.classes[c[0]].grade, self.classes[c[0]].letter))
        self.subgroups = {(g.class_id, g.subject_id, g.name): g for g in db.session.scalars(
            select(Subgroup).where(Subgroup.class_id.in_(select(SchoolClass.id).where(
                SchoolClass.year_id == year.id))))}
        self.courses = {(c.class_id, c.subject_id, c.subgroup_id): c for c in db.session.scalars(
            select(Course).where(Course.year_id == year.id))}
        self.slots: dict[int, list] = defaultdict(list)
        valid_from = self.plan.valid_from
        for slot in db.session.scalars(select(TimetableSlot).join(Course, Course.id == TimetableSlot.course_id)
                                       .where(Course.year_id == year.id,
                                              (TimetableSlot.valid_to.is_(None))
                                              | (TimetableSlot.valid_to >= valid_from))
                                       .order_by(TimetableSlot.id)):
            self.slots[slot.course_id].append(slot)

    # -------------------------------------------------------------------------------- matches
    def _chosen(self, m: Match, choices: dict) -> bool:
        chosen = self.options[m.kind].get(m.asc_id)
        if chosen is None:
            return False
        if chosen not in choices:
            m.problems.append(_("The record chosen by hand is no longer in the register: choose again."))
            m.outcome = "error"
            return True
        m.outcome, m.ref, m.existing, m.how = "chosen", ("id", chosen), choices[chosen], _("chosen by hand")
        return True

    def _teacher(self, t) -> Match:
        m = Match("teacher", t.id, t.label + (f" ({t.short})" if t.short and t.short != t.label else ""))
        if self._chosen(m, dict(self.plan.choices["teacher"])):
            return m
        found, how = {}, ""
        if t.surname and t.name:
            found, how = self.staff_by_name.get((normal(t.surname), normal(t.name)), {}), _("by name")
            initials = "".join(ch for ch in t.name if ch.isalpha())
            if not found and len(initials) <= 3 and t.name.endswith("."):
                found, how = self.staff_by_initials.get((normal(t.surname), initials.casefold()), {}), _("by name")
        if not found and t.short:
            found, how = self.staff_by_short.get(normal(t.short), {}), _("by short name")
        if len(found) > 1:
            m.outcome = "error"
            m.problems.append(_("Several staff members match “%(name)s”: choose one by hand.", name=t.label))
        elif found:
            (ref, person), = found.items()
            m.outcome, m.ref, m.existing, m.how = "matched", ref, person.full_name, how
            if ref[0] == "person":
                m.how = _("by name; gets a login")
        elif not t.surname or not t.name:
            m.outcome = "error"
            m.problems.append(_("The file gives no surname and name for this teacher: choose the staff member by "
                                "hand or fill them in aSc Timetables."))
        else:
            m.ref = ("new", t.id)
            m.data = {"surname": t.surname[:100], "name": t.name[:100], "patronymic": t.patronymic[:100] or None,
                      "email": t.email[:200] if "@" in t.email else None}
        return m

    def _subject(self, s) -> Match:
        m = Match("subject", s.id, s.label + (f" ({s.short})" if s.short and s.short != s.label else ""))
        if self._chosen(m, dict(self.plan.choices["subject"])):
            return m
        found, how = (self.subject_by_name.get(normal(s.name), {}), _("by name")) if s.name else ({}, "")
        if not found and s.short:
            found, how = self.subject_by_short.get(normal(s.short), {}), _("by short name")
        if len(found) > 1:
            m.outcome = "error"
            m.problems.append(_("Several subjects match “%(name)s”: choose one by hand.", name=s.label))
        elif found:
            (sid, subject), = found.items()
            m.outcome, m.ref, m.existing, m.how = "matched", ("id", sid), subject.name(_lang()), how
        elif not s.name and not s.short:
            m.outcome = "error"
            m.problems.append(_("The subject has no name in the file: choose it by hand."))
        else:
            name = (s.name or s.short)[:120]
            m.ref = ("new", normal(name))
            m.data = {"name": name, "short": (s.short or s.name)[:20]}
        return m

    def _class(self, k) -> Match:
        from school.statements.service import parse_class_label

        m = Match("class", k.id, k.label)
        if self._chosen(m, dict(self.plan.choices["class"])):
            return m
        parsed = parse_class_label(k.name) or parse_class_label(k.short)
        if parsed is None or not 1 <= parsed[0] <= 11:
            m.outcome = "error"
            m.problems.append(_("“%(value)s” is not a class of grades 1–11 with a letter (5-А, 10-Б): choose the "
                                "class by hand.", value=k.label))
            return m
        klass = self.class_by_label.get(parsed)
        if klass is not None:
            m.outcome, m.ref, m.existing, m.how = "matched", ("id", klass.id), klass.label, _("by grade and letter")
        else:
            m.ref = ("new", parsed)
            m.existing = f"{parsed[0]}-{parsed[1]}"
            m.data = {"grade": parsed[0], "letter": parsed[1], "teacher_asc_id": k.teacher_id}
        return m

    # -------------------------------------------------------------------------------- courses and slots
    def _courses(self) -> None:
        asc, plan = self.asc, self.plan
        names, week_names = weekday_names(), weeks_names()
        cards = defaultdict(list)
        for card in asc.cards:
            cards[card.lesson_id].append(card)
        unknown_lesson = sum(1 for card in asc.cards if card.lesson_id not in asc.lessons)
        if unknown_lesson:
            plan.not_imported.append(ngettext("%(num)d card belongs to no lesson of the file: not imported.",
                                              "%(num)d cards belong to no lesson of the file: not imported.",
                                              unknown_lesson))
        accs: dict[tuple, dict] = {}
        unplaced = 0
        for lesson in asc.lessons.values():
            what = self._lesson_label(lesson)
            shape = self._shape(lesson)
            if shape is None:
                missing = (_("no class") if not any(c in asc.classes for c in lesson.class_ids)
                           else _("no subject") if lesson.subject_id not in asc.subjects else _("no teacher"))
                plan.not_imported.append(_("Lesson %(lesson)s: %(missing)s in the file, not imported.",
                                           lesson=what, missing=missing))
                continue
            class_ids, targets, teachers, split = shape
            matches = [self.by_id["class"][c] for c in class_ids] + [self.by_id["subject"][lesson.subject_id]] + \
                [self.by_id["teacher"][t] for t in (teachers if split else teachers[:1])]
            if any(m.outcome == "error" for m in matches):
                continue
            if not split and len(teachers) > 1:
                plan.not_imported.append(_("Lesson %(lesson)s: %(others)s not imported (the course is taught by "
                                           "%(first)s).", lesson=what, first=asc.teachers[teachers[0]].label,
                                           others=", ".join(asc.teachers[t].label for t in teachers[1:])))
            joint = lesson.id[:40] if len(set(class_ids)) > 1 or (len(targets) > 1 and not split) else None
            places = []     # (weekday, number, weeks, rooms) of the lesson's cards
            for card in cards.get(lesson.id, []):
                if card.period is None or not card.weekdays:
                    unplaced += 1
                    continue
                weeks = card.weeks if card.weeks != "" else asc.weeksdefs.get(lesson.weeksdef_id, "every")
                if weeks is None:
                    plan.not_imported.append(_("Lesson %(lesson)s: a card in a cycle of more than two weeks, not "
                                               "imported.", lesson=what))
                    continue
                if card.period > 12:
                    plan.not_imported.append(_("Lesson %(lesson)s: period %(num)s is beyond lesson 12, not "
                                               "imported.", lesson=what, num=card.period))
                    continue
                rooms = [asc.classrooms[r][:20].strip() for r in card.classroom_ids if asc.classrooms.get(r)]
                # One room per group of a split lesson (English in two rooms); otherwise the first room.
                if len(rooms) > 1 and not (split and len(rooms) == len(targets)):
                    plan.not_imported.append(_("Lesson %(lesson)s: rooms %(rooms)s not imported (the slot gets "
                                               "%(room)s).", lesson=what, rooms=", ".join(rooms[1:]),
                                               room=rooms[0]))
                for weekday in card.weekdays:
                    places.append((weekday, card.period, weeks, rooms))
            hours = lesson.periods_per_week
            if hours is None:
                hours = sum((Decimal(1) if w == "every" else Decimal("0.5") for _d, _n, w, _r in places), Decimal(0))
            if not hours:
                plan.not_imported.append(_("Lesson %(lesson)s: no hours per week and no cards, not imported.",
                                           lesson=what))
                continue
            for i, (cid, group) in enumerate(targets):
                teacher = teachers[i] if split else teachers[0]
                key = (self.by_id["class"][cid].ref, self.by_id["subject"][lesson.subject_id].ref,
                       (group.name or group.id)[:40] if group else None)
                acc = accs.get(key)
                if acc is None:
                    acc = accs[key] = {"class": cid, "subject": lesson.subject_id, "group": key[2],
                                       "teacher": teacher, "hours": Decimal(0), "slots": {}}
                elif self.by_id["teacher"][acc["teacher"]].ref != self.by_id["teacher"][teacher].ref:
                    plan.not_imported.append(_("Lesson %(lesson)s: %(other)s not imported (the course is already "
                                               "taught by %(first)s in another lesson of the file).", lesson=what,
                                               other=asc.teachers[teacher].label,
                                               first=asc.teachers[acc["teacher"]].label))
                acc["hours"] += hours
                for weekday, number, weeks, rooms in places:
                    room = rooms[i] if split and len(rooms) == len(targets) else rooms[0] if rooms else None
                    acc["slots"].setdefault((weekday, number, weeks), (room or None, joint))
        if unplaced:
            plan.not_imported.append(ngettext("%(num)d card is not placed (no day or period): not imported.",
                                              "%(num)d cards are not placed (no day or period): not imported.",
                                              unplaced))
        new_subgroups = set()
        in_file = set()
        for key, acc in accs.items():
            row = self._course_row(key, acc, names, week_names, new_subgroups)
            if row.ref.get("course_id"):
                in_file.add(row.ref["course_id"])
            plan.courses.append(row)
        plan.subgroups_new = sorted(new_subgroups)
        plan.not_imported = list(dict.fromkeys(plan.not_imported))
        # The register's courses of the file's classes that the file no longer has: their slots end.
        file_classes = {m.ref[1] for m in plan.classes if m.ref and m.ref[0] == "id"}
        for course in self.courses.values():
            if course.class_id in file_classes and course.id not in in_file and self.slots.get(course.id):
                row = CourseRow(self._course_label(course), course.teacher.person.full_name
                                if course.teacher else "", course.hours_per_week, outcome="updated",
                                ref={"course_id": course.id, "slots": {}, "teacher": None, "hours": None})
                self._slot_changes(row, course.id, {})
                row.changes.append(_("not in the file"))
                plan.courses.append(row)

    def _lesson_label(self, lesson) -> str:
        asc = self.asc
        subject = asc.subjects.get(lesson.subject_id)
        classes = ", ".join(asc.classes[c].label for c in lesson.class_ids if c in asc.classes)
        return " ".join(p for p in (subject.label if subject else "", classes) if p) or lesson.id

    def _course_label(self, course) -> str:
        lang = _lang()
        label = f"{course.school_class.label} · {course.subject.name(lang)}"
        return f"{label} · {course.subgroup.name}" if course.subgroup_id else label

    def _course_row(self, key, acc, names, week_names, new_subgroups) -> CourseRow:
        class_m, subject_m = self.by_id["class"][acc["class"]], self.by_id["subject"][acc["subject"]]
        teacher_m = self.by_id["teacher"][acc["teacher"]]
        group = acc["group"]
        class_label = class_m.existing or class_m.label
        subject_label = subject_m.existing or subject_m.data.get("name", subject_m.label)
        label = " · ".join(p for p in (class_label, subject_label, group) if p)
        hours = acc["hours"].quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        row = CourseRow(label, teacher_m.existing or self.asc.teachers[acc["teacher"]].label, hours)
        joint_text = _("joint lesson")
        row.slots = [" ".join(p for p in (names[d], str(n), week_names[w], f"({room})" if room else "",
                                          f"· {joint_text}" if joint else "") if p)
                     for (d, n, w), (room, joint) in sorted(acc["slots"].items())]
        row.ref = {"class": class_m.ref, "subject": subject_m.ref, "group": group, "teacher": teacher_m.ref,
                   "hours": hours, "slots": acc["slots"], "course_id": None, "subgroup_id": None}
        if not Decimal(0) < hours <= MAX_HOURS:
            row.outcome = "error"
            row.problems.append(_("%(hours)s hours a week: a course has more than 0 and at most 20.",
                                  hours=hours))
            return row
        course = None
        if class_m.ref[0] == "id" and subject_m.ref[0] == "id":
            class_id, subject_id = class_m.ref[1], subject_m.ref[1]
            subgroup = self.subgroups.get((class_id, subject_id, group)) if group else None
            if group and subgroup is None:
                new_subgroups.add(f"{class_label} · {subject_label} · {group}")
            else:
                row.ref["subgroup_id"] = subgroup.id if subgroup else None
                course = self.courses.get((class_id, subject_id, subgroup.id if subgroup else None))
        elif group:
            new_subgroups.add(f"{class_label} · {subject_label} · {group}")
        if course is None:
            row.outcome = "new"
            row.slots_new = len(acc["slots"])
            return row
        row.ref["course_id"] = course.id
        if teacher_m.ref != ("id", course.teacher_id):
            old = self.users.get(course.teacher_id)
            row.changes.append(_("teacher: %(old)s → %(new)s", old=old.full_name if old else "—",
                                 new=row.teacher))
        if hours != course.hours_per_week:
            row.changes.append(_("hours a week: %(old)s → %(new)s", old=course.hours_per_week, new=hours))
        self._slot_changes(row, course.id, acc["slots"])
        row.outcome = "updated" if row.changes or row.slots_new or row.slots_ended else "unchanged"
        return row

    def _slot_changes(self, row: CourseRow, course_id: int, wanted: dict) -> None:
        """Which stored slots stay, end or change, and which are new, for one course."""
        valid_from = self.plan.valid_from
        keep, end, update = [], [], []
        matched = set()
        for slot in self.slots.get(course_id, []):
            key = (slot.weekday, slot.lesson_number, slot.weeks)
            if key in wanted and key not in matched:
                room, joint = wanted[key]
                if (slot.room or None, slot.joint or None) == (room, joint):
                    keep.append(slot.id)
                    matched.add(key)
                    continue
                if slot.valid_from >= valid_from:
                    update.append((slot.id, room, joint))
                    matched.add(key)
                    continue
            end.append(slot.id)
        new = [k for k in wanted if k not in matched]
        row.slots_kept = len(keep)
        row.slots_ended = len(end) + len(update)
        row.slots_new = len(new)
        row.ref.update(end_slots=end, update_slots=update, new_slots=new)
        if end:
            row.changes.append(ngettext("%(num)d slot ends on %(day)s", "%(num)d slots end on %(day)s",
                                        len(end), day=_day(valid_from - dt.timedelta(days=1))))
        if update:
            row.changes.append(ngettext("%(num)d slot gets another room", "%(num)d slots get another room",
                                        len(update)))
        if new:
            row.changes.append(ngettext("%(num)d new slot from %(day)s", "%(num)d new slots from %(day)s",
                                        len(new), day=_day(valid_from)))


def _lang() -> str:
    from school.i18n import current_language

    lang = current_language()
    return lang if lang in ("ru", "uk", "crh") else "ru"


# ---------------------------------------------------------------------------------------------- apply

def apply(data: bytes, options: dict, *, file_name: str, digest: str, actor, run=None):
    """Write the plan of this file and these choices in one transaction, all or nothing; returns (plan, run,
    course ids whose slots changed). Raises TimetableRefused (nothing written but the refused run) when the plan
    has an error, PermissionError when the actor is not an administrator (None: the command line)."""
    from school.imports.apply import _audit, _count, new_run
    from school.models import ImportRun

    if actor is not None and "admin" not in actor.staff_roles:
        raise PermissionError("only an administrator imports a timetable")
    user_id = actor.id if actor is not None else None
    run_id = run.id if run is not None else None
    try:
        plan = make_plan(data, options)
        if plan.has_errors:
            raise TimetableRefused(plan)
        changed = _write(plan)
        run = db.session.get(ImportRun, run_id) if run_id else new_run("timetable", file_name, digest, user_id)
        db.session.add(run)
        _count(run, plan, "applied")
        run.options = dump_options(plan.valid_from, options)
        run.applied_at = clock.now()
        db.session.flush()
        _audit(run, "import_applied", user_id)
        db.session.commit()
        return plan, run, changed
    except TimetableRefused as refused:
        db.session.rollback()
        run = db.session.get(ImportRun, run_id) if run_id else new_run("timetable", file_name, digest, user_id)
        db.session.add(run)
        _count(run, refused.plan, "refused")
        db.session.flush()
        _audit(run, "import_refused", user_id)
        db.session.commit()
        raise TimetableRefused(refused.plan, run) from None
    except BaseException:
        db.session.rollback()
        raise


def _write(plan: TimetablePlan) -> list[int]:
    from school.imports.accounts import create_account
    from school.models import (Course, PendingStaffRole, Person, SchoolClass, Subgroup, Subject, TimetableSlot,
                               User)
    from school.people.service import suggest_username

    year, valid_from = plan.year, plan.valid_from
    ids: dict[tuple, int] = {}       # (kind, ref) -> the register's id
    for m in plan.teachers:
        if m.ref[0] == "id":
            ids[("teacher", m.ref)] = m.ref[1]
            continue
        if m.ref[0] == "person":
            person = db.session.get(Person, m.ref[1])
        else:
            person = Person(**m.data)
            db.session.add(person)
            db.session.flush()
        if db.session.scalar(select(PendingStaffRole.id).where(PendingStaffRole.person_id == person.id,
                                                              PendingStaffRole.role == "teacher")) is None:
            db.session.add(PendingStaffRole(person_id=person.id, role="teacher"))
            db.session.flush()
        user = create_account(person.id, suggest_username(person), UNUSABLE_PASSWORD)
        audit.record("account_created", f"user {user.id}",
                     f"{person.full_name}; username: {user.username}; from the timetable import")
        ids[("teacher", m.ref)] = user.id
    shorts = set(db.session.scalars(select(Subject.short)))
    for m in plan.subjects:
        if m.ref[0] == "id" or ("subject", m.ref) in ids:
            ids.setdefault(("subject", m.ref), m.ref[1])
            continue
        short, n = m.data["short"], 1
        while short in shorts:
            n += 1
            short = f"{m.data['short'][:20 - len(str(n))]}{n}"
        shorts.add(short)
        subject = Subject(short=short, name_ru=m.data["name"], name_uk=m.data["name"], name_crh=m.data["name"])
        db.session.add(subject)
        db.session.flush()
        ids[("subject", m.ref)] = subject.id
    teacher_of_class = {m.asc_id: ids.get(("teacher", m.ref)) for m in plan.teachers}
    for m in plan.classes:
        if m.ref[0] == "id" or ("class", m.ref) in ids:
            ids.setdefault(("class", m.ref), m.ref[1])
            continue
        grade = m.data["grade"]
        klass = SchoolClass(year_id=year.id, grade=grade, letter=m.data["letter"],
                            class_teacher_id=teacher_of_class.get(m.data["teacher_asc_id"]),
                            period_scheme="halves" if grade >= 10 else "quarters",
                            marks_from=None if grade == 1 else year.first_day)
        db.session.add(klass)
        db.session.flush()
        ids[("class", m.ref)] = klass.id
    subgroups = {}
    changed: list[int] = []
    for row in plan.courses:
        ref = row.ref
        if ref.get("course_id"):
            course = db.session.get(Course, ref["course_id"])
            if ref["teacher"] is not None:
                course.teacher_id = ids[("teacher", ref["teacher"])]
                course.hours_per_week = ref["hours"]
        else:
            class_id, subject_id = ids[("class", ref["class"])], ids[("subject", ref["subject"])]
            subgroup_id = None
            if ref["group"]:
                key = (class_id, subject_id, ref["group"])
                if key not in subgroups:
                    subgroups[key] = db.session.scalar(select(Subgroup.id).where(
                        Subgroup.class_id == class_id, Subgroup.subject_id == subject_id,
                        Subgroup.name == ref["group"]))
                    if subgroups[key] is None:
                        group = Subgroup(class_id=class_id, subject_id=subject_id, name=ref["group"])
                        db.session.add(group)
                        db.session.flush()
                        subgroups[key] = group.id
                subgroup_id = subgroups[key]
            course = Course(year_id=year.id, subject_id=subject_id, teacher_id=ids[("teacher", ref["teacher"])],
                            class_id=class_id, subgroup_id=subgroup_id, hours_per_week=ref["hours"])
            db.session.add(course)
        day_before = valid_from - dt.timedelta(days=1)
        for slot_id in ref.get("end_slots", []):
            slot = db.session.get(TimetableSlot, slot_id)
            if slot.valid_from >= valid_from:
                db.session.delete(slot)
            else:
                slot.valid_to = day_before
        for slot_id, room, joint in ref.get("update_slots", []):
            slot = db.session.get(TimetableSlot, slot_id)
            slot.room, slot.joint = room, joint
        if ref.get("end_slots"):
            db.session.flush()  # ended slots out of the way of the unique place of the new ones
        for key in ref.get("new_slots", list(ref["slots"])):
            weekday, number, weeks = key
            room, joint = ref["slots"][key]
            db.session.add(TimetableSlot(course=course, weekday=weekday, lesson_number=number, room=room,
                                         valid_from=valid_from, weeks=weeks, joint=joint))
        if row.outcome == "new" or row.slots_new or row.slots_ended:
            changed.append(course)
    db.session.flush()
    return [course.id for course in changed]


def generate_lessons(actor, year_id: int, since: dt.date, course_ids: list[int]):
    """The year's lessons of the changed courses from `since` on, by the lead's generator. Returns its
    Regeneration, or None when there is nothing to do.

    The lessons of the changed courses are made again from the day the import's slots start (register.timetable:
    lessons holding entries are kept and listed for the administrator)."""
    if not course_ids:
        return None
    from school.register.timetable import generate
    result = generate(actor, year_id, since=since, course_ids=course_ids)
    db.session.commit()
    return result
