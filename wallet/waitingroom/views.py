"""The waiting page: a place in the queue, an estimate, and a page that reloads itself."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.core import clock
from wallet.waitingroom import services
from wallet.waitingroom.admission import Stage

bp = Blueprint("waitingroom", __name__)


@bp.get("/budget/schemes/<int:scheme_id>/waiting-room")
@role_required(Role.WORKER)
def wait(scheme_id: int):
    """A worker's place in the scheme's waiting room (they get one on arrival)."""
    visit = services.visit(scheme_id, current_user.id)
    now = clock.now()
    place = visit.place
    waiting = place is not None and place.stage in (Stage.BEFORE_OPENING, Stage.WAITING)
    # The person may switch the reloading off (WCAG 2.2.1) and reload by hand instead.
    reloads = waiting and request.args.get("reload") != "off"
    seconds = services.refresh_seconds(place, now) if waiting else None
    response = make_response(
        render_template(
            "waitingroom/wait.html",
            visit=visit,
            place=place,
            now=now,
            waiting=waiting,
            reloads=reloads,
            refresh_seconds=seconds,
            wait_words=services.wait_in_words(place.wait(now)) if place else None,
        )
    )
    if reloads:
        # The HTTP form of <meta http-equiv="refresh">: the browser reloads without script.
        response.headers["Refresh"] = str(seconds)
    return response
