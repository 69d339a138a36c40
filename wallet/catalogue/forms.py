"""Forms of the catalogue: search, import, provider details, accreditations, decisions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from wallet.core.forms import MoneyField, choices
from wallet.reference import (
    ACCREDITATIONS,
    COURSE_KINDS,
    LANGUAGES,
    NLQF_LEVELS,
    SECTORS,
    municipalities,
)

REQUIRED = _l("This field is required.")
MODALITIES = {"classroom": _l("Classroom"), "online": _l("Online"), "blended": _l("Blended")}
SORT_LABELS = {
    "relevance": _l("Best match"),
    "start": _l("Start date"),
    "price": _l("Price"),
    "copay": _l("What I pay"),
}


def region_label(name: str):
    """ "Regio Twente" for Twente; a region whose name says "Regio" already keeps its name."""
    if name.lower().startswith(("regio ", "region ")):
        return name
    return _l("Region %(name)s", name=name)


def _places():
    regions = sorted({m.region for m in municipalities().values() if m.region})
    pairs = [(f"region:{r}", region_label(r)) for r in regions]
    pairs += [(code, m.name) for code, m in municipalities().items()]
    return choices(pairs, _l("Anywhere"))


class SearchForm(FlaskForm):
    """The catalogue search (GET, no CSRF needed: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    place = SelectField(_l("Where"), choices=_places, validators=[Optional()])
    kind = SelectField(
        _l("Kind of course"),
        choices=choices(COURSE_KINDS.items(), _l("Any")),
        validators=[Optional()],
    )
    sector = SelectField(
        _l("Sector"), choices=choices(SECTORS.items(), _l("Any")), validators=[Optional()]
    )
    nlqf_min = SelectField(
        _l("From level"), choices=choices(NLQF_LEVELS.items(), _l("Any")), validators=[Optional()]
    )
    nlqf_max = SelectField(
        _l("Up to level"), choices=choices(NLQF_LEVELS.items(), _l("Any")), validators=[Optional()]
    )
    modality = SelectField(
        _l("How"), choices=choices(MODALITIES.items(), _l("Any")), validators=[Optional()]
    )
    language = SelectField(
        _l("Language of the course"),
        choices=choices(LANGUAGES.items(), _l("Any")),
        validators=[Optional()],
    )
    accreditation = SelectField(
        _l("Accreditation"),
        choices=choices(ACCREDITATIONS.items(), _l("Any")),
        validators=[Optional()],
    )
    price_min = MoneyField(_l("Price from (euros)"), validators=[Optional()])
    price_max = MoneyField(_l("Price up to (euros)"), validators=[Optional()])
    starts_from = DateField(_l("Starts from"), validators=[Optional()])
    starts_until = DateField(_l("Starts until"), validators=[Optional()])
    within_budget = BooleanField(_l("Only courses my budget can pay"))
    sort = SelectField(
        _l("Sort by"),
        choices=choices(SORT_LABELS.items()),
        default="relevance",
        validators=[Optional()],
    )
    page = IntegerField(default=1, validators=[Optional(), NumberRange(1, 10_000)])


class ImportForm(FlaskForm):
    """A catalogue file."""

    file = FileField(
        _l("File (.csv, .json or .xml)"),
        description=_l("At most 10 MB. Nothing is imported until every line is right."),
        validators=[FileRequired(REQUIRED)],
    )


class ProviderDetailsForm(FlaskForm):
    """The organisation's details."""

    name = StringField(_l("Name of the organisation"), validators=[DataRequired(REQUIRED)])
    vat_number = StringField(
        _l("VAT number"),
        description=_l("For example NL000099998B57."),
        validators=[DataRequired(REQUIRED)],
    )
    street = StringField(_l("Street and number"), validators=[DataRequired(REQUIRED)])
    postcode = StringField(_l("Postcode"), validators=[DataRequired(REQUIRED), Length(max=10)])
    city = StringField(_l("City"), validators=[DataRequired(REQUIRED)])
    contact_email = StringField(_l("Contact e-mail"), validators=[DataRequired(REQUIRED)])
    contact_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    website = StringField(
        _l("Website (optional)"),
        description=_l("Shown to workers on your course pages, with your e-mail and phone."),
        validators=[Optional(), Length(max=200)],
    )


class AccreditationForm(FlaskForm):
    """An accreditation with evidence."""

    kind = SelectField(_l("Kind"), choices=choices(ACCREDITATIONS.items()))
    reference = StringField(
        _l("Registration number or programme code"),
        validators=[DataRequired(REQUIRED), Length(max=50)],
    )
    evidence = TextAreaField(
        _l("Evidence"),
        description=_l("A link to the public register, or where the document is."),
        validators=[DataRequired(REQUIRED), Length(max=500)],
    )
    valid_from = DateField(_l("Valid from"), validators=[DataRequired(REQUIRED)])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])


