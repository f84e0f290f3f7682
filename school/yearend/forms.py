"""The year-end forms: the confirmation of closing, the next year (dates, class teachers, each student's way on),
the graduates' and leavers' order numbers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, FieldList, Form, FormField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from school.admin.forms import required, text
from school.forms import FlaskForm

CHOICE_LABELS = {"promote": _l("goes on to the next grade"), "graduate": _l("graduates"),
                 "leave": _l("leaves the school")}


class CloseForm(FlaskForm):
    confirm = BooleanField(_l("I have checked the year: close it and make its register read-only"),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class NextYearForm(FlaskForm):
    first_day = DateField(_l("First day"), validators=[required()])
    last_day = DateField(_l("Last day"), validators=[required()])


def teacher_field_name(class_id: int) -> str:
    return f"teacher_{class_id}"


def outcome_field_name(student_id: int) -> str:
    return f"outcome_{student_id}"


def next_year_form(plan, teachers, choices_for, **kwargs) -> NextYearForm:
    """The form with a class-teacher choice per class and a choice per student (only where there is one)."""
    class Form_(NextYearForm):
        pass

    for cp in plan:
        klass = cp.school_class
        ways = choices_for(klass.grade)
        if ways == ("graduate",):  # the last grade: no class follows it
            continue
        options = [SelectChoice("", _l("— nobody —"))] + [SelectChoice(str(t.id), t.person.full_name)
                                                          for t in teachers]
        if klass.class_teacher is not None and klass.class_teacher_id not in {t.id for t in teachers}:
            options.append(SelectChoice(str(klass.class_teacher_id), klass.class_teacher.person.full_name))
        setattr(Form_, teacher_field_name(klass.id),
                SelectField(_l("Class teacher of %(label)s", label=f"{klass.grade + 1}-{klass.letter}"),
                            choices=options, default=str(klass.class_teacher_id or "")))
        if len(ways) > 1:
            for row in cp.students:
                setattr(Form_, outcome_field_name(row.student_id),
                        SelectField(row.label, choices=[SelectChoice(w, CHOICE_LABELS[w]) for w in ways],
                                    default=ways[0]))
    return Form_(**kwargs)


class LeaverRow(Form):
    enrolment_id = HiddenField()
    order_out = text(_l("Order number"), 40, optional=True)
    reason = text(_l("Reason"), 300, optional=True)


class LeaversForm(FlaskForm):
    rows = FieldList(FormField(LeaverRow), max_entries=5000)
