"""TOTP secrets encrypted at rest (AES-256-GCM), so a copy of the database opens no
second factor. The key comes from SECOND_FACTOR_KEY; without it, from SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

PURPOSE = b"leerwallet second factor"


def _key() -> bytes:
    material = current_app.config.get("SECOND_FACTOR_KEY") or current_app.config["SECRET_KEY"]
    return hashlib.sha256(PURPOSE + b"\0" + str(material).encode()).digest()


def seal(secret: str) -> str:
    """The secret encrypted, as text for a column."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, secret.encode(), PURPOSE)
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(text: str) -> str:
    """The secret back; ValueError when the key changed or the text was altered."""
    raw = base64.urlsafe_b64decode(text.encode())
    try:
        return AESGCM(_key()).decrypt(raw[:12], raw[12:], PURPOSE).decode()
    except InvalidTag as error:
        raise ValueError("the second-factor key changed or the secret was altered") from error
