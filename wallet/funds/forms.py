"""The fund's own form (a deposit), and the pieces the scheme and grant forms share.

Scheme forms are in wallet.schemes.forms, grant forms in wallet.grants.forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from wallet.core.forms import MoneyField

REQUIRED = _l("This field is required.")


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DepositForm(FlaskForm):
    """Money into the pot."""

    amount = MoneyField(_l("Amount in euros"), validators=[DataRequired(REQUIRED)])
    reference = StringField(
        _l("Reference"),
        description=_l("For example the bank statement line or the decision number."),
        validators=[DataRequired(REQUIRED), Length(max=100)],
    )
