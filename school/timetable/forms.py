"""The timetable editor's forms: a lesson put in a cell of the week, a lesson taken out, the year generated, and the
administrator's decisions on lessons the timetable no longer gives."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from school import MAX_ID
from school.forms import FlaskForm
from school.register.changes import REASON_MAX
from school.register.versions import MAX as VERSION_MAX

WEEK_CHOICES = [SelectChoice("every", _l("every week")), SelectChoice("A", _l("week A")), SelectChoice("B", _l("week B"))]


class PlaceForm(FlaskForm):
    """One lesson in one cell (weekday × lesson number) of a class's week."""
    weekday = IntegerField(validators=[InputRequired(), NumberRange(1, 7)])
    number = IntegerField(validators=[InputRequired(), NumberRange(0, 12)])
    course = SelectField(_l("Course"), coerce=int, validators=[InputRequired(message=_l("Choose the course."))])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=20)])
    weeks = SelectField(_l("Weeks"), choices=WEEK_CHOICES, default="every")
    valid_from = DateField(_l("In force from"), validators=[InputRequired(message=_l("Give the date the change starts from."))])
    joint_with = IntegerField(_l("Joint lesson with"), validators=[Optional(), NumberRange(1, MAX_ID)])


class RemoveForm(FlaskForm):
    slot = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_ID)])
    since = DateField(_l("From"), validators=[InputRequired(message=_l("Give the date the change starts from."))])


class GenerateForm(FlaskForm):
    confirm = BooleanField(_l("Yes, make the lessons of the whole year from the timetable"),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class KeepForm(FlaskForm):
    version = IntegerField(validators=[InputRequired(), NumberRange(1, VERSION_MAX)])


class MoveForm(FlaskForm):
    version = IntegerField(validators=[InputRequired(), NumberRange(1, VERSION_MAX)])
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Give the date."))])
    number = IntegerField(_l("Lesson number"), validators=[InputRequired(message=_l("Give the lesson number.")),
                                                           NumberRange(0, 12)])
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason of the change.")),
                                                   Length(max=REASON_MAX)])
