"""Password hashing with argon2id and the password rules.

The rules run offline: a length, a short list of Dutch favourites, and zxcvbn's estimate of
the guesses an attacker needs (its lists of leaked passwords, words, names, keyboard walks,
dates and the user's own name and e-mail address), at least MIN_SCORE on its 0-4 scale.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn import zxcvbn

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
# zxcvbn's score 3: about 10^8 guesses or more, "safely unguessable" for an online attacker
# and for a slow hash such as argon2 offline. The estimator reads at most this many characters
# (its own limit); a password that is strong in its first 72 is strong.
MIN_SCORE = 3
ESTIMATED_LENGTH = 72
# The hash of an invited user who has not chosen a password yet: no argon2 hash is ever this,
# so no password matches it and the account cannot sign in until its link is used.
NO_PASSWORD = "!invited"  # noqa: S105 - a marker, not a secret


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def _personal_words(email: str, name: str) -> list[str]:
    """The user's own name and address in pieces, for zxcvbn to try as words."""
    local, _at, domain = email.lower().partition("@")
    parts = [part for part in re.split(r"[^\w]+", f"{local} {name.lower()}") if part]
    # "Marieke ter Horst" is also typed "terhorst" or "marieketerhorst".
    joined = ["".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 2, len(parts) + 1)]
    words = [email.lower(), local, domain.split(".")[0], *parts, *joined]
    return [word for word in dict.fromkeys(words) if len(word) >= 3]


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why `password` is not good enough, or None when it is. Every place that sets a
    password (registration, reset, change, invitation) asks this."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(n)d characters.", n=MAX_LENGTH)
    if email and password.lower() == email.lower():
        return _("Do not use your e-mail address as your password.")
    if password.lower() in COMMON or len(set(password)) < 4:
        return _("This password is too easy to guess. Choose a longer sentence.")
    estimate = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=_personal_words(email, name))
    if estimate["score"] >= MIN_SCORE:
        return None
    found = {match.get("dictionary_name") for match in estimate["sequence"]}
    if "user_inputs" in found:
        return _(
            "This password contains your name or e-mail address, which others can "
            "guess. Choose a sentence that has nothing to do with you."
        )
    if "passwords" in found:
        return _(
            "This password is on the lists of common and leaked passwords that "
            "attackers try first. Choose a longer sentence of unusual words."
        )
    return _(
        "This password is too easy to guess (a common word, name, date or keyboard "
        "pattern). Choose a longer sentence of unusual words."
    )


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches. With no hash (or an invited user's marker), spend the
    same time and say no."""
    hasher = _hasher()
    if password_hash is None or password_hash == NO_PASSWORD:
        # Equal timing for unknown accounts, so a login does not reveal which e-mails exist.
        hasher.hash(password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
