"""The waiting page: a place in the queue, an estimate, and a page that reloads itself."""

from __future__ import annotations

import dataclasses

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.core import clock
from wallet.core.errors import DomainError, NotFound
from wallet.funds.access import own_scheme
from wallet.schemes.models import AllocationMode
from wallet.waitingroom import services
from wallet.waitingroom.admission import Stage
from wallet.waitingroom.forms import WaitingRoomForm

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


@bp.route("/fund/schemes/<int:scheme_id>/waiting-room", methods=["GET", "POST"])
@role_required(Role.FUND_ADMIN)
def settings(scheme_id: int):
    """The fund administrator sets a first-come scheme's waiting room."""
    scheme = own_scheme(scheme_id)
    if scheme.allocation_mode != AllocationMode.FIRST_COME or scheme.for_employers:
        raise NotFound(_("Only a first-come scheme has a waiting room."))
    current = services.room_settings(scheme_id)
    form = WaitingRoomForm(data=dataclasses.asdict(current or services.RoomSettings()))
    form.rate_per_second.description = _(
        "Leave empty for the platform's setting (%(rate)s a second).",
        rate=current_app.config["WAITING_ROOM_RATE"],
    )
    if form.validate_on_submit():
        chosen = services.RoomSettings(
            form.opens_at.data, form.lead_minutes.data, form.rate_per_second.data, form.burst.data
        )
        try:
            services.set_waiting_room(scheme_id, chosen, actor_id=current_user.id)
        except DomainError as error:
            flash(error.detail, "error")
        else:
            flash(_("The waiting room is set."), "success")
            return redirect(url_for("schemes.detail", scheme_id=scheme_id))
    return render_template("waitingroom/settings.html", scheme=scheme, form=form, new=not current)
