"""Health check for the operator."""

from wallet import create_app


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_gone(tmp_path):
    broken = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/nope.db"}
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
