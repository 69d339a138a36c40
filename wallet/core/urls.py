"""URLs that leave the app: redirect targets the user chose, and links in e-mails."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

from flask import current_app

# Browsers decode percent-escapes before they judge a URL, sometimes more than once along a
# chain of redirects, so a target is judged in every decoded form it can take.
_MAX_DECODINGS = 4
_QUERY_OR_FRAGMENT = re.compile(r"[?#]")


def _unsafe_character(text: str) -> bool:
    # Controls, format characters (zero-width, bidi), spaces and backslashes: browsers strip
    # or reinterpret them, so "/\t/evil.example" or "/\\evil.example" become another host.
    return any(
        ch == "\\" or unicodedata.category(ch)[0] in ("C", "Z") or ch.isspace() for ch in text
    )


def _is_local_path(text: str) -> bool:
    if not text.startswith("/") or text.startswith("//") or _unsafe_character(text):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def safe_redirect_target(target: str | None, default: str) -> str:
    """`target` when it is a path on this site (one leading slash, nothing odd), else `default`.

    The target itself may hold no control character, space or backslash (a newline would
    also break the Location header); the path of every percent-decoded form of it must pass
    the same test, so "/%09/evil.example" gives `default` however often it is decoded. The
    query may keep encoded spaces: it cannot change the host.
    """
    if not isinstance(target, str) or len(target) > 2000 or not _is_local_path(target):
        return default
    text = target
    for _ in range(_MAX_DECODINGS):
        decoded = unquote(text)
        if decoded == text:
            return target
        if not _is_local_path(_QUERY_OR_FRAGMENT.split(decoded, maxsplit=1)[0]):
            return default
        text = decoded
    return default  # still changing after so many decodings: nobody writes links like that


def external_url(endpoint: str, **values) -> str:
    """An absolute link to `endpoint` on the configured BASE_URL, never the request's Host.

    For e-mails and for return addresses given to other services: a forged Host header
    must not put another site's address in a message or a payment flow.
    """
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
