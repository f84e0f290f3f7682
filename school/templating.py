"""Template globals: dates and numbers through Flask-Babel, the static asset with a content hash."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import request, url_for
from flask_babel import format_date, format_decimal, format_time, get_locale
from markupsafe import Markup, escape

from school import clock
from school.i18n import (LANGUAGE_NAMES, SUPPORTED, abbreviate, by_subject, chosen_language, localized,
                         subgroup_label)
from school.queries import school_settings
from school.register.attendance import short_labels


@lru_cache(maxsize=64)
def _digest(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def kind_names(kinds: dict, lang: str) -> dict[int, str]:
    """The kinds of work's names in a language, escaped for a title: once per page, not once per marked cell."""
    return {kid: str(escape(k.name(lang))) for kid, k in kinds.items()}


def _cell_html(lesson_id: int, sid: int, c, locked, names: dict[int, str], ATT: dict,
               message: str | None = None, page: bool = False) -> str:
    """One cell of the journal's grid as HTML (templates/journal/_cell.html says what it shows). The version is
    digits, dots and a dash built from integers; the codes and comments are escaped, the names already are.
    On the page an empty cell carries no version (journal.js reads a missing one as "0-0": a third of the grid's
    bytes were empty cells saying so); a save's answer always carries it."""
    if c is None and page:
        out = [f'<td id="c{lesson_id}-{sid}"']
    else:
        out = [f'<td id="c{lesson_id}-{sid}" data-v="{c.version if c else "0-0"}"']
    if locked or message:
        out.append(' class="' + ("x" + (" out" if locked == "out" else "") if locked else "")
                   + (" err" if message else "") + '"')
    if message:
        out.append(f' title="{escape(message)}"')
    elif c and c.marks:
        out.append(' title="' + "; ".join(
            f"{escape(m.code)}: {names[m.work_kind_id]}" + (f" — {escape(m.comment)}" if m.comment else "")
            for m in c.marks) + '"')
    out.append(">")
    if c:
        if c.attendance:
            out.append(f"<i>{escape(ATT[c.attendance.code])}</i>")
        out.append(" ".join([""] * bool(c.attendance) + [str(escape(m.code)) for m in c.marks]))
    out.append("</td>")
    return "".join(out)


def grid_cell(lesson_id: int, sid: int, c, locked, kinds: dict, ATT: dict, message: str | None = None) -> Markup:
    """One cell of the grid: a save's answer (the page renders whole rows with grid_row)."""
    return Markup(_cell_html(lesson_id, sid, c, locked, kind_names(kinds, chosen_language()), ATT, message))


def grid_row(student, columns: list[tuple[int, object, bool]], cells: dict, names: dict[int, str],
             ATT: dict) -> Markup:
    """A student's cells across the grid's columns, each (lesson id, day, locked for this user): "out" where the
    student is not in the class that day, else the lesson's own lock.

    Plain Python, not a template: the 35 × 30 grid has a thousand cells, and a macro (or a call from the
    template) per cell was most of its render time."""
    sid, enrolled = student.student_id, student.enrolled
    return Markup("".join(_cell_html(lesson_id, sid, cells.get((lesson_id, sid)),
                                     locked if enrolled(day) else "out", names, ATT, page=True)
                          for lesson_id, day, locked in columns))


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
                                 grid_row=grid_row)

    app.jinja_env.filters["subgroup"] = subgroup_label
    app.jinja_env.filters["abbreviate"] = abbreviate
    app.jinja_env.filters["by_subject"] = by_subject
    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, fmt) if d else ""
    app.jinja_env.filters["time"] = lambda t: format_time(t, "HH:mm") if t else ""
    app.jinja_env.filters["decimal"] = lambda n, fmt="0.00": format_decimal(n, fmt) if n is not None else ""
