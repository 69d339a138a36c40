"""Second factor: TOTP with recovery codes, the sign-in challenge and step-up."""
