from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from school import MAX_ID
from school.forms import FlaskForm
from school.models.register import COMMENT_MAX, HOMEWORK_MAX, TOPIC_MAX
from school.register.versions import MAX as VERSION_MAX


class PostedByTheGrid:
    """Meta of the grid's own POSTs (a cell, a reason, a period mark): CSRFProtect checks the X-CSRFToken header of
    every POST before any view runs, so these forms do not make and check a second token of their own (that was a
    third of a cell save's form cost). A POST without the header is refused all the same (400)."""
    csrf = False


class CellForm(FlaskForm):
    Meta = PostedByTheGrid
    action = StringField(validators=[DataRequired(), Length(max=10)])
    version = StringField(validators=[DataRequired(), Length(max=80)])
    slot = IntegerField(default=1, validators=[Optional(), NumberRange(1, 3)])
    work_kind = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])
    # Absent from keyboard saves (the comment stays); present, even empty, from the picker.
    comment = StringField(validators=[Optional(), Length(max=COMMENT_MAX)])


class VersionedChoiceForm(FlaskForm):
    Meta = PostedByTheGrid
    value = StringField(validators=[DataRequired(), Length(max=10)])
    version = IntegerField(validators=[Optional(), NumberRange(0, VERSION_MAX)], default=0)


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class LessonForm(FlaskForm):
    """The lesson header for its teacher (and a substitute: topic and homework)."""
    topic = TextAreaField(_l("Topic"), validators=[Length(max=TOPIC_MAX)], render_kw={"rows": 2})
    homework = TextAreaField(_l("Homework"), validators=[Length(max=HOMEWORK_MAX)], render_kw={"rows": 2})
    work_kind = SelectField(_l("Kind of work"), coerce=_optional_int, validate_choice=True)
    state = SelectField(_l("The lesson"), choices=[SelectChoice("held", _l("held")),
                                                   SelectChoice("cancelled", _l("cancelled"))])
    version = IntegerField(validators=[DataRequired(), NumberRange(1, VERSION_MAX)])


class SubstituteForm(FlaskForm):
    """The administration names the substitute of one lesson, with the reason."""
    substitute = SelectField(_l("Substitute teacher"), coerce=_optional_int, validate_choice=True)
    reason = StringField(_l("Reason"), validators=[Length(max=300)])


class UnlockForm(FlaskForm):
    """The administrator opens past days of a class beyond the edit window."""
    school_class = SelectField(_l("Class"), coerce=_optional_int, validate_choice=True)
    first_day = DateField(_l("From"), validators=[DataRequired()])
    last_day = DateField(_l("To"), validators=[DataRequired()])
    until = DateField(_l("Open until (inclusive)"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
