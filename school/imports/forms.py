from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from school.forms import FlaskForm


def kind_names() -> dict:
    return {"people": _l("Students and their guardians"), "staff": _l("Staff"), "classes": _l("Classes"),
            "timetable": _l("Timetable (aSc Timetables XML)")}


class UploadForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), choices=[SelectChoice(k, v) for k, v in kind_names().items()])
    file = FileField(_l("File (XLSX, ODS or CSV; the timetable as aSc Timetables 2012 XML)"),
                     validators=[FileRequired(_l("Choose a file."))])


class TimetableChoicesForm(FlaskForm):
    """The first day of the imported slots; the matches chosen by hand are selects named
    `<kind>-<aSc id>` that the route checks against the plan's choices."""
    valid_from = DateField(_l("The timetable holds from"), validators=[InputRequired(_l("Give the first day."))])
