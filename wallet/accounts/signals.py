"""Signals of accounts, for features above it to react to (sessions, at merge second factor)."""

from blinker import Namespace

_signals = Namespace()

# Sent with the user, inside the unit of work that stores the new password.
# everywhere=True after a reset by link (every session ends), False after a change by the
# signed-in owner (their other sessions end).
password_changed = _signals.signal("password-changed")
