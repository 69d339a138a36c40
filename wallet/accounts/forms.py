"""Web forms of accounts. Shape only; the rules live in services."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from wallet.accounts.scopes import SCOPE_LABELS, Scope, scopes_for_role
from wallet.core.forms import choices
from wallet.reference import EMPLOYMENT_STATUSES, LANGUAGES, NLQF_LEVELS, SECTORS, municipalities

REQUIRED = _l("This field is required.")


def _municipality_choices():
    pairs = ((m.code, m.name) for m in municipalities().values())
    return choices(pairs, _l("Choose a municipality"))


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    next = HiddenField()


class _NewAccountForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        description=_l("At least 12 characters. A short sentence is easy to remember."),
        validators=[DataRequired(REQUIRED)],
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )
    preferred_language = SelectField(_l("Language"), choices=choices(LANGUAGES.items()))


class WorkerFactsForm(FlaskForm):
    """What a worker tells about themselves, at sign-up and on their profile page."""

    date_of_birth = DateField(
        _l("Date of birth"),
        validators=[InputRequired(REQUIRED)],
        description=_l("Schemes have age limits; we use this to show what you qualify for."),
    )
    municipality_code = SelectField(
        _l("Municipality where you live"),
        choices=_municipality_choices,
        validators=[DataRequired(REQUIRED)],
    )
    employment_status = SelectField(
        _l("Employment status"),
        choices=choices(EMPLOYMENT_STATUSES.items(), _l("Choose your situation")),
        validators=[DataRequired(REQUIRED)],
    )
    sector = SelectField(
        _l("Current sector"),
        choices=choices(SECTORS.items(), _l("Choose a sector")),
        validators=[DataRequired(REQUIRED)],
    )
    occupation = StringField(
        _l("Current occupation"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    education_level = SelectField(
        _l("Highest education level"),
        choices=choices(NLQF_LEVELS.items()),
        validators=[DataRequired(REQUIRED)],
    )
    target_occupation = StringField(
        _l("Occupation you want to train for"),
        description=_l("For example: installatiemonteur, verpleegkundige, data-analist."),
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )
    postcode = StringField(
        _l("Postcode (optional)"),
        description=_l("Helps the fund notice misuse of budgets; never shown to providers."),
        validators=[Optional(), Length(max=7)],
    )
    house_number = StringField(
        _l("House number (optional)"), validators=[Optional(), Length(max=10)]
    )


class WorkerRegistrationForm(_NewAccountForm, WorkerFactsForm):
    """A worker's sign-up with profile."""


class LanguageForm(FlaskForm):
    """The language switch."""

    language = SelectField(_l("Language"), choices=choices(LANGUAGES.items()))
    next = HiddenField()


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ApiTokenForm(FlaskForm):
    """Name a new API token, choose what it may do and for how long."""

    name = StringField(
        _l("Name of the token"),
        description=_l("For example the system that will use it: 'Roosterkoppeling'."),
        validators=[DataRequired(REQUIRED), Length(max=100)],
    )
    scopes = _Checkboxes(
        _l("What the token may do"),
        description=_l("Give a system only what it needs. Your role decides which you can give."),
        # No `required` on the boxes (it would ask for every one); the service wants one.
        default=[Scope.READ.value],
    )
    valid_days = IntegerField(
        _l("Valid for (days)"),
        validators=[InputRequired(REQUIRED), NumberRange(min=1)],
    )

    @classmethod
    def for_role(cls, role) -> ApiTokenForm:
        """The form offering the scopes `role` may give, and the lifetime's bounds."""
        form = cls()
        offered = scopes_for_role(role)
        form.scopes.choices = [(scope.value, SCOPE_LABELS[scope]) for scope in offered]
        config = current_app.config
        form.valid_days.description = _l(
            "At most %(days)d days.", days=config["API_TOKEN_MAX_DAYS"]
        )
        if not form.is_submitted():
            form.valid_days.data = config["API_TOKEN_DAYS"]
        return form


class ConfirmForm(FlaskForm):
    """A button with CSRF protection and nothing else (log out, revoke)."""


class ColleagueForm(FlaskForm):
    """A colleague who joins the account of a provider or an employer."""

    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(
        _l("E-mail address"),
        description=_l("We send an invitation to this address to choose a password."),
        validators=[DataRequired(REQUIRED), Length(max=254)],
    )


class ForgotPasswordForm(FlaskForm):
    """The address to send a reset link to."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED), Length(max=254)])


class NewPasswordForm(FlaskForm):
    """A password chosen twice, on a reset or invitation link."""

    password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters. A short sentence is easy to remember."),
        validators=[DataRequired(REQUIRED)],
    )
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    """The current password, then the new one twice."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])


class EmailChangeForm(FlaskForm):
    """A new e-mail address, and the current password to prove it is the owner asking."""

    new_email = EmailField(
        _l("New e-mail address"),
        validators=[DataRequired(REQUIRED), Length(max=254)],
        description=_l("We send a link there; your address changes when you open it."),
        render_kw={"autocomplete": "email"},
    )
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
