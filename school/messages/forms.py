from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from school.forms import FlaskForm
from school.models.notices import MESSAGE_MAX, TOPIC_MAX


class NewThreadForm(FlaskForm):
    # Not checked against the choices here: a teacher who does not teach the child is a 404 (the service decides).
    teacher = SelectField(_l("Recipient"), coerce=int, choices=[], validate_choice=False)
    topic = StringField(_l("Conversation topic"), validators=[DataRequired(), Length(max=TOPIC_MAX)],
                        render_kw={"maxlength": TOPIC_MAX})
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=MESSAGE_MAX)],
                         render_kw={"rows": 6, "maxlength": MESSAGE_MAX})
    include_student = BooleanField(_l("The student reads it too"))
    whole_class = BooleanField(_l("To the families of the whole class (a conversation with each family)"))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=MESSAGE_MAX)],
                         render_kw={"rows": 4, "maxlength": MESSAGE_MAX})


class AuditReadForm(FlaskForm):
    reason = StringField(_l("Why (the complaint it concerns)"), validators=[DataRequired(), Length(max=500)])
