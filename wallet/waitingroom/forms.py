"""The fund administrator's form for a scheme's waiting room."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional

REQUIRED = _l("This field is required.")


class WaitingRoomForm(FlaskForm):
    """When the window opens, how early the room opens, how fast it lets people through."""

    opens_at = TimeField(
        _l("The window opens at"),
        description=_l("Time of day on the window's first day."),
        validators=[InputRequired(REQUIRED)],
    )
    lead_minutes = IntegerField(
        _l("Open the waiting room this many minutes before"),
        description=_l("People who come early get their place in the order they arrive."),
        validators=[InputRequired(REQUIRED), NumberRange(0, 1440)],
    )
    rate_per_second = IntegerField(
        _l("People let through per second"),
        validators=[Optional(), NumberRange(min=1)],
    )
    burst = IntegerField(
        _l("Let through at once when the window opens"),
        validators=[InputRequired(REQUIRED), NumberRange(min=0)],
    )
