"""Template globals: dates and numbers through Flask-Babel, the static asset with a content hash."""
from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import request, url_for
from flask_babel import format_date, format_decimal, format_time, get_locale
from markupsafe import Markup, escape

from school import clock
from school.i18n import (LANGUAGE_NAMES, SUPPORTED, abbreviate, by_subject, chosen_language, locale_key, localized,
                         request_translations, subgroup_label)
from school.queries import school_settings
from school.register.attendance import short_labels


@lru_cache(maxsize=64)
def _digest(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def kind_names(kinds: dict, lang: str) -> dict[int, str]:
    """The kinds of work's names in a language, escaped for a title: once per page, not once per marked cell."""
    return {kid: str(escape(k.name(lang))) for kid, k in kinds.items()}


def _cell_class(locked, message: str | None = None) -> str:
    """A cell's class attribute: locked (x), not in the class that day (x out), refused (err); none when open."""
    if not (locked or message):
        return ""
    return (' class="' + ("x" + (" out" if locked == "out" else "") if locked else "")
            + (" err" if message else "") + '"')


# An empty cell of the page by its lock (grid_row writes those directly).
_EMPTY_CELL = {lock: f"<td{_cell_class(lock)}></td>" for lock in (False, True, "out")}


@lru_cache(maxsize=1024)
def _text(s: str) -> str:
    """A short text that recurs in every row (a mark's code, an attendance label), escaped once."""
    return str(escape(s))


def _cell_html(c, locked, names: dict[int, str], ATT: dict, message: str | None = None) -> str:
    """One cell of the journal's grid as HTML after its `<td`: its attributes, what it shows and its end tag. The
    version is digits, dots and a dash built from integers; the codes, labels and comments are escaped, the names
    already are. One function with no helper per mark: the grid has a few hundred filled cells."""
    marks = c.marks if c else ()
    if message:
        title = f' title="{escape(message)}"'
    elif marks:
        title = ' title="' + "; ".join([f"{_text(m.code)}: {names[m.work_kind_id]}"
                                        + (f" — {escape(m.comment)}" if m.comment else "") for m in marks]) + '"'
    else:
        title = ""
    shown = _text(marks[0].code) if len(marks) == 1 else " ".join([_text(m.code) for m in marks])
    if c and c.attendance:
        shown = f"<i>{_text(ATT[c.attendance.code])}</i>" + (" " + shown if marks else "")
    return f' data-v="{c.version if c else "0-0"}"{_cell_class(locked, message)}{title}>{shown}</td>'


def grid_cell(lesson_id: int, sid: int, c, locked, kinds: dict, ATT: dict, message: str | None = None) -> Markup:
    """One cell of the grid: a save's answer (the page renders whole rows with grid_row). It carries the cell's
    id, c<lesson>-<student>, which the page's cells leave to their row and column."""
    return Markup(f'<td id="c{lesson_id}-{sid}"'
                  + _cell_html(c, locked, kind_names(kinds, chosen_language()), ATT, message))


def grid_row(student, columns: list[tuple[int, object, bool]], cells: dict, names: dict[int, str],
             ATT: dict) -> Markup:
    """A student's cells across the grid's columns, each (lesson id, day, locked for this user): "out" where the
    student is not in the class that day, else the lesson's own lock.

    A cell has no id: it is the one in its student's row (r<student>) under its lesson's head (h<lesson>), and
    journal.js addresses it as c<lesson>-<student> from there. A thousand ids of their own were a fifth of the
    page's compressed bytes.

    Plain Python, not a template: the 35 × 30 grid has a thousand cells, and a macro (or a call from the
    template) per cell was most of its render time."""
    if not columns:
        return Markup("")
    sid, enrolled = student.student_id, student.enrolled
    throughout = student.enrolled_throughout(columns[0][1], columns[-1][1])  # the columns go by day
    out = []
    for lesson_id, day, locked in columns:
        lock = locked if throughout or enrolled(day) else "out"
        c = cells.get((lesson_id, sid))
        if c is None:
            # Most cells: nothing entered yet. No version either: journal.js reads a missing one as "0-0" (a third
            # of the grid's bytes were empty cells saying so); a save's answer always carries it.
            out.append(_EMPTY_CELL[lock])
        else:
            out.append("<td" + _cell_html(c, lock, names, ATT))
    return Markup("".join(out))


OOB = ' hx-swap-oob="true"'


def lesson_head(les, kinds: dict, today, oob: bool = False) -> Markup:
    """A lesson's column head in the grid: its day and number linking to its form, titled with its topic, kind of
    work, homework and changes (a save of the lesson's form answers with it out of band)."""
    return Markup(_head(les, kinds, today, request_translations(), chosen_language(),
                        url_for("journal.edit_lesson", lesson_id=les.id), oob))


def lesson_heads(lessons, kinds: dict, today) -> Markup:
    """The grid's column heads, thirty a page: the translations, the language and the lesson form's address are
    looked up once for all of them (the address is the one of lesson 0 with each id in place of the 0)."""
    tr, lang = request_translations(), chosen_language()
    base = url_for("journal.edit_lesson", lesson_id=0)[:-1]
    return Markup("".join([_head(les, kinds, today, tr, lang, f"{base}{les.id}") for les in lessons]))


def _head(les, kinds: dict, today, tr, lang: str, url: str, oob: bool = False) -> str:
    """Plain Python, like the cells: a macro each was a tenth of the grid's render."""
    title = [les.topic or tr.ugettext("no topic yet")]
    if les.work_kind_id:
        title.append(kinds[les.work_kind_id].name(lang))
    if les.homework:
        title.append(f"{tr.ugettext('Homework')}: {les.homework}")
    if les.state == "cancelled":
        title.append(tr.ugettext("cancelled"))
    if les.substitute_id:
        title.append(tr.ugettext("substituted by %(name)s") % {"name": les.substitute.person.short_name})
    if les.moved_from_day:
        title.append(tr.ugettext("moved from %(date)s, lesson %(number)d")
                     % {"date": date_text(les.moved_from_day, "dd.MM.y"), "number": les.moved_from_number})
    if les.extra:
        title.append(tr.ugettext("extra lesson"))
    classes = ("today" if les.day == today else "") + (" cx" if les.state == "cancelled" else "") + (
        " sub" if les.substitute_id else "") + (" mv" if les.moved_from_day or les.extra else "")
    number = f"·{les.number}" if les.number > 1 else ""
    return (f'<th{OOB if oob else ""} id="h{les.id}" scope="col" class="{classes}"\n'
            f' title="{escape(" · ".join(title))}">\n'
            f'<a href="{url}" hx-get="{url}" hx-target="#panel">{les.day.day}<small>'
            f'{date_text(les.day, "MM")}{number}</small></a></th>')


def period_cell(sid: int, pm, stats, writable: bool, min_marks: int) -> Markup:
    """A student's period mark in the grid, with the suggestion from the row's marks and a warning when it was set
    on fewer marks than the school asks (a save of the period mark answers with it)."""
    tr = request_translations()
    out = [f'<td id="p{sid}" class="pm" data-v="{pm.version if pm else 0}">']
    if writable:
        out.append(f'<button type="button" data-p="{sid}" title="{escape(tr.ugettext("Period mark"))}">')
    out.append(f'<span id="s{sid}" class="sug">{escape((stats.suggestion or "") if stats else "")}</span> '
               f'<b>{escape(pm.code) if pm else ""}</b>')
    if pm and stats and pm.code.isdigit() and stats.count < min_marks:
        warning = tr.ungettext("Set on %(num)d current mark: the school asks for at least %(min)d.",
                               "Set on %(num)d current marks: the school asks for at least %(min)d.",
                               stats.count) % {"num": stats.count, "min": min_marks}
        out.append(f' <span class="warn" title="{escape(warning)}">!</span>')
    if writable:
        out.append("</button>")
    out.append("</td>")
    return Markup("".join(out))


@lru_cache(maxsize=4096)
def _date_text(day: dt.date, fmt: str, locale) -> str:
    return format_date(day, fmt)


@lru_cache(maxsize=1024)
def _time_text(moment: dt.time, locale) -> str:
    return format_time(moment, "HH:mm")


@lru_cache(maxsize=4096)
def _decimal_text(n, fmt: str, locale) -> str:
    return format_decimal(n, fmt)


def decimal_text(n, fmt: str = "0.00") -> str:
    """The `decimal` filter (averages: 4,25 / 4.25), kept per value, format and locale like date_text."""
    if n is None:
        return ""
    return _decimal_text(n, fmt, locale_key())


def date_text(d, fmt: str = "medium") -> str:
    """The `date` filter: Flask-Babel's format_date, kept per date, format and locale. A page formats the same
    days over and over (a week's dates, the to-do list's) and each formatting through Babel costs more than the
    rest of the line it is on. A datetime is not kept: Flask-Babel moves it into the user's time zone first."""
    if not d:
        return ""
    if type(d) is dt.date:
        return _date_text(d, fmt, locale_key())
    return format_date(d, fmt)


def time_text(t) -> str:
    """The `time` filter (HH:mm), kept per time of day and locale like date_text (the bell times)."""
    if not t:
        return ""
    if type(t) is dt.time and t.tzinfo is None:
        return _time_text(t, locale_key())
    return format_time(t, "HH:mm")


def init_app(app) -> None:
    static_root = Path(app.static_folder)

    def asset(filename: str) -> str:
        """URL with a content hash, so the file can be cached for a year."""
        path = static_root / filename
        return url_for("static", filename=filename, v=_digest(str(path), path.stat().st_mtime))

    @app.after_request
    def cache_static(response):
        if request.endpoint == "static" and response.status_code == 200:
            # Read the (small) file now so Flask-Compress compresses it whole, not as a stream it never closes.
            response.direct_passthrough = False
            response.make_sequence()
        if request.endpoint == "static" and request.args.get("v"):
            response.cache_control.public = True
            response.cache_control.max_age = 31536000
            response.cache_control.immutable = True
        elif request.endpoint != "static":
            response.vary.add("HX-Request")
            response.headers.setdefault("Cache-Control", "no-store" if request.endpoint != "main.healthz" else "no-cache")
        return response

    # Globals, not a context processor: macros imported without context (cached by Jinja) see them too.
    app.jinja_env.globals.update(asset=asset, lang=chosen_language, languages=SUPPORTED,
                                 language_names=LANGUAGE_NAMES, localized=localized, school=school_settings,
                                 today=clock.today, locale=get_locale,
                                 attendance_labels=short_labels, grid_cell=grid_cell,
                                 grid_row=grid_row, lesson_head=lesson_head, lesson_heads=lesson_heads,
                                 period_cell=period_cell)

    app.jinja_env.filters["subgroup"] = subgroup_label
    app.jinja_env.filters["abbreviate"] = abbreviate
    app.jinja_env.filters["by_subject"] = by_subject
    app.jinja_env.filters["date"] = date_text
    app.jinja_env.filters["time"] = time_text
    app.jinja_env.filters["decimal"] = decimal_text
