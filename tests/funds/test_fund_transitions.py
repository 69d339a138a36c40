"""Funds and schemes move along their transition tables in their services."""

import pytest
import sqlalchemy as sa

from wallet.audit.models import AuditEvent
from wallet.core.transitions import TransitionRefused
from wallet.funds import services
from wallet.funds.models import FundStatus
from wallet.schemes import services as schemes
from wallet.schemes.models import SchemeStatus


def _events(session, subject_type: str, subject_id: int, action: str) -> int:
    return session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.subject_type == subject_type,
            AuditEvent.subject_id == subject_id,
            AuditEvent.action == action,
        )
    )


def test_closing_a_fund_twice_is_one_decision(app_ctx):
    fund = services.create_fund("Fonds")
    services.close_fund(fund.id)
    services.close_fund(fund.id)
    assert services.get_fund(fund.id).status == FundStatus.CLOSED
    assert _events(app_ctx, "fund", fund.id, "close") == 1


def test_an_active_scheme_is_not_activated_again_nor_changed(app_ctx, make_fund, make_scheme):
    scheme = make_scheme(make_fund(1_000_00))
    with pytest.raises(TransitionRefused) as refused:
        schemes.activate_scheme(scheme.id)
    assert refused.value.status == 409
    with pytest.raises(TransitionRefused):
        schemes.change_scheme(scheme.id, None)
    assert schemes.get_scheme(scheme.id).status == SchemeStatus.ACTIVE
    assert _events(app_ctx, "scheme", scheme.id, "activate") == 1


def test_a_draft_scheme_can_be_closed_once(app_ctx, make_fund, make_scheme):
    scheme = make_scheme(make_fund(1_000_00), activate=False)
    schemes.close_scheme(scheme.id)
    schemes.close_scheme(scheme.id)
    assert schemes.get_scheme(scheme.id).status == SchemeStatus.CLOSED
    assert _events(app_ctx, "scheme", scheme.id, "close") == 1
    with pytest.raises(TransitionRefused):
        schemes.activate_scheme(scheme.id)
