"""Web forms of passkeys. The browser's answer arrives in a hidden field, filled by
static/js/passkeys.js after navigator.credentials did its work."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from wallet.passkeys.services import MAX_ANSWER_LENGTH, NAME_LENGTH

ANSWER_MISSING = _l("Your browser sent no passkey. Try again.")


class AddPasskeyForm(FlaskForm):
    """A name for the new passkey and the browser's answer to the registration options."""

    name = StringField(
        _l("Name of the passkey"),
        description=_l("So you can tell your passkeys apart, like 'Phone' or 'Work laptop'."),
        validators=[DataRequired(_l("This field is required.")), Length(max=NAME_LENGTH)],
    )
    credential = HiddenField(
        validators=[DataRequired(ANSWER_MISSING), Length(max=MAX_ANSWER_LENGTH)]
    )
    # Asked of workers without an authenticator app (twofactor.services.asks_password_to_enrol).
    password = PasswordField(
        _l("Your password"),
        validators=[Optional(), Length(max=256)],
        description=_l("To be sure it is you who adds a second factor."),
        render_kw={"autocomplete": "current-password"},
    )


class PasskeySignInForm(FlaskForm):
    """The browser's answer to the sign-in options, and where to go next."""

    credential = HiddenField(
        validators=[DataRequired(ANSWER_MISSING), Length(max=MAX_ANSWER_LENGTH)]
    )
    next = HiddenField()
