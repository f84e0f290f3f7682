"""A course's thematic plan from a spreadsheet: every row of the file as new / changed / unchanged / error against
the plan stored now (matched by the number, №), with the reason of each error. Reading only; the write is
school.register.plan.replace, which checks the rows again in its transaction.

The columns: № (position), topic, hours, found by their headers in Russian, Ukrainian, Crimean Tatar or English
(case and punctuation aside), in any order; without the № column the rows are numbered in their order. A file
without a header is read as three columns: №, topic, hours.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from school.imports.columns import normal
from school.models import PlanItem
from school.register import plan as plan_domain

HEADERS = {
    "position": {"ru": ("№", "№ п/п", "Номер", "Номер урока", "Позиция", "Порядковый номер", "N"),
                 "uk": ("№", "№ з/п", "Номер", "Номер уроку", "Позиція"),
                 "crh": ("№", "Номер", "Сыра", "Сыра номерасы", "Дерс номерасы"),
                 "en": ("No", "No.", "#", "Number", "Position")},
    "topic": {"ru": ("Тема", "Тема урока", "Темы", "Название темы", "Раздел, тема"),
              "uk": ("Тема", "Тема уроку", "Теми", "Назва теми"),
              "crh": ("Мевзу", "Дерснинъ мевзусы", "Мевзулар", "Тема"),
              "en": ("Topic", "Topics", "Theme", "Lesson topic")},
    "hours": {"ru": ("Часы", "Часов", "Кол-во часов", "Количество часов", "Число часов", "Час"),
              "uk": ("Години", "Годин", "К-сть годин", "Кількість годин", "Год"),
              "crh": ("Саат", "Саатлар", "Саат сайысы", "Саатларнынъ сайысы"),
              "en": ("Hours", "Hour", "Number of hours")},
}
REQUIRED = ("topic", "hours")
_LOOKUP = {normal(h): f for f, langs in HEADERS.items() for heads in langs.values() for h in heads}
OUTCOMES = ("new", "changed", "unchanged", "error")


def field_names() -> dict[str, str]:
    return {"position": _("№"), "topic": _("Topic"), "hours": _("Hours")}


@dataclass
class PreviewRow:
    number: int                   # the row of the file (1 = its first row)
    position: int | None
    topic: str
    hours: int | None
    outcome: str = "new"
    problems: list[str] = field(default_factory=list)
    old: PlanItem | None = None   # the stored row of the same number, for "changed"


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)       # of the file as a whole
    ignored_columns: list[str] = field(default_factory=list)
    removed: list[PlanItem] = field(default_factory=list)   # stored rows whose number the file does not have
    header: bool = True

    @property
    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in OUTCOMES}
        for row in self.rows:
            out[row.outcome] += 1
        out["removed"] = len(self.removed)
        return out

    @property
    def has_errors(self) -> bool:
        return bool(self.problems) or any(r.outcome == "error" for r in self.rows)

    @property
    def changes_nothing(self) -> bool:
        return not self.removed and all(r.outcome == "unchanged" for r in self.rows)

    @property
    def hours(self) -> int:
        return sum(r.hours or 0 for r in self.rows if r.outcome != "error")

    def plan_rows(self) -> list[plan_domain.Row]:
        return [plan_domain.Row(r.position, r.topic, r.hours) for r in self.rows]

    def rows_errors_first(self) -> list[PreviewRow]:
        return sorted(self.rows, key=lambda r: (r.outcome != "error", r.number))


def _columns(first: list[str]) -> tuple[dict[str, int] | None, list[str], list[str]]:
    """(field -> column, ignored headers, problems) when the first row is a header; (None, …) when it is not."""
    found = {i: _LOOKUP.get(normal(title)) for i, title in enumerate(first) if title}
    if not any(found.values()):
        return None, [], []
    columns, ignored, problems = {}, [], []
    names = field_names()
    for i, name in found.items():
        if name is None:
            ignored.append(first[i])
        elif name in columns:
            problems.append(_("The column “%(column)s” is given twice.", column=first[i]))
        else:
            columns[name] = i
    for name in REQUIRED:
        if name not in columns:
            problems.append(_("The file has no column “%(column)s”. The first row names the columns (№, topic, "
                              "hours), or the file has no header and three columns in that order.",
                              column=names[name]))
    return columns, ignored, problems


def read(rows: list[list[str]], current: list[PlanItem]) -> Preview:
    """The preview of a file's rows (school.imports.readers.read_rows) against the course's plan now."""
    preview = Preview()
    numbered = [(n, row) for n, row in enumerate(rows, 1) if any(cell.strip() for cell in row)]
    if not numbered:
        preview.problems.append(_("The file has no plan rows."))
        return preview
    first_number, first = numbered[0]
    columns, preview.ignored_columns, preview.problems = _columns(first)
    if columns is None:
        preview.header = False
        columns = {"position": 0, "topic": 1, "hours": 2}
        if any(len(row) > 3 and any(cell.strip() for cell in row[3:]) for _n, row in numbered):
            preview.ignored_columns.append(_("the columns after the third"))
    else:
        numbered = numbered[1:]
    if preview.problems:
        return preview
    if not numbered:
        preview.problems.append(_("The file has no plan rows."))
        return preview

    by_position = {item.position: item for item in current}
    seen: dict[int, int] = {}
    for order, (number, row) in enumerate(numbered, 1):
        def cell(name: str) -> str:
            i = columns.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""
        out = PreviewRow(number=number, position=None, topic=plan_domain.clean_topic(cell("topic")), hours=None)
        if "position" in columns:
            try:
                out.position = plan_domain.parse_position(cell("position"))
            except ValueError as e:
                out.problems.append(_("№: %(reason)s", reason=str(e)) if cell("position") else
                                    _("The number (№) is empty."))
        else:
            out.position = order
        problem = plan_domain.topic_problem(out.topic)
        if problem:
            out.problems.append(problem)
        try:
            out.hours = plan_domain.parse_hours(cell("hours"))
        except ValueError as e:
            out.problems.append(str(e) + (" " + _("The cell holds “%(value)s”.", value=cell("hours")[:20])
                                          if cell("hours") else ""))
        if out.position is not None:
            if out.position in seen:
                out.problems.append(_("The number (№) %(position)d is already on row %(row)d.",
                                      position=out.position, row=seen[out.position]))
            else:
                seen[out.position] = number
        if out.problems:
            out.outcome = "error"
        else:
            old = by_position.get(out.position)
            out.old = old
            out.outcome = ("new" if old is None else
                           "unchanged" if (old.topic, old.hours) == (out.topic, out.hours) else "changed")
        preview.rows.append(out)
    preview.removed = [item for item in current if item.position not in seen]
    return preview
