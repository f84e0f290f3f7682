"""The set-up forms. Rows (periods, holidays, bells, subjects, kinds of work) are plain sub-forms of a FieldList:
"add a row" and "remove a row" are submit buttons, so the editor works without JavaScript."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, DecimalField, FieldList, Form, FormField, HiddenField, IntegerField
from wtforms import SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from school.forms import CONTROL_CHARACTERS, FlaskForm
from school.models.organisation import SCHEMES

REQUIRED = _l("Fill in this field.")


def required():
    return InputRequired(message=REQUIRED)


def whole(low: int, high: int):
    return NumberRange(min=low, max=high, message=_l("Enter a whole number from %(min)s to %(max)s."))


def plain(_form, field) -> None:
    """Control characters in a row's text (the base form checks only its own top-level fields)."""
    if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(_l("Remove the control characters from this field (they show as �)."))


def text(label, length: int, optional: bool = False):
    return StringField(label, validators=[Optional() if optional else required(), Length(
        max=length, message=_l("At most %(max)d characters.")), plain], filters=[lambda s: s.strip() if s else s])


SCHEME_LABELS = {"quarters": _l("quarters"), "halves": _l("halves"), "trimesters": _l("trimesters")}


class SchoolForm(FlaskForm):
    name_ru = text(_l("Name in Russian"), 300)
    name_uk = text(_l("Name in Ukrainian"), 300)
    name_crh = text(_l("Name in Crimean Tatar"), 300)
    address_ru = text(_l("Address in Russian"), 300, optional=True)
    address_uk = text(_l("Address in Ukrainian"), 300, optional=True)
    address_crh = text(_l("Address in Crimean Tatar"), 300, optional=True)
    scale = SelectField(_l("Grading scale"), choices=[SelectChoice("five", _l("five-point (1–5)")),
                                                      SelectChoice("twelve", _l("twelve-point (1–12)"))])
    edit_window_days = IntegerField(_l("Edit window, days"), validators=[required(), whole(1, 366)])
    topic_deadline_days = IntegerField(_l("Lesson topic: days after the lesson"), validators=[required(), whole(0, 30)])
    homework_deadline_minutes = IntegerField(_l("Homework: minutes after the class's lessons end"),
                                             validators=[required(), whole(0, 1440)])
    mark_deadline_days = IntegerField(_l("Marks: days after the lesson"), validators=[required(), whole(0, 30)])
    test_mark_deadline_days = IntegerField(_l("Marks for tests: days"), validators=[required(), whole(0, 30)])
    written_mark_deadline_days = IntegerField(_l("Marks for written work and essays: days"),
                                              validators=[required(), whole(0, 30)])
    period_mark_deadline_days = IntegerField(_l("Period marks: days after the period ends"),
                                             validators=[required(), whole(0, 30)])
    absence_deadline_days = IntegerField(_l("Absences: days after the lesson (0: on the day)"),
                                         validators=[required(), whole(0, 30)])
    round_up_from = DecimalField(_l("A suggested period mark rounds up from the fraction"), places=2,
                                 validators=[required(), NumberRange(
                                     min=Decimal("0.01"), max=Decimal("0.99"),
                                     message=_l("Enter a fraction from %(min)s to %(max)s, such as 0.5."))])
    min_marks_for_period = IntegerField(_l("Fewest current marks that justify a period mark"),
                                        validators=[required(), whole(0, 50)])
    notice_hour = IntegerField(_l("Hour the day's absence notices go to families (0–23)"),
                               validators=[required(), whole(0, 23)])
    students_may_write = BooleanField(_l("Students may write to their teachers"))


class PeriodRow(Form):
    id = HiddenField()
    scheme = SelectField(_l("Scheme"), choices=[SelectChoice(s, SCHEME_LABELS[s]) for s in SCHEMES])
    first_day = DateField(_l("First day"), validators=[required()])
    last_day = DateField(_l("Last day"), validators=[required()])


class HolidayRow(Form):
    first_day = DateField(_l("First day"), validators=[required()])
    last_day = DateField(_l("Last day"), validators=[required()])
    name_ru = text(_l("Name in Russian"), 200)
    name_uk = text(_l("Name in Ukrainian"), 200)
    name_crh = text(_l("Name in Crimean Tatar"), 200)


class BellRow(Form):
    number = IntegerField(_l("Lesson"), validators=[required(), whole(0, 12)])
    starts = TimeField(_l("Starts"), validators=[required()])
    ends = TimeField(_l("Ends"), validators=[required()])


class YearForm(FlaskForm):
    first_day = DateField(_l("First day of the year"), validators=[required()])
    last_day = DateField(_l("Last day of the year"), validators=[required()])
    periods = FieldList(FormField(PeriodRow), max_entries=40)
    holidays = FieldList(FormField(HolidayRow), max_entries=40)
    bells = FieldList(FormField(BellRow), max_entries=13)


class SubjectRow(Form):
    id = HiddenField()
    short = text(_l("Short name"), 20)
    name_ru = text(_l("Name in Russian"), 120)
    name_uk = text(_l("Name in Ukrainian"), 120)
    name_crh = text(_l("Name in Crimean Tatar"), 120)


class SubjectsForm(FlaskForm):
    rows = FieldList(FormField(SubjectRow), max_entries=200)


class WorkKindRow(Form):
    id = HiddenField()
    code = text(_l("Code"), 20)
    name_ru = text(_l("Name in Russian"), 100)
    name_uk = text(_l("Name in Ukrainian"), 100)
    name_crh = text(_l("Name in Crimean Tatar"), 100)
    weight = DecimalField(_l("Weight"), places=2, validators=[required(), NumberRange(
        min=Decimal("0.01"), max=Decimal("99.99"), message=_l("Enter a weight from %(min)s to %(max)s."))])
    is_test = BooleanField(_l("A test"))
    mark_deadline_days = IntegerField(_l("Days to mark"), validators=[required(), whole(0, 30)])


class WorkKindsForm(FlaskForm):
    rows = FieldList(FormField(WorkKindRow), max_entries=100)
