from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from school.forms import FlaskForm


def kind_names() -> dict:
    return {"people": _l("Students and their guardians"), "staff": _l("Staff"), "classes": _l("Classes")}


class UploadForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), choices=[SelectChoice(k, v) for k, v in kind_names().items()])
    file = FileField(_l("File (XLSX, ODS or CSV)"), validators=[FileRequired(_l("Choose a file."))])
