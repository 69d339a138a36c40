"""Imports every model so Base.metadata knows all tables (Alembic, tests)."""

from wallet.accounts.models import ApiToken, LoginFailure, User, WorkerProfile
from wallet.funds.models import Fund
from wallet.providers.models import Provider

__all__ = ["ApiToken", "Fund", "LoginFailure", "Provider", "User", "WorkerProfile"]
