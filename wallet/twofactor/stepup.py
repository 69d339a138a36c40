"""Step-up for views: a POST that decides on money, bank details, tokens or the factor
itself goes through only with a second factor given in the last STEP_UP_MINUTES."""

from __future__ import annotations

from functools import wraps

from flask import request
from flask_login import current_user

from wallet.twofactor.services import require_fresh_second_factor


def fresh_second_factor_required(view):
    """Let a POST through only when the user gave their second factor within
    STEP_UP_MINUTES (or has none). Otherwise nothing is done: StepUpRequired sends the
    person to the step-up page, from where they come back to the page they were on."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if request.method != "GET":
            require_fresh_second_factor(current_user)
        return view(*args, **kwargs)

    return guarded
