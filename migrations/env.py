"""Alembic environment: the engine comes from the Flask app (wallet.core.migrate)."""

from alembic import context

import wallet.models  # noqa: F401 - registers every model on Base.metadata
from wallet.catalogue.search_index import alembic_include_name
from wallet.core.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run migrations on the app's engine; batch mode lets SQLite alter tables."""
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=alembic_include_name,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
