"""Passkey fixtures: services called inside a request (the challenge lives in its session)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from tests.passkeys.authenticator import SoftAuthenticator


@pytest.fixture
def in_request(app: Flask) -> Iterator[Callable]:
    """A request context for calling passkey services; yields `load(user)`, the user as an
    object of that request's database session."""
    from wallet.accounts.models import User
    from wallet.core.db import session

    with app.test_request_context("/"):
        yield lambda user: session.get(User, user.id)


@pytest.fixture
def registered(in_request) -> Callable:
    """registered(user, name="Phone", **authenticator) -> a SoftAuthenticator whose passkey
    the user added through the service, as the account page does."""
    from wallet.passkeys import services
    from wallet.passkeys.ceremony import relying_party

    def register(user, name: str = "Phone", **options) -> SoftAuthenticator:
        authenticator = SoftAuthenticator(**options)
        owner = in_request(user)
        answer = authenticator.create(
            services.registration_options(owner), origin=relying_party().origin
        )
        services.add_passkey(owner, name, answer)
        return authenticator

    return register
