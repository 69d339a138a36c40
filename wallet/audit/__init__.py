"""Audit events: every decision and state change, who, when, before, after and why."""
