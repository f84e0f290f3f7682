"""Control reports (DOMAIN.md "Reports"): thin routes over one module per report.

The screen, the print version and the XLSX export render the same rows. The administration sees every class; a
class teacher their own classes (another class is a 404); teachers and families none."""
from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

from flask import Blueprint, abort, request, send_file, url_for
from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from school import clock
from school.access import ADMINISTRATION, allow
from school.htmx import render
from school.i18n import current_language
from school.register import calendar
from school.reports import (accumulation, activity, attendance, changes, curriculum, director, filters, mark_changes,
                            results, timeliness, unsatisfactory, xlsx)

bp = Blueprint("reports", __name__, url_prefix="/reports")

READERS = ("admin", "director", "deputy", "class_teacher")

REPORTS = {
    "timeliness": SimpleNamespace(module=timeliness, title=_l("Timeliness of entries"), description=_l(
        "Topics, homework, marks and absences entered against the school's deadlines, per teacher and per class.")),
    "accumulation": SimpleNamespace(module=accumulation, title=_l("Accumulation of marks"), description=_l(
        "Students with no marks or a single mark per subject; period marks set on too few marks.")),
    "results": SimpleNamespace(module=results, title=_l("Results for the period"), description=_l(
        "Progress and quality of each class and of the school, from the period marks.")),
    "attendance": SimpleNamespace(module=attendance, title=_l("Attendance by class and month"), description=_l(
        "Lessons missed and, of them, for a reason; per student the lessons missed with their topics.")),
    "unsatisfactory": SimpleNamespace(module=unsatisfactory, title=_l("Unsatisfactory marks"), description=_l(
        "Marks below satisfactory per student, with the topics they were given on.")),
    "curriculum": SimpleNamespace(module=curriculum, title=_l("Completion of the curriculum"), description=_l(
        "Planned hours against the lessons held, per course.")),
    "activity": SimpleNamespace(module=activity, title=_l("User activity and diary visits"), description=_l(
        "Logins per month; parents' and students' diary visits and acknowledgements per class.")),
    "changes": SimpleNamespace(module=changes, title=_l("Substituted, moved and cancelled lessons"), description=_l(
        "Every change of the timetable's lessons with its reason, and the count per teacher.")),
    "mark_changes": SimpleNamespace(module=mark_changes, title=_l("Mark changes"), description=_l(
        "Who changed which mark when: the old and the new value.")),
}


def _report(name: str):
    spec = REPORTS.get(name)
    if spec is None:
        abort(404)
    lang = current_language()
    f, options, error = filters.parse(request.args, current_user, lang)
    data = spec.module.compute(f, lang)
    return SimpleNamespace(name=name, spec=spec, f=f, options=options, error=error, data=data, lang=lang)


def _grid_period(periods, scheme: str, day: dt.date):
    """The period of a scheme holding a day (the grid shows one period)."""
    return calendar.period_containing([p for p in periods if p.scheme == scheme], day)


def percent(value) -> str:
    return format_percent(value, "#,##0.0%") if value is not None else "—"


def period_label(period) -> str:
    return {"quarters": _("quarter %(n)d", n=period.number), "halves": _("half-year %(n)d", n=period.number),
            "trimesters": _("trimester %(n)d", n=period.number)}.get(period.scheme, str(period.number))


def _grid_urls():
    """url_for of the journal's grid, once per course and period (a report links to it from many rows)."""
    seen: dict = {}

    def grid_url(course_id: int, period_id: int | None) -> str:
        key = (course_id, period_id)
        if key not in seen:
            seen[key] = url_for("journal.grid", course_id=course_id, period=period_id)
        return seen[key]
    return grid_url


def _context(r) -> dict:
    return dict(grid_url=_grid_urls(), name=r.name, spec=r.spec, f=r.f, options=r.options, error=r.error, data=r.data,
                grid_period=lambda scheme, day: _grid_period(r.options.periods, scheme, day),
                describe=describe(r), percent=percent, period_label=period_label, printing=False)


def describe(r) -> str:
    """The filters in words: for the print version's heading and the XLSX's second line."""
    parts = []
    if r.f.class_id:
        parts.append(_("class %(label)s", label=next((c.label for c in r.options.classes if c.id == r.f.class_id),
                                                     "")))
    if r.f.subject_id:
        parts.append(next((s.name(r.lang) for s in r.options.subjects if s.id == r.f.subject_id), ""))
    if r.f.teacher_id:
        parts.append(next((filters.person_label(t.surname, t.name, t.patronymic) for t in r.options.teachers
                           if t.id == r.f.teacher_id), ""))
    if r.f.period is not None:
        parts.append(period_label(r.f.period))
    if r.f.first:
        parts.append(f"{format_date(r.f.first, 'dd.MM.y')} – {format_date(r.f.last, 'dd.MM.y')}")
    return " · ".join(p for p in parts if p)


@bp.route("/")
@allow(*READERS)
def index():
    return render("reports/index.html", reports=REPORTS)


@bp.route("/overview")
@allow(*ADMINISTRATION)
def overview():
    """The director's page: the school at a glance for the current period, and what needs attention first."""
    lang = current_language()
    f, options, _error = filters.parse(MultiDict(), current_user, lang)
    return render("reports/overview.html", f=f, options=options, period_label=period_label, percent=percent,
                  **director.overview(f, lang))


@bp.route("/<report>")
@allow(*READERS)
def show(report: str):
    r = _report(report)
    return render("reports/page.html", "reports/_body.html", status=422 if r.error else 200, **_context(r))


@bp.route("/<report>/print")
@allow(*READERS)
def print_report(report: str):
    r = _report(report)
    return render("reports/print.html", status=422 if r.error else 200, **dict(_context(r), printing=True))


@bp.route("/<report>.xlsx")
@allow(*READERS)
def export(report: str):
    r = _report(report)
    data = xlsx.workbook(str(r.spec.title), describe(r), r.data.sheets())
    return send_file(io.BytesIO(data), as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"{report}-{clock.today().isoformat()}.xlsx")
