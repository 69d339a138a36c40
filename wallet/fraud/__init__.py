"""Fraud flags: patterns worth a second look, raised before money leaves."""
