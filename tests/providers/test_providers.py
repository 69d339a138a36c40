"""Providers: checked details, accreditations, and the verification workflow with audit."""

import datetime as dt

import pytest

from tests.conftest import PASSWORD
from wallet.accounts.models import Role, User
from wallet.audit.services import history
from wallet.bankdetails import services as bankdetails
from wallet.bankdetails.models import OwnerKind
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict, ValidationFailed
from wallet.providers import services
from wallet.providers.models import ProviderStatus

DETAILS = services.ProviderDetails(
    name="Techniek Academie Twente",
    vat_number="NL004495445B01",
    street="Hengelosestraat 500",
    postcode="7521 AN",
    city="Enschede",
    contact_email="info@techniekacademie.nl",
)


def _claim(**fields):
    values = {
        "kind": "crkbo",
        "reference": "CRKBO-12345",
        "evidence": "https://crkbo.nl/register",
        "valid_from": clock.today() - dt.timedelta(days=10),
    }
    values.update(fields)
    return services.AccreditationClaim(**values)


def test_details_are_checked_and_an_iban_waits_for_a_platform_administrator(
    app_ctx, make_provider_user, make_staff
):
    user, platform = make_provider_user(), make_staff(Role.PLATFORM_ADMIN)
    provider = services.update_details(user.provider_id, DETAILS, actor_id=user.id)
    assert (provider.vat_number, provider.iban) == ("NL004495445B01", None)
    change = bankdetails.request_change(
        session.get(User, user.id), "NL91 ABNA 0417 1643 00", password=PASSWORD
    )
    assert services.get_provider(user.provider_id).iban is None
    bankdetails.confirm_change(change.id, session.get(User, platform.id))
    provider = services.get_provider(user.provider_id)
    assert (provider.iban, provider.bic) == ("NL91ABNA0417164300", "ABNANL2A")


@pytest.mark.parametrize("value", ["NL004495446B01", "123"])
def test_a_wrong_vat_number_is_refused(app_ctx, make_provider_user, value):
    user = make_provider_user()
    details = services.ProviderDetails(**{**DETAILS.__dict__, "vat_number": value})
    with pytest.raises(ValidationFailed) as refused:
        services.update_details(user.provider_id, details, actor_id=user.id)
    assert set(refused.value.errors) == {"vat_number"}
    assert services.get_provider(user.provider_id).vat_number is None


@pytest.mark.parametrize("value", ["NL91ABNA0417164301", "NL20XXXX0123456789", "hello"])
def test_a_wrong_iban_is_refused(app_ctx, make_provider_user, value):
    user = make_provider_user()
    with pytest.raises(ValidationFailed) as refused:
        bankdetails.request_change(session.get(User, user.id), value, password=PASSWORD)
    assert set(refused.value.errors) == {"iban"}
    assert bankdetails.pending_change(OwnerKind.PROVIDER, user.provider_id) is None


ALL = [(status, action) for status in ProviderStatus for action in services.ACTIONS]


@pytest.mark.parametrize(("status", "action"), ALL)
def test_every_status_and_action_follows_the_table(app_ctx, make_provider_user, status, action):
    user = make_provider_user()
    services.add_accreditation(user.provider_id, _claim(), actor_id=user.id)
    provider = services.get_provider(user.provider_id)
    provider.status = status
    app_ctx.commit()
    expected = services.TRANSITIONS.get((status, action))
    if expected is None:
        with pytest.raises(Conflict):
            services.change_status(provider.id, action, reason="checked", actor_id=None)
        assert services.get_provider(provider.id).status == status
    else:
        services.change_status(provider.id, action, reason="checked", actor_id=None)
        assert services.get_provider(provider.id).status == expected
        event = history("provider", provider.id)[-1]
        assert (event.action, event.reason) == (action, "checked")
        assert event.after == {"status": expected.value}


def test_accrediting_needs_a_valid_accreditation_and_a_reason(app_ctx, make_provider_user):
    user = make_provider_user()
    with pytest.raises(ValidationFailed):
        services.change_status(user.provider_id, "accredit", reason=" ", actor_id=None)
    with pytest.raises(Conflict, match="accredit"):
        services.change_status(user.provider_id, "accredit", reason="ok", actor_id=None)
    expired = _claim(valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2021, 1, 1))
    services.add_accreditation(user.provider_id, expired, actor_id=user.id)
    with pytest.raises(Conflict):
        services.change_status(user.provider_id, "accredit", reason="ok", actor_id=None)
    services.add_accreditation(user.provider_id, _claim(), actor_id=user.id)
    provider = services.change_status(user.provider_id, "accredit", reason="ok", actor_id=None)
    assert provider.status == ProviderStatus.ACCREDITED


def test_an_accreditation_ending_before_it_starts_is_refused(app_ctx, make_provider_user):
    user = make_provider_user()
    claim = _claim(valid_from=dt.date(2027, 1, 1), valid_until=dt.date(2026, 1, 1), kind="x")
    with pytest.raises(ValidationFailed) as refused:
        services.add_accreditation(user.provider_id, claim, actor_id=user.id)
    assert set(refused.value.errors) == {"kind", "valid_until"}


def test_an_organisation_or_colleague_named_by_invisible_characters_is_refused(
    app_ctx, make_provider_user
):
    user = make_provider_user()
    details = services.ProviderDetails(**{**DETAILS.__dict__, "name": "\u200b\u2060\ufeff"})
    with pytest.raises(ValidationFailed) as refused:
        services.update_details(user.provider_id, details, actor_id=user.id)
    assert set(refused.value.errors) == {"name"}
    with pytest.raises(ValidationFailed):
        services.add_staff_member(
            user.provider_id, name="\u3164 \u200b", email="c@example.nl", actor_id=user.id
        )
