"""Fixtures of the user administration tests: the session stores (database and Redis) of the
session tests, and acting as a platform administrator from a test."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.sessions.conftest import flushed_redis, store_app, store_client  # noqa: F401
from wallet.accounts.models import Role, User
from wallet.core.db import session


@pytest.fixture
def admin(make_staff) -> User:
    """A platform administrator with an authenticator."""
    return make_staff(Role.PLATFORM_ADMIN, name="Petra Platform")


@pytest.fixture
def as_admin(app: Flask, admin) -> Callable:
    """as_admin(service, *args, **kwargs): call a user administration service as `admin`, in
    an app context of its own (outside a request, so no step-up is asked)."""

    def call(service, *args, app_: Flask | None = None, **kwargs):
        with (app_ or app).app_context():
            return service(session.get(User, admin.id), *args, **kwargs)

    return call