class DecisionForm(FlaskForm):
    """A verification decision or an unpublish, always with a reason."""

    reason = TextAreaField(
        _l("Reason"),
        description=_l("The provider sees this."),
        validators=[DataRequired(REQUIRED), Length(max=500)],
    )


class ExclusionForm(FlaskForm):
    """A fund's exclusion of a provider, or its undoing, with a reason for the fund's trail."""

    reason = TextAreaField(
        _l("Reason"),
        description=_l("Kept in your fund's audit trail; the provider does not see it."),
        validators=[DataRequired(REQUIRED), Length(max=500)],
    )


KINDS = choices(COURSE_KINDS.items())
VATS = {"exempt": _l("VAT exempt"), "included_21": _l("Including 21% VAT")}


class CourseForm(FlaskForm):
    """One course, as a provider enters it."""

    code = StringField(_l("Your course code"), validators=[DataRequired(REQUIRED), Length(max=50)])
    title_nl = StringField(
        _l("Title (Dutch)"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    title_de = StringField(_l("Title (German)"), validators=[Optional(), Length(max=200)])
    description_nl = TextAreaField(_l("Description (Dutch)"), validators=[DataRequired(REQUIRED)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional()])
    description_de = TextAreaField(_l("Description (German)"), validators=[Optional()])
    kind = SelectField(_l("Kind of course"), choices=KINDS)
    nlqf_level = SelectField(
        _l("NLQF level"), choices=choices(NLQF_LEVELS.items(), _l("None")), validators=[Optional()]
    )
    programme_code = StringField(
        _l("Programme code (crebo/CROHO)"), validators=[Optional(), Length(max=20)]
    )
    sector = SelectField(_l("Sector"), choices=choices(SECTORS.items()))
    skills = TextAreaField(_l("Skills"), description=_l("One per line, from the reference list."))
    occupations = TextAreaField(
        _l("Occupations it leads to"), description=_l("One per line, from the reference list.")
    )
    hours = IntegerField(_l("Hours"), validators=[DataRequired(REQUIRED), NumberRange(1, 10_000)])
    modality = SelectField(_l("How"), choices=choices(MODALITIES.items()))
    language = SelectField(_l("Language of the course"), choices=choices(LANGUAGES.items()))
    municipality_code = SelectField(
        _l("Municipality"),
        choices=lambda: choices((c, m.name) for c, m in municipalities().items()),
    )
    price = MoneyField(_l("Price (euros)"), validators=[DataRequired(REQUIRED)])
    vat = SelectField(_l("VAT"), choices=choices(VATS.items()))


class RunForm(FlaskForm):
    """A run of a course."""

    code = StringField(_l("Run code"), validators=[DataRequired(REQUIRED), Length(max=50)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired(REQUIRED)])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired(REQUIRED)])
    seats = IntegerField(_l("Seats"), validators=[DataRequired(REQUIRED), NumberRange(0, 10_000)])
    municipality_code = SelectField(
        _l("Municipality"),
        choices=lambda: choices((c, m.name) for c, m in municipalities().items()),
    )
    location = StringField(_l("Address or room"), validators=[Optional(), Length(max=200)])
