"""A fair waiting room in front of a first-come scheme's window opening.

`init_app` chooses where tickets live (Redis when REDIS_URL is set, the database otherwise),
registers the pages, the `flask waiting-room` commands and the template helpers that show
fund administrators the queue and workers the rooms they can queue in before an opening.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import format_decimal

from wallet.waitingroom import services
from wallet.waitingroom.cli import waiting_room_cli
from wallet.waitingroom.stores import DatabaseStore, RedisStore
from wallet.waitingroom.views import bp


def init_app(app: Flask) -> None:
    """Put the ticket store in place and register the page, the commands and the helper."""
    app.config.setdefault("WAITING_ROOM_KEY_PREFIX", "leerwallet:waiting-room:")
    url = app.config.get("REDIS_URL")
    if url:
        import redis

        client = redis.Redis.from_url(url)
        app.extensions["waiting_room_store"] = RedisStore(
            client, app.config["WAITING_ROOM_KEY_PREFIX"]
        )
    else:
        app.extensions["waiting_room_store"] = DatabaseStore()
    app.register_blueprint(bp)
    app.cli.add_command(waiting_room_cli)
    app.jinja_env.globals["waiting_room_figures"] = services.figures
    app.jinja_env.globals["waiting_rooms_before_opening"] = services.rooms_before_opening
    app.jinja_env.globals["format_count"] = format_decimal
