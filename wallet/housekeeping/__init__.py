"""Housekeeping: retention sweeps of short-lived rows, closing accounts, and pseudonymising
closed accounts once their personal data's retention period has passed."""
