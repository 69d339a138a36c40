"""The migrated schema is exactly what the models describe, on SQLite and PostgreSQL."""

import sqlalchemy as sa
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


def test_addresses_stored_by_the_old_rule_are_normalised_once(tmp_path):
    """An account stored lower-cased only ("straße@…", full width) can log in after upgrade;
    an address whose new form another account has is left alone."""
    from wallet import create_app
    from wallet.core.migrate import upgrade

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}"})
    engine = app.extensions["db_engine"]
    insert = sa.text(
        "INSERT INTO users (id, email, password_hash, name, role, preferred_language, active,"
        " created_at) VALUES (:id, :email, 'x', 'N', 'worker', 'nl', 1, '2026-01-01')"
    )
    try:
        with app.app_context():
            upgrade("0008_payments")
            with engine.begin() as conn:
                for user_id, email in [
                    (1, "straße@example.de"),
                    (2, "ｗｅｒｋｅｎｄｅ@demo.nl"),
                    (3, "ǆ@example.nl"),
                    (4, "dž@example.nl"),
                    (5, "plain@example.nl"),
                ]:
                    conn.execute(insert, {"id": user_id, "email": email})
            upgrade()
            with engine.connect() as conn:
                emails = dict(conn.execute(sa.text("SELECT id, email FROM users")).all())
    finally:
        engine.dispose()
    assert emails == {
        1: "strasse@example.de",
        2: "werkende@demo.nl",
        3: "ǆ@example.nl",
        4: "dž@example.nl",
        5: "plain@example.nl",
    }
