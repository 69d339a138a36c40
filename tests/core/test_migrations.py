"""The migrated schema is exactly what the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from wallet.catalogue.search_index import alembic_include_name
from wallet.core.db import Base
from wallet.core.migrate import alembic_config


def test_autogenerate_finds_no_difference_after_upgrade(app, app_ctx):
    engine = app.extensions["db_engine"]
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": alembic_include_name}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_the_database_is_at_the_single_head(app, app_ctx):
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1
    with app.extensions["db_engine"].connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == tuple(heads)
