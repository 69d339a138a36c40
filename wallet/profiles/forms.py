"""The profile form: the worker's name and the facts of their sign-up."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from wallet.accounts.forms import REQUIRED, WorkerFactsForm


class ProfileForm(WorkerFactsForm):
    """Name and the facts schemes read, with the same fields as at sign-up."""

    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)])
