"""Shared building blocks: database, money, clock, errors, security helpers."""
