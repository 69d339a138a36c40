"""Forms of the fund administrator's grant screens: one grant, a CSV of grants, a lottery draw."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from wallet.core.forms import MoneyField
from wallet.funds.forms import REQUIRED


class GrantForm(FlaskForm):
    """Grant to one worker."""

    email = StringField(_l("E-mail address of the worker"), validators=[DataRequired(REQUIRED)])
    amount = MoneyField(
        _l("Amount (euros)"),
        description=_l("Leave empty for the scheme's amount."),
        validators=[Optional()],
    )


class CsvForm(FlaskForm):
    """A CSV file of grants."""

    file = FileField(
        _l("CSV file"),
        description=_l("Columns: email, and optionally amount. UTF-8; comma or semicolon."),
        validators=[FileRequired(REQUIRED)],
    )


class DrawForm(FlaskForm):
    """The seed of the lottery."""

    seed = StringField(
        _l("Seed"),
        description=_l(
            "Anything you write down beforehand, for example the date and a notary's number."
        ),
        validators=[DataRequired(REQUIRED), Length(max=100)],
    )
