"""Web forms of employers. Shape only; the rules live in services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from wallet.accounts.forms import _NewAccountForm
from wallet.core.forms import choices
from wallet.reference import municipalities, sbi_divisions

REQUIRED = _l("This field is required.")


def _sectors():
    # Names only, sorted as people look for them; the code is what is stored.
    pairs = sorted(((c, s.name) for c, s in sbi_divisions().items()), key=lambda pair: pair[1])
    return choices(pairs, _l("Choose a sector"))


def _municipalities():
    return choices(
        ((m.code, m.name) for m in municipalities().values()), _l("Choose a municipality")
    )


class _DetailsFields(FlaskForm):
    sbi_code = SelectField(
        _l("Sector"),
        description=_l("The main activity as registered at the KvK (SBI)."),
        choices=_sectors,
        validators=[DataRequired(REQUIRED)],
    )
    street = StringField(
        _l("Street and number"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    postcode = StringField(_l("Postcode"), validators=[DataRequired(REQUIRED), Length(max=10)])
    city = StringField(_l("City"), validators=[DataRequired(REQUIRED), Length(max=100)])
    municipality_code = SelectField(
        _l("Municipality"), choices=_municipalities, validators=[DataRequired(REQUIRED)]
    )
    contact_email = EmailField(
        _l("Contact e-mail"), validators=[DataRequired(REQUIRED), Length(max=254)]
    )
    contact_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])


DETAIL_FIELDS = (
    "sbi_code",
    "street",
    "postcode",
    "city",
    "municipality_code",
    "contact_email",
    "contact_phone",
)


class EmployerRegistrationForm(_NewAccountForm, _DetailsFields):
    """An employer's sign-up: the organisation and its first staff user."""

    organisation_name = StringField(
        _l("Name of the organisation"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    kvk_number = StringField(
        _l("KvK number"),
        description=_l("8 digits."),
        validators=[DataRequired(REQUIRED), Length(max=20)],
    )
    iban = StringField(
        _l("IBAN"),
        description=_l("Reimbursements are paid to this account."),
        validators=[DataRequired(REQUIRED), Length(max=42)],
    )


class EmployerDetailsForm(_DetailsFields):
    """The organisation's details, kept by its staff."""

    name = StringField(
        _l("Name of the organisation"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )


class DecisionForm(FlaskForm):
    """A verification decision, always with a reason."""

    reason = TextAreaField(
        _l("Reason"),
        description=_l("The employer sees this."),
        validators=[DataRequired(REQUIRED), Length(max=500)],
    )
