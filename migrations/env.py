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
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copy, drop and rename; SQLite's advice is to leave
            # foreign keys unchecked meanwhile (a PRAGMA that only works outside a transaction,
            # hence on the driver's connection before SQLAlchemy begins one).
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
            include_name=alembic_include_name,
        )
        try:
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


run_migrations_online()
