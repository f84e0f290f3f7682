"""A day's lessons in the family diary's week, as HTML.

templates/diary/week.html calls day_lessons() once a school day. A week shows 25-35 lessons, each with a dozen
parts that may or may not be there (the bell, marks, a cancellation, a substitution, a move, homework due and set,
the topic, an absence); built in Jinja they were a seventh of the page's time, most of it in the template
machinery around each small part. What is shown, and in what order, is the template's as it was; the texts are
the catalog's, escaped where they take values."""
from __future__ import annotations

from markupsafe import Markup, escape

from school.i18n import markup_gettext as _
from school.templating import date_text, time_text


def attendance_label(a) -> Markup:
    """What the family reads for an absence or a late arrival (the week and the attendance page)."""
    if a.code == "late":
        return _("late")
    kind = a.reason or {"ill": "ill", "excused": "excused"}.get(a.code, "unexcused")
    return {"ill": _("ill"), "excused": _("excused (valid reason)"),
            "unexcused": _("absent without a valid reason")}[kind]


def day_lessons(lessons, L: str, kinds: dict) -> Markup:
    """The `<ul class="ls">` of one day's lessons (week.LessonItem) in the language L; kinds: work kinds by id."""
    due_label, homework_label = _("Due for this lesson"), _("Homework")
    out = ['<ul class="ls">']
    for i in lessons:
        les, cancelled = i.lesson, i.cancelled
        out.append('\n<li class="cx">' if cancelled else "\n<li>")
        out.append(f'<p class="lh"><span>{i.number}')
        if i.bell:
            out.append(f" · {escape(time_text(i.bell.starts))}")
        out.append(f"</span> <b>{escape(i.course.subject.name(L))}</b>")
        for m in i.marks:
            out.append(f' <mark title="{escape(kinds[m.work_kind_id].name(L))}">{escape(m.code)}</mark>')
        out.append("</p>")
        if cancelled:
            out.append(f'<p class="note">{_("The lesson is cancelled.") % {}}</p>')
        elif i.substituted:
            out.append(f'<p class="note">{_("Substitution: %(name)s") % {"name": les.substitute.short_name}}'
                       "</p>")
        moved = i.moved_from
        if moved:
            # An explicit pattern: the locales' "short" has a two-digit year in uk (17.11.26), a full one in ru and crh.
            text = _("Moved from %(date)s, lesson %(number)d.") % {"date": date_text(moved[0], "dd.MM.y"),
                                                                   "number": moved[1]}
            out.append(f'<p class="note">{text}</p>')
        if i.extra:
            out.append(f'<p class="note">{_("An extra lesson.") % {}}</p>')
        if i.homework_due:
            out.append(f'<p class="hw due"><span>{due_label % {}}:</span> {escape(i.homework_due)}</p>')
        if les and les.topic:
            out.append(f"<p>{escape(les.topic)}</p>")
        if les and les.homework:
            out.append(f'<p class="hw"><span>{homework_label % {}}:</span> {escape(les.homework)}</p>')
        for m in i.marks:
            comment = f": {escape(m.comment)}" if m.comment else ""
            out.append(f'<p class="mk">{escape(m.code)} — {escape(kinds[m.work_kind_id].name(L))}{comment}</p>')
        if i.attendance:
            out.append(f'<p class="ab">{attendance_label(i.attendance)}</p>')
        out.append("\n</li>")
    out.append("\n</ul>")
    return Markup("".join(out))
