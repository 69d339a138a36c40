"""The gate on the first-come apply form: while a scheme's room is open, only admitted
people get through; everybody else is sent to the waiting page with a ticket."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import redirect, url_for
from flask_login import current_user

from wallet.waitingroom import services


def waiting_room_gate(view: Callable) -> Callable:
    """Send whoever is not admitted yet to the scheme's waiting page (303, nothing done)."""

    @wraps(view)
    def gated(*args, scheme_id: int, **kwargs):
        if services.must_wait(scheme_id, current_user.id):
            return redirect(url_for("waitingroom.wait", scheme_id=scheme_id), 303)
        return view(*args, scheme_id=scheme_id, **kwargs)

    return gated
