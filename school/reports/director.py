"""The director's page: per class, registers filled on time, attendance, results, period marks still missing; the
teachers with the most overdue entries and the classes short of period marks near the period's end, each linked
to its report. The reports' own functions, for the whole school and the current period."""
from __future__ import annotations

from school import clock
from school.queries import school_settings
from school.reports import accumulation, attendance, results, timeliness
from school.reports.filters import Filters

ATTENTION_TEACHERS = 5
PERIOD_END_DAYS = 14   # "near the period's end": from two weeks before it until its marks' deadline


def overview(f: Filters, lang: str) -> dict:
    if not f.ready:
        return dict(classes=[], late_teachers=[], short_classes=[], near_end=False)
    # The reports' counts without their lists of lines, which this page does not show.
    on_time = timeliness.compute(f, lang, details=False)
    absent = attendance.compute(f, lang, details=False)
    marks = results.compute(f, lang)
    acc = accumulation.compute(f, lang, details=False)
    by_class = {}
    for row in on_time.classes:
        by_class.setdefault(row.key, {"label": row.label})["timeliness"] = row.counts
    for class_id, label in absent.classes:
        by_class.setdefault(class_id, {"label": label})["attendance"] = absent.by_class[class_id]
    for row in marks.classes:
        by_class.setdefault(row.class_id, {"label": row.label})["results"] = row
    for row in acc.classes:
        by_class.setdefault(row.class_id, {"label": row.label})["accumulation"] = row
    classes = sorted(({"class_id": k, **v} for k, v in by_class.items()),
                     key=lambda c: (int(c["label"].split("-")[0]), c["label"]))
    today = clock.today()
    near_end = False
    if f.period is not None:
        deadline = school_settings().period_mark_deadline_days
        near_end = (f.period.last_day - today).days <= PERIOD_END_DAYS and (today - f.period.last_day).days <= deadline
    late_teachers = sorted((r for r in on_time.teachers if r.counts.total_late),
                           key=lambda r: (-r.counts.total_late, r.label))[:ATTENTION_TEACHERS]
    short = [c for c in acc.classes if c.missing] if near_end else []
    return dict(classes=classes, late_teachers=late_teachers, short_classes=short, near_end=near_end,
                total=on_time.total, absent_total=absent.total, school_results=marks.school)
