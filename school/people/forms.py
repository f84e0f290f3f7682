from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from school.forms import FlaskForm
from school.i18n import LANGUAGE_NAMES, SUPPORTED
from school.models.organisation import SCHEMES
from school.models.people import RELATIONS, STAFF_ROLES

ROLE_LABELS = {"admin": _l("Administrator"), "director": _l("Director"), "deputy": _l("Deputy director"),
               "teacher": _l("Teacher"), "secretary": _l("Secretary")}
SCHEME_LABELS = {"quarters": _l("Quarters"), "halves": _l("Halves"), "trimesters": _l("Trimesters")}
RELATION_LABELS = {"mother": _l("Mother"), "father": _l("Father"), "guardian": _l("Guardian"), "other": _l("Other")}
DELIVERY_LABELS = {"electronic": _l("Electronic diary"), "paper": _l("A printed statement every week")}


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonForm(FlaskForm):
    surname = StringField(_l("Surname"), validators=[DataRequired(), Length(max=100)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    patronymic = StringField(_l("Patronymic"), validators=[Optional(), Length(max=100)])
    birth_date = DateField(_l("Birth date"), validators=[Optional()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=200),
                       Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("This is not an e-mail address."))])


class StaffForm(PersonForm):
    username = StringField(_l("Username"), validators=[Optional(), Length(max=64)],
                           description=_l("Leave empty to make one from the name."))
    roles = Checkboxes(_l("Roles"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in STAFF_ROLES],
                       validators=[DataRequired(_l("Choose at least one role."))])


class ConfirmForm(FlaskForm):
    """A button: only the CSRF token travels."""


class ClassForm(FlaskForm):
    grade = IntegerField(_l("Grade"), validators=[InputRequired(), NumberRange(1, 11)])
    letter = StringField(_l("Letter"), validators=[DataRequired(), Length(max=2)])
    class_teacher = SelectField(_l("Class teacher"), coerce=int, validate_choice=True)
    period_scheme = SelectField(_l("Reporting periods"), choices=[SelectChoice(s, SCHEME_LABELS[s]) for s in SCHEMES])
    marks_from = DateField(_l("Marks from"), validators=[Optional()],
                           description=_l("Empty for grade 1 (no marks). Grade 2: the first day of its second half."))


class SubgroupForm(FlaskForm):
    subject = SelectField(_l("Subject"), coerce=int)
    name = StringField(_l("Subgroup"), validators=[DataRequired(), Length(max=40)],
                       description=_l("For example: 1 группа, 2 группа, мальчики, девочки."))


class MemberForm(FlaskForm):
    student = SelectField(_l("Student"), coerce=int)
    day = SelectField(_l("From the start of the period"))


class StudentForm(PersonForm):
    consent_date = DateField(_l("Written consent of the family received on"), validators=[Optional()])
    delivery = SelectField(_l("How the school informs the family"),
                           choices=[SelectChoice(k, v) for k, v in DELIVERY_LABELS.items()])
    statement_language = SelectField(_l("Language of the family's papers"),
                                     choices=[SelectChoice(c, LANGUAGE_NAMES[c], render_kw={"lang": c})
                                              for c in SUPPORTED])


class GuardianForm(PersonForm):
    relation = SelectField(_l("Relation"), choices=[SelectChoice(r, RELATION_LABELS[r]) for r in RELATIONS])


class UsernameForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])


class AdmitForm(FlaskForm):
    school_class = SelectField(_l("Class"), coerce=int)
    day = DateField(_l("First day in the class"), validators=[InputRequired()])
    order = StringField(_l("Order number"), validators=[DataRequired(), Length(max=40)])


class TransferForm(AdmitForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class LeaveForm(FlaskForm):
    day = DateField(_l("Last day in the class"), validators=[InputRequired()])
    order = StringField(_l("Order number"), validators=[DataRequired(), Length(max=40)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class SlipsForm(FlaskForm):
    person = SelectMultipleField(_l("People"), coerce=int, validate_choice=False,
                                 validators=[DataRequired(_l("Choose the people to print slips for."))])
    reset = HiddenField(validators=[Optional(), AnyOf(["", "1"])])
    output = SelectField(_l("Print as"), choices=[SelectChoice("html", _l("Page to print")),
                                                  SelectChoice("pdf", _l("PDF file"))])
