from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from school.forms import FlaskForm
from school.models.register import TOPIC_MAX
from school.register.plan import HOURS_MAX, POSITION_MAX

STORED_NAME = r"[0-9a-f]{64}\.(xlsx|ods|csv)"


class RowForm(FlaskForm):
    """One row of the plan as it is edited in place (prefix "row": the add form below the table has its own)."""
    topic = TextAreaField(_l("Topic"), validators=[DataRequired(_l("Enter the topic.")), Length(max=TOPIC_MAX)],
                          render_kw={"rows": 3, "maxlength": TOPIC_MAX})
    hours = IntegerField(_l("Hours"), validators=[InputRequired(_l("Enter the hours.")), NumberRange(1, HOURS_MAX)],
                         render_kw={"min": 1, "max": HOURS_MAX, "inputmode": "numeric"})


class AddForm(RowForm):
    position = IntegerField(_l("№"), validators=[Optional(), NumberRange(1, POSITION_MAX)],
                            render_kw={"min": 1, "max": POSITION_MAX, "inputmode": "numeric",
                                       "placeholder": _l("at the end")})


class MoveForm(FlaskForm):
    direction = SelectField(choices=[SelectChoice("up", _l("up")), SelectChoice("down", _l("down"))])


class DeleteForm(FlaskForm):
    pass


class UploadForm(FlaskForm):
    file = FileField(_l("File (XLSX, ODS or CSV)"), validators=[FileRequired(_l("Choose a file."))])


class ConfirmForm(FlaskForm):
    file = HiddenField(validators=[DataRequired(), Regexp(STORED_NAME)])
    name = HiddenField(validators=[Optional(), Length(max=255)])
