"""Web forms of labour brokers. Shape only; the rules live in services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from wallet.core.forms import choices

REQUIRED = _l("This field is required.")
KIND_LABELS = {"visit": _l("Visit"), "call": _l("Phone call"), "email": _l("E-mail")}


class BrokerForm(FlaskForm):
    """A labour broker who joins the fund's mobility team."""

    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(
        _l("E-mail address"),
        description=_l("We send an invitation to this address to choose a password."),
        validators=[DataRequired(REQUIRED), Length(max=254)],
    )


class NextStepFields(FlaskForm):
    """What happens next with an employer, and when."""

    next_step = StringField(_l("Next step"), validators=[Optional(), Length(max=200)])
    next_step_on = DateField(_l("Next step on"), validators=[Optional()])


class StageForm(FlaskForm):
    """A move along the pipeline, always with a note."""

    note = TextAreaField(
        _l("Note"),
        description=_l("Why this step; for stopping, the reason."),
        validators=[DataRequired(REQUIRED), Length(max=500)],
    )


class ContactForm(FlaskForm):
    """A visit, call or e-mail with the employer."""

    kind = SelectField(
        _l("Kind of contact"),
        choices=choices(KIND_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
    )
    contacted_on = DateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    # The service checks the length (and counts what is visible), so the message is its own.
    note = TextAreaField(
        _l("Note"), description=_l("At most 2,000 characters."), validators=[DataRequired(REQUIRED)]
    )


class HandOverForm(FlaskForm):
    """Hand an employer to a colleague broker of the same fund."""

    broker = SelectField(_l("Colleague"), validators=[DataRequired(REQUIRED)])
