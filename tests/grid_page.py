"""The teacher's grid page read as journal.js reads it: a cell has no id of its own; it is the cell of its student's
row (r<student>) under its lesson's head (h<lesson>). For the view tests, the two-server test and the load test."""
from __future__ import annotations

import re
from dataclasses import dataclass

HEAD = re.compile(r'<th id="h(\d+)"')
ROW = re.compile(r'<tr id="r(\d+)"[^>]*>(.*?)</tr>', re.S)
TD = re.compile(r"<td\b([^>]*)>(.*?)</td>", re.S)
VERSION = re.compile(r'data-v="([^"]*)"')
CLASS = re.compile(r'class="([^"]*)"')
TITLE = re.compile(r'title="([^"]*)"')


@dataclass
class GridCell:
    lesson: int
    student: int
    attrs: str      # what follows <td, up to >
    inner: str      # the HTML between <td …> and </td>

    @property
    def version(self) -> str:
        """The version a save sends: the cell's data-v, "0-0" for an empty cell of the page (it carries none)."""
        m = VERSION.search(self.attrs)
        return m.group(1) if m else "0-0"

    @property
    def classes(self) -> list[str]:
        m = CLASS.search(self.attrs)
        return m.group(1).split() if m else []

    @property
    def title(self) -> str | None:
        m = TITLE.search(self.attrs)
        return m.group(1) if m else None

    @property
    def text(self) -> str:
        return re.sub(r"<[^>]+>", "", self.inner).strip()


def grid_cells(html: str) -> dict[tuple[int, int], GridCell]:
    """Every cell of the grid by (lesson id, student id). A row is its number (a td), the student's name (a th), a
    cell per lesson head, then the count, the average and the period mark."""
    heads = [int(h) for h in HEAD.findall(html)]
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = {}
    for sid, row in ROW.findall(body):
        tds = TD.findall(row)[1:1 + len(heads)]
        assert len(tds) == len(heads), (sid, len(tds), len(heads))
        for lesson, (attrs, inner) in zip(heads, tds):
            cells[(lesson, int(sid))] = GridCell(lesson, int(sid), attrs, inner)
    return cells


def cell_selector(page, lesson: int, student: int) -> str:
    """A CSS selector of a cell in a Playwright page: the child of the student's row at its lesson head's place."""
    return f"#r{student} > :nth-child({page.eval_on_selector(f'#h{lesson}', 'h => h.cellIndex') + 1})"
