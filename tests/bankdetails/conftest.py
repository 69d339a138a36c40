"""A provider with two staff members (one reading German), a fund with two administrators
and a platform administrator: everyone who asks for or confirms a new IBAN."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import PASSWORD
from wallet.accounts.models import Role, User
from wallet.accounts.services import create_staff_user
from wallet.core.db import session
from wallet.providers.models import Provider

OLD_IBAN, NEW_IBAN, FUND_IBAN = "NL20INGB0001234567", "NL39RABO0300065264", "NL91ABNA0417164300"


@pytest.fixture
def bank_scene(app, app_ctx, make_provider_user, make_staff):
    """SimpleNamespace(provider, staff, colleague, admin, other_admin, stranger, platform):
    the provider has IBAN OLD_IBAN, the fund FUND_IBAN; `stranger` administers another fund."""
    made = [make_provider_user(), make_staff(Role.FUND_ADMIN)]  # each in its own app context
    made += [
        make_staff(Role.FUND_ADMIN, fund_id=made[1].fund_id),
        make_staff(Role.FUND_ADMIN),
        make_staff(Role.PLATFORM_ADMIN),
    ]
    staff, admin, other_admin, stranger, platform = (session.get(User, u.id) for u in made)
    provider = session.get(Provider, staff.provider_id)
    provider.iban, provider.bic = OLD_IBAN, "INGBNL2A"
    admin.fund.iban, admin.fund.bic = FUND_IBAN, "ABNANL2A"
    session.commit()
    # Set-up data: a colleague with a password (not invited), so the outbox starts empty.
    colleague = create_staff_user(
        email="k@example.de",
        name="Kollegin",
        role=Role.PROVIDER_STAFF,
        password=PASSWORD,
        provider=provider,
    )
    colleague.preferred_language = "de"
    session.commit()
    return SimpleNamespace(
        provider=provider,
        staff=staff,
        colleague=colleague,
        admin=admin,
        other_admin=other_admin,
        stranger=stranger,
        platform=platform,
    )
