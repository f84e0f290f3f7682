from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired

from school.forms import FlaskForm


class StartForm(FlaskForm):
    """A button that starts a job (its CSRF token is all it carries)."""


class ArchiveForm(FlaskForm):
    year = SelectField(_l("Academic year"), validators=[DataRequired()], choices=[],
                       validate_choice=True)
