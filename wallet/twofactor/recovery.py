"""Recovery codes: ten single-use codes, each stored as a salted argon2id hash (ASVS 6.5.2).

A code has 40 random bits, too few for a fast hash: a copy of the database would give them
all up to anyone who tries 2^40 SHA-256s. So each is hashed with argon2id and its own salt.
What argon2id hashes is the SHA-256 of the code as typed without spaces and in lower case:
the codes were stored as exactly that SHA-256 until migration 0032, which re-hashed those
rows in place with argon2id, so codes handed out before still work until they are used.

The parameters are the password hash's, capped at OWASP's minimum for argon2id (19 MiB, two
passes, one lane): an attempt may check all ten of a user's codes.
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from wallet.core import clock
from wallet.core.db import session
from wallet.twofactor.models import RecoveryCode

RECOVERY_CODES = 10
MEMORY_KIB, PASSES, LANES = 19 * 1024, 2, 1


def hasher() -> PasswordHasher:
    """The argon2id hasher of recovery codes, from the app's password parameters."""
    config = current_app.config
    return PasswordHasher(
        time_cost=min(config["ARGON2_TIME_COST"], PASSES),
        memory_cost=min(config["ARGON2_MEMORY_COST"], MEMORY_KIB),
        parallelism=min(config["ARGON2_PARALLELISM"], LANES),
    )


def fingerprint(code: str) -> str:
    """The SHA-256 of a code as typed, spaces left out and lower-cased: what argon2id hashes
    (and, before migration 0032, all that was stored)."""
    return hashlib.sha256("".join(code.lower().split()).encode()).hexdigest()


def hash_code(code: str, argon2: PasswordHasher | None = None) -> str:
    """The stored form of a new code: a salted argon2id hash."""
    return (argon2 or hasher()).hash(fingerprint(code))


def new_codes(user_id: int) -> list[str]:
    """Ten fresh codes (the old ones stop working), only their hashes stored; flush only."""
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [
        "-".join(secrets.token_hex(5)[i : i + 5] for i in (0, 5)) for _ in range(RECOVERY_CODES)
    ]
    argon2 = hasher()
    session.add_all(RecoveryCode(user_id=user_id, code_hash=hash_code(c, argon2)) for c in codes)
    session.flush()
    return codes


def _matches(argon2: PasswordHasher, stored: str, typed_fingerprint: str) -> bool:
    try:
        return argon2.verify(stored, typed_fingerprint)
    except (VerificationError, InvalidHashError):
        return False


def use_code(user_id: int, typed: str) -> bool:
    """Mark the user's unused code that `typed` is as used; False when none is. The
    conditional UPDATE lets one of two requests racing with one code have it (flush only)."""
    typed_fingerprint, argon2 = fingerprint(typed), hasher()
    unused = session.execute(
        sa.select(RecoveryCode.id, RecoveryCode.code_hash).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    for code_id, stored in unused:
        if _matches(argon2, stored, typed_fingerprint):
            done = session.execute(
                sa.update(RecoveryCode)
                .where(RecoveryCode.id == code_id, RecoveryCode.used_at.is_(None))
                .values(used_at=clock.now())
            )
            return done.rowcount == 1
    return False
