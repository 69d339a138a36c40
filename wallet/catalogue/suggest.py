"""'Did you mean': a near word for each search word the catalogue does not know.

The vocabulary is the words of the published courses' titles (in every language given)
and of the reference skills and occupations. It is read once and kept per process: renewed
when this process changes the catalogue (search_index.changes) and at least every
VOCABULARY_SECONDS for what other processes changed. So a search pays for a few set
lookups and, for an unknown word only, a difflib comparison. The same on SQLite and
PostgreSQL: no trigram extension to install.
"""

from __future__ import annotations

import difflib
import re
import threading
import time

import sqlalchemy as sa

from wallet.catalogue.models import Course
from wallet.catalogue.search import words
from wallet.catalogue.search_index import changes
from wallet.core.db import session
from wallet.reference import labels

MIN_LENGTH = 3  # shorter words are left alone: too many near neighbours
CUTOFF = 0.75  # difflib's similarity a suggestion needs ("lasen" -> "lassen" is 0.91)
VOCABULARY_SECONDS = 300

_lock = threading.Lock()
_cached: dict[str, tuple[tuple, tuple[frozenset[str], dict[int, list[str]]]]] = {}


def _read_vocabulary() -> frozenset[str]:
    found: set[str] = set()
    titles = session.execute(
        sa.select(Course.title_nl, Course.title_en, Course.title_de)
        .where(Course.published.is_(True))
        .distinct()
    )
    for row in titles:
        for title in row:
            found.update(re.findall(r"[^\W\d_]+", (title or "").lower()))
    for kind in ("skill", "occupation"):
        for label in labels()[kind]:
            found.update(re.findall(r"[^\W\d_]+", label))
    return frozenset(word for word in found if len(word) >= MIN_LENGTH)


def vocabulary() -> tuple[frozenset[str], dict[int, list[str]]]:
    """The known words, and the same by length (for quick candidates)."""
    key = str(session.get_bind().url)
    fingerprint = (changes(), int(time.monotonic() // VOCABULARY_SECONDS))
    with _lock:
        cached = _cached.get(key)
        if cached and cached[0] == fingerprint:
            return cached[1]
    known = _read_vocabulary()
    by_length: dict[int, list[str]] = {}
    for word in sorted(known):
        by_length.setdefault(len(word), []).append(word)
    with _lock:
        _cached[key] = (fingerprint, (known, by_length))
    return known, by_length


def _near(term: str, known: frozenset[str], by_length: dict[int, list[str]]) -> str | None:
    if len(term) < MIN_LENGTH or term in known:
        return None
    if any(word.startswith(term) for word in known):
        return None  # a prefix of a known word finds it (search matches prefixes)
    candidates = [w for n in range(len(term) - 2, len(term) + 3) for w in by_length.get(n, ())]
    close = difflib.get_close_matches(term, candidates, n=1, cutoff=CUTOFF)
    return close[0] if close else None


def did_you_mean(text: str) -> str | None:
    """The search text with unknown words replaced by the nearest known ones; None when
    there is nothing better to offer."""
    terms = words(text)
    if not terms:
        return None
    known, by_length = vocabulary()
    better = [_near(term, known, by_length) or term for term in terms]
    return " ".join(better) if better != terms else None
