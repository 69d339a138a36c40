"""Signals of accounts, for features above it to react to (the sessions end or change id)."""

from blinker import Namespace

_signals = Namespace()

# Sent with the user, inside the unit of work that stores the new password.
# everywhere=True after a reset by link (every session ends), False after a change by the
# signed-in owner (their other sessions end).
password_changed = _signals.signal("password-changed")

# Sent with the user, inside the unit of work that adds, replaces or removes a second factor
# (an authenticator app or a passkey): the user's other sessions end.
second_factor_changed = _signals.signal("second-factor-changed")

# Sent with the user when this session just gave a second factor (at sign-in or step-up):
# the session gets a new id.
second_factor_given = _signals.signal("second-factor-given")

# Sent with the user, inside the unit of work that gives the account its new e-mail address:
# the user's other sessions end; keep_current=True when the owner confirmed it in this session.
email_changed = _signals.signal("email-changed")
