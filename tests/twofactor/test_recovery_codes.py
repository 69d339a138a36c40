"""Recovery codes are stored as salted argon2id hashes (ASVS 6.5.2), and the codes handed out
while they were stored as unsalted SHA-256 are re-hashed by migration 0032 and still work
once."""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa
from argon2 import PasswordHasher

from tests.conftest import PASSWORD
from tests.twofactor.signin import secret_on_page
from wallet.twofactor import recovery
from wallet.twofactor.models import RecoveryCode

CODE = re.compile(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>")


def _enrol(client, make_worker, login, code_now):
    worker = make_worker()
    login(client, worker)
    secret = secret_on_page(client.get("/account/second-factor/enrol").text)
    shown = client.post(
        "/account/second-factor/enrol", data={"code": code_now(secret), "password": PASSWORD}
    )
    return worker, CODE.findall(shown.text)


def test_each_code_is_stored_as_a_salted_argon2id_hash(
    app, client, db, make_worker, login, code_now
):
    worker, codes = _enrol(client, make_worker, login, code_now)
    stored = db.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == len(codes) == 10
    assert all(value.startswith("$argon2id$") for value in stored)
    # Neither the code nor its SHA-256 is in the database.
    sha256s = {hashlib.sha256(code.encode()).hexdigest() for code in codes}
    assert not (set(codes) | sha256s) & set(stored)
    with app.app_context():
        from wallet.core.db import session

        # A salt of its own: the same code hashed twice gives two different hashes.
        assert recovery.hash_code(codes[0]) != recovery.hash_code(codes[0])
        assert recovery.use_code(worker.id, codes[3].upper()) is True
        session.commit()
        assert recovery.use_code(worker.id, codes[3]) is False  # once
        assert recovery.use_code(worker.id, "00000-00000") is False
        session.rollback()


def test_a_code_stored_as_sha256_before_the_migration_still_works_once(tmp_path):
    from wallet import create_app
    from wallet.core.migrate import upgrade

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}"})
    engine = app.extensions["db_engine"]
    old_code = "abcde-12345"
    try:
        with app.app_context():
            upgrade("0030_email_verification")
            with engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO users (id, email, password_hash, name, role,"
                        " preferred_language, active, created_at) VALUES (1, 'w@example.nl',"
                        " 'x', 'W', 'worker', 'nl', 1, '2026-01-01')"
                    )
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO recovery_codes (user_id, code_hash, created_at) "
                        "VALUES (1, :hash, '2026-01-01')"
                    ),
                    {"hash": hashlib.sha256(old_code.encode()).hexdigest()},
                )
            upgrade()
            with engine.connect() as conn:
                stored = conn.execute(sa.text("SELECT code_hash FROM recovery_codes")).scalar()
            assert stored.startswith("$argon2id$")
            assert PasswordHasher().verify(stored, recovery.fingerprint(old_code))
            from wallet.core.db import session

            assert recovery.use_code(1, " ABCDE-12345 ") is True
            session.commit()
            assert recovery.use_code(1, old_code) is False
            session.rollback()
    finally:
        engine.dispose()
