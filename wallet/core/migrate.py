"""`flask db ...`: Alembic migrations driven from the app's own engine."""

from __future__ import annotations

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import AppGroup

from wallet.core.web import ROOT

db_cli = AppGroup("db", help="Database migrations (Alembic).")


def alembic_config() -> Config:
    """An Alembic config for the current app; migrations/env.py takes its engine."""
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["engine"] = current_app.extensions["db_engine"]
    return cfg


def upgrade(revision: str = "head") -> None:
    """Bring the database to `revision`."""
    command.upgrade(alembic_config(), revision)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    upgrade(revision)
    click.echo(f"Database is at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Undo migrations down to REVISION."""
    command.downgrade(alembic_config(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
def revision_command(message: str) -> None:
    """Write a new migration from the difference between models and database."""
    command.revision(alembic_config(), message=message, autogenerate=True)


@db_cli.command("current")
def current_command() -> None:
    """Show the revision the database is at."""
    command.current(alembic_config())
