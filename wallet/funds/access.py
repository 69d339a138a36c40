"""Which fund the current administrator may act for. Other funds are 'not found'."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user

from wallet.core.errors import NotFound
from wallet.funds.models import Fund
from wallet.funds.services import get_fund


def own_fund(fund_id: int) -> Fund:
    """The fund if the current user administers it; NotFound otherwise (reveals nothing)."""
    if getattr(current_user, "fund_id", None) != fund_id:
        raise NotFound(_("There is no such fund."))
    return get_fund(fund_id)


def own_scheme(scheme_id: int):
    """The scheme if it belongs to the current administrator's fund; NotFound otherwise."""
    from wallet.schemes.services import get_scheme

    scheme = get_scheme(scheme_id)
    own_fund(scheme.fund_id)
    return scheme
