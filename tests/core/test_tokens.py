"""Secret tokens are random and URL-safe; what is stored is their SHA-256, one way for all."""

from __future__ import annotations

import hashlib
import pathlib
import re

from wallet.core.tokens import digest, new_token


def test_a_new_token_is_url_safe_and_never_the_same():
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)


def test_the_digest_is_the_sha256_of_the_token():
    assert digest("abc") == hashlib.sha256(b"abc").hexdigest()
    assert len(digest(new_token())) == 64


def test_no_feature_hashes_tokens_its_own_way():
    wallet = pathlib.Path(__file__).parents[2] / "wallet"
    copies = [
        str(path.relative_to(wallet))
        for path in wallet.rglob("*.py")
        if path.name != "tokens.py" and "sha256(token" in path.read_text(encoding="utf-8")
    ]
    assert copies == []
