from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from school.forms import FlaskForm
from school.i18n import LANGUAGE_NAMES, SUPPORTED


class AckForm(FlaskForm):
    """"I have read this week": only the CSRF token travels."""


class FamilyForm(FlaskForm):
    delivery = SelectField(_l("How the school informs you"), choices=[
        SelectChoice("electronic", _l("Electronic diary")),
        SelectChoice("paper", _l("A printed statement every week"))])
    statement_language = SelectField(_l("Language of the printed statement"),
                                     choices=[SelectChoice(c, LANGUAGE_NAMES[c], render_kw={"lang": c})
                                              for c in SUPPORTED])
