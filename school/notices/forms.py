from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from school.forms import FlaskForm


class PreferencesForm(FlaskForm):
    absence = BooleanField(_l("Absences on the day"))
    digest = BooleanField(_l("Weekly digest of marks and homework"))
    result = BooleanField(_l("Period, year and exam results"))
    timetable = BooleanField(_l("Timetable changes for tomorrow"))
    message = BooleanField(_l("New messages from the school"))


class ButtonForm(FlaskForm):
    """A button (its CSRF token is all it carries)."""
