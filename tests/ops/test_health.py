"""Liveness and readiness for the load balancer and the operator."""

import pytest
import sqlalchemy as sa
from alembic import command

from wallet import create_app
from wallet.core.migrate import alembic_config


def _app(tmp_path, **config):
    settings = {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{tmp_path}/ops.db",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }
    settings.update(config)
    return create_app(settings)


def test_healthz_answers_200_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_healthz_does_not_need_the_database(tmp_path):
    broken = _app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/missing-dir/nope.db")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_answers_200_when_database_migrations_and_storage_are_fine(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {
        "status": "ready",
        "database": "ok",
        "migrations": "ok",
        "storage": "ok",
    }


def test_readyz_answers_503_when_the_database_is_gone(tmp_path):
    broken = _app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/missing-dir/nope.db")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["database"] == "unreachable"


@pytest.fixture
def stamped(tmp_path):
    """An app on an empty SQLite database stamped at REVISION."""

    def stamp(revision: str):
        behind = _app(tmp_path)
        with behind.app_context():
            command.stamp(alembic_config(), revision)
        return behind

    return stamp


def test_readyz_answers_503_when_migrations_are_behind(stamped):
    behind = stamped("0029_second_factor")
    response = behind.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "ok"
    assert response.json["migrations"] == "behind"


def test_readyz_answers_503_when_the_database_is_ahead_of_the_code(stamped):
    ahead = stamped("head")
    with ahead.app_context(), ahead.extensions["db_engine"].begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    response = ahead.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["migrations"] == "ahead"


def test_readyz_answers_503_when_document_storage_is_not_writable(app, tmp_path):
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    unwritable = _app(tmp_path, DATABASE_URL=app.config["DATABASE_URL"], UPLOAD_FOLDER=str(a_file))
    response = unwritable.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["storage"] == "not writable"
    assert response.json["database"] == "ok"
    assert response.json["migrations"] == "ok"


def test_readyz_checks_the_s3_bucket_through_the_storage_interface(app, tmp_path, s3_bucket):
    ready = _app(tmp_path, DATABASE_URL=app.config["DATABASE_URL"], **s3_bucket)
    response = ready.test_client().get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["storage"] == "ok"


def test_readyz_answers_503_when_the_bucket_is_missing(app, tmp_path, s3_bucket):
    missing = dict(s3_bucket, S3_BUCKET="leerwallet-no-such-bucket")
    gone = _app(tmp_path, DATABASE_URL=app.config["DATABASE_URL"], **missing)
    response = gone.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["storage"] == "not writable"
    assert response.json["database"] == "ok"


def test_readyz_answers_503_when_the_object_store_is_unreachable(app, tmp_path, s3_bucket):
    from tests.s3server import free_port

    nowhere = dict(s3_bucket, S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
    unreachable = _app(tmp_path, DATABASE_URL=app.config["DATABASE_URL"], **nowhere)
    response = unreachable.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["storage"] == "not writable"
