"""The "your sessions" page: where you are signed in, and ending those sessions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.forms import ConfirmForm
from wallet.core.errors import NotFound
from wallet.sessions import services
from wallet.sessions.devices import device_in_words

bp = Blueprint("sessions", __name__)

SESSION_ID_LENGTH = 64


def _rows() -> list[dict]:
    current = services.current_session_id()
    return [
        {
            "id": record.key,
            "device": device_in_words(record.user_agent),
            "address": record.ip_address,
            "started": record.created_at,
            "last_seen": record.last_seen_at,
            "current": record.key == current,
        }
        for record in services.sessions_of(current_user.id)
    ]


@bp.get("/account/sessions")
@role_required()
def index():
    """Every session of the signed-in user, this one first."""
    rows = sorted(_rows(), key=lambda row: not row["current"])
    return render_template("sessions/index.html", rows=rows)


@bp.route("/account/sessions/<session_id>/end", methods=["GET", "POST"])
@role_required()
def end(session_id: str):
    """Ask, then end one other session of the signed-in user."""
    row = next((row for row in _rows() if row["id"] == session_id[:SESSION_ID_LENGTH]), None)
    if row is None or row["current"]:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.end_session(current_user.id, row["id"])
        except NotFound as error:
            flash(error.detail, "info")
        else:
            flash(_("The session on %(device)s has ended.", device=row["device"]), "success")
        return redirect(url_for("sessions.index"))
    return render_template("sessions/confirm.html", form=form, row=row, others=False)


@bp.route("/account/sessions/end-others", methods=["GET", "POST"])
@role_required()
def end_others():
    """Ask, then sign out everywhere but here."""
    form = ConfirmForm()
    if form.validate_on_submit():
        ended = services.end_sessions_of(current_user.id, keep=services.current_session_id())
        message = ngettext(
            "You are signed out everywhere else (%(num)d session ended).",
            "You are signed out everywhere else (%(num)d sessions ended).",
            ended,
        )
        flash(message, "success")
        return redirect(url_for("sessions.index"))
    others = len([row for row in _rows() if not row["current"]])
    return render_template("sessions/confirm.html", form=form, row=None, others=others)
