from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import TextInput

from school.forms import FlaskForm
from school.models.organisation import ASSESSMENT

ASSESSMENT_LABELS = {"scale": _l("Marks of the school's scale"), "pass_fail": _l("Pass / fail"),
                     "unmarked": _l("Without marks")}


class HoursField(DecimalField):
    """Hours as a reader of ru/uk/crh types them: 1,5 as well as 1.5 (a text input: a number input refuses the
    comma in some browsers)."""
    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_decimal(self.data, "0.#") if self.data is not None else ""

    def process_formdata(self, valuelist):
        super().process_formdata([v.strip().replace(",", ".") if isinstance(v, str) else v for v in valuelist])


class CourseForm(FlaskForm):
    school_class = SelectField(_l("Class"), coerce=int)
    subject = SelectField(_l("Subject"), coerce=int)
    subgroup = SelectField(_l("Subgroup"), coerce=int,
                           description=_l("A subgroup must belong to the class and the subject; the subgroups "
                                          "are set on the class's page."))
    teacher = SelectField(_l("Teacher"), coerce=int)
    hours_per_week = HoursField(_l("Hours per week"), places=1,
                                  validators=[InputRequired(), NumberRange(0.5, 20)],
                                  render_kw={"inputmode": "decimal"})
    attested = BooleanField(_l("Attested"), default=True,
                            description=_l("Not attested: the subject is taught without attestation."))
    assessment = SelectField(_l("Assessment"),
                             choices=[SelectChoice(a, ASSESSMENT_LABELS[a]) for a in ASSESSMENT])


class ConfirmForm(FlaskForm):
    """A button: only the CSRF token travels."""


class CopyForm(FlaskForm):
    """The two years; each row's teacher travels as teacher-<source course id> beside it."""
    source = SelectField(_l("Copy the courses of"), coerce=int)
    target = SelectField(_l("into the year"), coerce=int)
