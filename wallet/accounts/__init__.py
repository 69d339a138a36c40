"""Accounts: users, roles, worker profiles, logins and API tokens."""
