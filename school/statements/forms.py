from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired

from school.forms import FlaskForm


class ReturnForm(FlaskForm):
    """A signed statement came back (returned=1), or that record was a mistake (returned=0)."""
    returned = HiddenField(validators=[DataRequired(), AnyOf(["0", "1"])])
