"""`flask catalogue generate|import|reindex`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from wallet.core.errors import DomainError

catalogue_cli = AppGroup("catalogue", help="The course catalogue.")


@catalogue_cli.command("generate")
@click.option("--runs", type=click.IntRange(1, 5_000_000), default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def generate_command(runs: int, seed: int) -> None:
    """Make a realistic catalogue of RUNS course runs (the same for the same seed)."""
    from wallet.catalogue.generator import generate

    with click.progressbar(length=runs, label="Course runs") as bar:
        try:
            made = generate(runs, seed, progress=bar.update)
        except DomainError as error:
            raise click.ClickException(error.detail) from None
    click.echo(f"{made['providers']} providers, {made['courses']} courses, {made['runs']} runs.")


@catalogue_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--provider", "provider_id", type=int, required=True)
def import_command(path: Path, provider_id: int) -> None:
    """Import courses from a CSV, JSON or XML file for a provider (all or nothing)."""
    from wallet.catalogue.imports import import_courses

    with click.progressbar(length=3, label=f"Importing {path.name}") as bar:
        data = path.read_bytes()
        bar.update(1)
        try:
            changed = import_courses(provider_id, path.name, data, actor_id=None)
        except DomainError as error:
            lines = [error.detail] + [f"  line {k}: {v}" for k, v in error.errors.items()]
            raise click.ClickException("\n".join(lines)) from None
        bar.update(2)
    click.echo(f"{changed} courses added or changed.")


@catalogue_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the full-text index of every course."""
    from wallet.catalogue.search_index import index_courses
    from wallet.core.db import unit_of_work

    with unit_of_work():
        index_courses(None)
    click.echo("Search index rebuilt.")
