"""Scheduled jobs: one APScheduler process; every job is also a CLI command."""
