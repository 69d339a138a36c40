"""`flask waiting-room ...`: give a first-come scheme a waiting room, look at it, remove it."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from wallet.core.errors import DomainError

waiting_room_cli = AppGroup("waiting-room", help="The waiting room of a first-come scheme.")


def _fail(error: DomainError) -> None:
    lines = [error.detail] + [f"  {key}: {value}" for key, value in error.errors.items()]
    raise click.ClickException("\n".join(lines))


@waiting_room_cli.command("set")
@click.argument("scheme_id", type=int)
@click.option("--opens-at", default="00:00", help="Time of day the window opens (HH:MM).")
@click.option("--lead-minutes", default=30, type=int, help="Open the room this much earlier.")
@click.option("--rate", type=int, help="Admitted per second (default: WAITING_ROOM_RATE).")
@click.option("--burst", default=0, type=int, help="Admitted at once at the opening.")
def set_command(
    scheme_id: int, opens_at: str, lead_minutes: int, rate: int | None, burst: int
) -> None:
    """Give SCHEME_ID a waiting room, or change its terms."""
    from wallet.waitingroom.services import RoomSettings, set_waiting_room

    try:
        at = dt.time.fromisoformat(opens_at)
    except ValueError:
        raise click.BadParameter("give a time as HH:MM", param_hint="--opens-at") from None
    try:
        set_waiting_room(scheme_id, RoomSettings(at, lead_minutes, rate, burst), actor_id=None)
    except DomainError as error:
        _fail(error)
    click.echo(f"scheme {scheme_id}: waiting room set")


@waiting_room_cli.command("show")
@click.argument("scheme_id", type=int)
def show_command(scheme_id: int) -> None:
    """The queue of SCHEME_ID: tickets handed out, admitted, still waiting."""
    from wallet.waitingroom.services import figures

    found = figures(scheme_id)
    if found is None:
        raise click.ClickException(f"scheme {scheme_id} has no waiting room")
    opening = found.terms.opening.isoformat() if found.terms else "no first day"
    click.echo(
        f"scheme {scheme_id}: opens {opening}, rate {found.terms.rate if found.terms else '-'}"
        f"/s, tickets {found.issued}, admitted {found.admitted}, waiting {found.waiting}"
    )


@waiting_room_cli.command("remove")
@click.argument("scheme_id", type=int)
def remove_command(scheme_id: int) -> None:
    """Take the waiting room of SCHEME_ID away, with its tickets."""
    from wallet.waitingroom.services import remove_waiting_room

    if not remove_waiting_room(scheme_id, actor_id=None):
        raise click.ClickException(f"scheme {scheme_id} has no waiting room")
    click.echo(f"scheme {scheme_id}: waiting room removed")
