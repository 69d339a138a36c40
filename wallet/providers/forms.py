"""A training provider's sign-up form."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from wallet.accounts.forms import REQUIRED, _NewAccountForm


class ProviderRegistrationForm(_NewAccountForm):
    """A training provider's sign-up: the organisation and its first user."""

    organisation_name = StringField(
        _l("Name of the organisation"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    kvk_number = StringField(
        _l("KvK number"),
        description=_l("The 8 digits of your Chamber of Commerce registration."),
        validators=[DataRequired(REQUIRED), Length(max=12)],
    )
