"""Use cases of schemes: define, change while draft, activate, close."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError

from wallet.accounts.names import visible_name
from wallet.audit.services import record
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.core.money import MoneyError, check_amount
from wallet.core.transitions import advance
from wallet.funds.services import get_fund, require_open
from wallet.schemes.employer_rules import load_employer_rules, stored_rules
from wallet.schemes.models import AllocationMode, Scheme, SchemeKind, SchemeStatus
from wallet.schemes.rules import dump_rules, load_rules
from wallet.schemes.transitions import SCHEME_TRANSITIONS


@dataclass(frozen=True)
class SchemeTerms:
    """What an administrator sets for a scheme. An employer scheme (kind "employer") has
    its window and total budget in its rules and no amount, validity or allocation mode."""

    name: str
    allocation_mode: str | None
    amount_cents: int | None
    validity_months: int | None
    rules: dict
    window_opens_on: dt.date | None = None
    window_closes_on: dt.date | None = None
    total_cap_cents: int | None = None
    kind: str = SchemeKind.WORKER_BUDGET.value


def get_scheme(scheme_id: int) -> Scheme:
    """The scheme, or NotFound."""
    scheme = session.get(Scheme, scheme_id)
    if scheme is None:
        raise NotFound(_("There is no such scheme."))
    return scheme


def schemes_of(fund_id: int) -> list[Scheme]:
    """A fund's schemes, newest first."""
    query = sa.select(Scheme).where(Scheme.fund_id == fund_id).order_by(Scheme.id.desc())
    return list(session.scalars(query))


def _checked(terms: SchemeTerms) -> dict:
    try:
        kind = SchemeKind(terms.kind)
    except ValueError:
        raise ValidationFailed(
            _("Please correct the marked fields."), errors={"kind": _("Choose a kind of scheme.")}
        ) from None
    if kind == SchemeKind.EMPLOYER_REIMBURSEMENT:
        return _checked_employer(terms)
    errors: dict = {}
    values = {
        "name": visible_name(terms.name),
        "window_opens_on": terms.window_opens_on,
        "window_closes_on": terms.window_closes_on,
        "validity_months": terms.validity_months,
        "amount_cents": terms.amount_cents,
        "total_cap_cents": terms.total_cap_cents,
        "kind": SchemeKind.WORKER_BUDGET,
    }
    if not values["name"] or len(values["name"]) > 200:
        errors["name"] = _("Give the scheme a name of at most 200 characters.")
    try:
        values["allocation_mode"] = AllocationMode(terms.allocation_mode)
    except ValueError:
        errors["allocation_mode"] = _("Choose how budgets are allocated.")
    try:
        check_amount(terms.amount_cents)
    except MoneyError:
        errors["amount_cents"] = _("The amount per grant must be between € 0,01 and € 10.000.000.")
    if terms.total_cap_cents is not None:
        try:
            check_amount(terms.total_cap_cents)
        except MoneyError:
            errors["total_cap_cents"] = _("The total cap must be a positive amount.")
    if not isinstance(terms.validity_months, int) or not 1 <= terms.validity_months <= 120:
        errors["validity_months"] = _("A grant is valid for 1 to 120 months.")
    opens, closes = terms.window_opens_on, terms.window_closes_on
    if opens and closes and closes < opens:
        errors["window_closes_on"] = _("The window cannot close before it opens.")
    mode = values.get("allocation_mode")
    if mode in (AllocationMode.FIRST_COME, AllocationMode.LOTTERY):
        if not (opens and closes):
            errors["window_closes_on"] = _("First-come and lottery schemes need a window.")
        if terms.total_cap_cents is None:
            errors["total_cap_cents"] = _("First-come and lottery schemes need a total cap.")
    try:
        values["rules"] = dump_rules(load_rules(terms.rules))
    except ValidationError as error:
        errors["rules"] = error.messages
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    return values


def _checked_employer(terms: SchemeTerms) -> dict:
    errors: dict = {}
    name = visible_name(terms.name)
    if not name or len(name) > 200:
        errors["name"] = _("Give the scheme a name of at most 200 characters.")
    try:
        rules = load_employer_rules(terms.rules)
    except ValidationError as error:
        errors["rules"] = error.messages
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    return {
        "name": name,
        "kind": SchemeKind.EMPLOYER_REIMBURSEMENT,
        # Never allocated: the grant services refuse employer schemes whatever the mode.
        "allocation_mode": AllocationMode.MANUAL,
        "amount_cents": rules.cap_per_person_cents,
        "validity_months": 12,  # unused: an employer scheme grants nothing that expires
        "window_opens_on": rules.window_opens_on,
        "window_closes_on": rules.window_closes_on,
        "total_cap_cents": rules.total_budget_cents,
        "rules": stored_rules(rules),
    }


def define_scheme(fund_id: int, terms: SchemeTerms, *, actor_id: int | None = None) -> Scheme:
    """A new draft scheme of an open fund."""
    fund = get_fund(fund_id)
    require_open(fund)
    values = _checked(terms)
    with unit_of_work() as db:
        scheme = Scheme(fund_id=fund.id, status=SchemeStatus.DRAFT, committed_cents=0, **values)
        db.add(scheme)
        db.flush()
        record("scheme", scheme.id, "define", actor_id=actor_id, after=_terms_of(scheme))
    return scheme


def _terms_of(scheme: Scheme) -> dict:
    """What a scheme promises, for its audit events."""
    return {
        "name": scheme.name,
        "kind": str(scheme.kind),
        "amount_cents": scheme.amount_cents,
        "total_cap_cents": scheme.total_cap_cents,
        "status": scheme.status.value,
        "allocation_mode": str(scheme.allocation_mode),
    }


def change_scheme(scheme_id: int, terms: SchemeTerms, *, actor_id: int | None = None) -> Scheme:
    """Change a scheme while it is a draft; active schemes keep their promises."""
    scheme = get_scheme(scheme_id)
    SCHEME_TRANSITIONS.target(scheme.status, "change")
    values = _checked(terms)
    with unit_of_work():
        before = _terms_of(scheme)
        for key, value in values.items():
            setattr(scheme, key, value)
        record(
            "scheme", scheme.id, "change", actor_id=actor_id, before=before, after=_terms_of(scheme)
        )
    return scheme


def activate_scheme(scheme_id: int, *, actor_id: int | None = None) -> Scheme:
    """Start granting under the scheme."""
    scheme = get_scheme(scheme_id)
    require_open(scheme.fund)
    before = scheme.status
    target = SCHEME_TRANSITIONS.target(before, "activate")
    with unit_of_work():
        if not advance(Scheme, scheme.id, before, target):
            raise Conflict(_("Only a draft scheme can be activated."))
        record(
            "scheme",
            scheme.id,
            "activate",
            actor_id=actor_id,
            before={"status": "draft"},
            after=_terms_of(scheme),
        )
    return scheme


def close_scheme(scheme_id: int, *, actor_id: int | None = None) -> Scheme:
    """Grant no more under the scheme; existing grants stay spendable."""
    scheme = get_scheme(scheme_id)
    if scheme.status == SchemeStatus.CLOSED:
        return scheme  # closed already (a double click): one decision, one audit event
    before = scheme.status
    target = SCHEME_TRANSITIONS.target(before, "close")
    with unit_of_work():
        if not advance(Scheme, scheme.id, before, target):
            return get_scheme(scheme_id)  # a racing click closed it: one audit event
        record(
            "scheme",
            scheme.id,
            "close",
            actor_id=actor_id,
            before={"status": before.value},
            after={"status": target.value},
        )
    return scheme
