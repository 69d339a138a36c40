"""Password hashing with argon2id and the password rules."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 256
# The most common long passwords in Dutch and English leaks; length alone lets these through.
COMMON = frozenset(
    {
        "wachtwoord123",
        "wachtwoord1234",
        "welkom123456",
        "password1234",
        "password12345",
        "123456789012",
        "qwertyuiopas",
        "aaaaaaaaaaaa",
    }
)


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def password_problem(password: str, email: str = "") -> str | None:
    """Why `password` is not good enough, or None when it is."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(n)d characters.", n=MAX_LENGTH)
    if password.lower() in COMMON or len(set(password)) < 4:
        return _("This password is too easy to guess. Choose a longer sentence.")
    if email and password.lower() == email.lower():
        return _("Do not use your e-mail address as your password.")
    return None


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches. With no hash, spend the same time and say no."""
    hasher = _hasher()
    if password_hash is None:
        # Equal timing for unknown accounts, so a login does not reveal which e-mails exist.
        hasher.hash(password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
