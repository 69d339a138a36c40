"""Secret tokens (links in e-mails, API keys, session ids): made at random, stored as a digest.

The database keeps only a token's digest, so a copy of it opens nothing. A token carries 256
random bits: nothing to guess, so a fast unsalted hash is enough (passwords use argon2).
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A fresh random token, URL-safe: 43 characters for its 32 bytes."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
