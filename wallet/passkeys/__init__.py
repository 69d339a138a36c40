"""Passkeys (WebAuthn): added on the account page, for passwordless sign-in of workers and as
a second factor for everyone."""
