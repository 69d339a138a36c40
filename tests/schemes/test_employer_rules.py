"""Employer scheme rules: validation, eligibility that names every reason, reimbursement."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from tests.schemes.conftest import employer_rules
from wallet.schemes.employer_rules import (
    EmployerFacts,
    EmployerRules,
    PersonFacts,
    employer_eligibility,
    load_employer_rules,
    reimbursable_cents,
    staged_parts,
)


def test_valid_rules_load_with_their_window_and_budget(app_ctx):
    rules = load_employer_rules(employer_rules())
    assert rules.share_bps == 5_000
    assert rules.target_occupations == ("Procesoperator", "Verpleegkundige")
    assert rules.window_closes_on == dt.date(2027, 12, 31)
    assert rules.total_budget_cents == 100_000_000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"share_bps": 0}, "share_bps"),
        ({"share_bps": 10_001}, "share_bps"),
        ({"share_bps": 50.5}, "share_bps"),
        ({"cap_per_person_cents": -1}, "cap_per_person_cents"),
        ({"cap_per_employer_year_cents": -500}, "cap_per_employer_year_cents"),
        ({"total_budget_cents": 0}, "total_budget_cents"),
        ({"total_budget_cents": None}, "total_budget_cents"),
        ({"target_occupations": ["Astronaut"]}, "target_occupations"),
        ({"target_occupations": []}, "target_occupations"),
        ({"starting_situations": ["retired"]}, "starting_situations"),
        ({"training_kinds": ["sabbatical"]}, "training_kinds"),
        ({"window_opens_on": "2027-01-01", "window_closes_on": "2026-12-31"}, "window_closes_on"),
        ({"cap_per_employer_year_cents": 100}, "cap_per_employer_year_cents"),
        ({"retention_share_bps": 0}, "retention_share_bps"),
        ({"retention_months": None}, "retention_months"),
        ({"retention_share_bps": 10_000}, "retention_share_bps"),
    ],
)
def test_wrong_rules_are_refused_on_the_field(app_ctx, changes, field):
    with pytest.raises(ValidationError) as refused:
        load_employer_rules(employer_rules(**changes))
    assert field in refused.value.messages


def _person(**changes) -> PersonFacts:
    facts = {
        "starting_situation": "other_sector",
        "target_occupation": "Procesoperator",
        "training_kind": "work_and_learn",
        "applied_on": dt.date(2026, 6, 1),
    }
    facts.update(changes)
    return PersonFacts(**facts)


def test_an_eligible_person_has_no_reasons(app_ctx):
    rules = load_employer_rules(employer_rules())
    assert employer_eligibility(rules, _person(), EmployerFacts(verified=True)) == []


def test_every_reason_is_named_at_once(app_ctx):
    rules = load_employer_rules(employer_rules())
    person = _person(
        starting_situation="current_employee",
        target_occupation="Lasser",
        training_kind="work_experience",
        applied_on=dt.date(2028, 1, 1),
        already_reimbursed_cents=500_000,
    )
    employer = EmployerFacts(verified=False, reimbursed_this_year_cents=2_000_000)
    reasons = employer_eligibility(rules, person, employer)
    assert len(reasons) == 7
    assert "De werkgever is nog niet gecontroleerd." in reasons  # Dutch by default
    assert "De nieuwe baan is geen van de beroepen waarvoor deze regeling is." in reasons


def test_reasons_are_in_the_readers_language(app):
    rules_data = employer_rules()
    with app.test_request_context("/api/v1/schemes", headers={"Accept-Language": "de"}):
        rules = load_employer_rules(rules_data)
        reasons = employer_eligibility(rules, _person(), EmployerFacts(verified=False))
    assert reasons == ["Der Arbeitgeber ist noch nicht geprüft."]


def _rules(share_bps: int, per_person: int, per_year: int | None, held_bps: int) -> EmployerRules:
    return EmployerRules(
        share_bps=share_bps,
        cap_per_person_cents=per_person,
        total_budget_cents=10**9,
        starting_situations=("benefit",),
        target_occupations=("Lasser",),
        training_kinds=("bespoke",),
        cap_per_employer_year_cents=per_year,
        retention_months=6 if held_bps else None,
        retention_share_bps=held_bps,
    )


def test_the_seed_example_half_of_the_cost_back():
    rules = _rules(5_000, 500_000, None, 0)
    assert reimbursable_cents(rules, 700_001, 0) == 350_000  # rounded down, never up
    assert reimbursable_cents(rules, 1_200_000, 0) == 500_000  # the cap per person
    assert reimbursable_cents(_rules(5_000, 500_000, 800_000, 0), 700_000, 600_000) == 200_000


CENTS = st.integers(0, 10_000_000_00)


@settings(deadline=None)
@given(
    share=st.integers(1, 10_000),
    per_person=st.integers(1, 10_000_000_00),
    per_year=st.none() | st.integers(1, 10_000_000_00),
    held=st.integers(0, 9_999),
    cost=CENTS,
    more=CENTS,
    already=CENTS,
)
def test_the_reimbursement_stays_within_share_and_caps(
    share, per_person, per_year, held, cost, more, already
):
    rules = _rules(share, per_person, per_year, held)
    cents = reimbursable_cents(rules, cost, already)
    assert 0 <= cents <= cost * share // 10_000
    assert cents * 10_000 <= cost * share  # exact: never above share × cost
    assert cents <= per_person
    if per_year is not None:
        assert cents <= max(0, per_year - already)
    assert reimbursable_cents(rules, cost + more, already) >= cents  # monotone in the cost
    now, later = staged_parts(rules, cents)
    assert now >= 0
    assert later >= 0
    assert now + later == cents


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        reimbursable_cents(_rules(5_000, 1, None, 0), -1, 0)
