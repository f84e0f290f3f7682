from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from school.forms import FlaskForm
from school.register.changes import REASON_MAX
from school.register.versions import MAX as VERSION_MAX


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class _Versioned(FlaskForm):
    version = IntegerField(validators=[DataRequired(), NumberRange(1, VERSION_MAX)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_MAX)])


class MoveForm(_Versioned):
    """A lesson moved to another day or lesson number."""
    day = DateField(_l("New date"), validators=[DataRequired()])
    number = IntegerField(_l("Lesson number"), validators=[InputRequired(), NumberRange(0, 12)])


class CancelForm(_Versioned):
    """A lesson cancelled, or a cancelled one restored."""


class ExtraForm(FlaskForm):
    """An extra lesson of a course on a date."""
    course = SelectField(_l("Course"), coerce=_optional_int, validate_choice=True)
    number = IntegerField(_l("Lesson number"), validators=[InputRequired(), NumberRange(0, 12)])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=20)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_MAX)])
