"""Web forms of identity-provider sign-in. Shape only; the rules live in services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from wallet.accounts.forms import REQUIRED, WorkerRegistrationForm
from wallet.accounts.services import WorkerRegistration


class LinkForm(FlaskForm):
    """The e-mail address and password of the account to link, given once."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])


def registration_from(form: WorkerRegistrationForm) -> WorkerRegistration:
    """What the worker filled in, as the accounts service takes it."""
    return WorkerRegistration(
        name=form.name.data,
        email=form.email.data,
        password=form.password.data,
        date_of_birth=form.date_of_birth.data,
        municipality_code=form.municipality_code.data,
        employment_status=form.employment_status.data,
        sector=form.sector.data,
        occupation=form.occupation.data,
        education_level=int(form.education_level.data),
        target_occupation=form.target_occupation.data,
        preferred_language=form.preferred_language.data,
        postcode=form.postcode.data or "",
        house_number=form.house_number.data or "",
    )
