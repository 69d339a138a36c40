"""What people type to name themselves: e-mail addresses in one form, names that can be seen."""

from __future__ import annotations

import unicodedata

# Letters that render as nothing though Unicode calls them letters or symbols (fillers).
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u180e"}
# Controls, format characters (zero-width space, joiners, BOM, bidi marks), unassigned and
# private code points, separators, and combining marks that have no letter to sit on.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"}


def invisible(char: str) -> bool:
    """True for a character that shows nothing on its own."""
    return char in _BLANK_LETTERS or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def visible_name(text: str | None) -> str:
    """The name trimmed of invisible characters at both ends; "" when nothing is left to see.

    Every service that stores a person's or an organisation's name checks it with this, so a
    name of zero-width spaces cannot pass for a name in lists, e-mails and audit trails.
    """
    text = unicodedata.normalize("NFC", text or "")
    start, end = 0, len(text)
    while start < end and invisible(text[start]):
        start += 1
    while end > start and invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def normalise_email(email: str | None) -> str:
    """The one form in which an e-mail address is stored and compared.

    NFKC first, so a full-width or other compatibility variant (ｗｅｒｋｅｎｄｅ＠ｄｅｍｏ.ｎｌ)
    is the same address, then case-folded and trimmed. Used for registration, login and its
    throttling key, grants by e-mail and CSV, colleagues and every lookup by address.
    """
    return unicodedata.normalize("NFKC", email or "").casefold().strip()
