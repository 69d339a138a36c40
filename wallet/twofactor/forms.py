"""Forms of the second factor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

REQUIRED = _l("This field is required.")


class CodeForm(FlaskForm):
    """A 6-digit code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(REQUIRED), Length(max=32)],
        description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )
    next = HiddenField()


class FirstCodeForm(FlaskForm):
    """The first code of a new authenticator app, to prove it was set up right."""

    code = StringField(
        _l("Code from your app"),
        validators=[DataRequired(REQUIRED), Length(max=12)],
        description=_l("The 6 digits your app shows for Leerwallet."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    # Asked of workers without an authenticator app (twofactor.services.asks_password_to_enrol).
    password = PasswordField(
        _l("Your password"),
        validators=[Optional(), Length(max=256)],
        description=_l("To be sure it is you who adds a second factor."),
        render_kw={"autocomplete": "current-password"},
    )
