"""Factories for employer schemes."""

from collections.abc import Callable

import pytest
from flask import Flask


def employer_rules(**changes) -> dict:
    """Valid employer scheme rules like Sectorplan Twente's (50 % back), with `changes`."""
    rules = {
        "share_bps": 5_000,
        "cap_per_person_cents": 500_000,
        "cap_per_employer_year_cents": 2_000_000,
        "total_budget_cents": 100_000_000,
        "starting_situations": ["other_sector", "ending_job", "benefit"],
        "target_occupations": ["Procesoperator", "Verpleegkundige"],
        "training_kinds": ["catalogue_run", "bespoke", "work_and_learn"],
        "retention_months": 6,
        "retention_share_bps": 2_500,
        "window_opens_on": "2026-01-01",
        "window_closes_on": "2027-12-31",
    }
    rules.update(changes)
    return rules


@pytest.fixture
def make_employer_scheme(app: Flask) -> Callable:
    """make_employer_scheme(fund, activate=True, **rule changes) -> an employer Scheme."""
    from wallet.schemes import services

    def make(fund, *, activate: bool = True, name: str = "Sectorplan Twente", **changes):
        terms = services.SchemeTerms(
            name=name,
            kind="employer",
            allocation_mode=None,
            amount_cents=None,
            validity_months=None,
            rules=employer_rules(**changes),
        )
        with app.app_context():
            scheme = services.define_scheme(fund.id, terms)
            return services.activate_scheme(scheme.id) if activate else scheme

    return make
