"""The funding plan: property-tested, because every euro of every application runs through it."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from wallet.funding.plan import CourseFacts, GrantFacts, grant_covers, plan_funding
from wallet.schemes.rules import SchemeRules

START = dt.date(2027, 9, 1)
KINDS = ["short_course", "certificate", "mbo_bbl"]


def course(price_cents=100_000, kind="short_course", level=3, occupations=("Lasser",)):
    return CourseFacts(
        price_cents, kind, level, frozenset({"crkbo"}), frozenset(occupations), START
    )


def grant(grant_id, available, expires=dt.date(2028, 1, 1), **rules):
    return GrantFacts(grant_id, available, expires, SchemeRules(**rules))


rules_strategy = st.builds(
    SchemeRules,
    co_funding_bps=st.integers(0, 10_000),
    cap_per_course_cents=st.none() | st.integers(1, 500_000),
    course_kinds=st.sampled_from([(), ("short_course",), ("mbo_bbl",)]),
    nlqf_min=st.none() | st.integers(1, 4),
    nlqf_max=st.none() | st.integers(4, 8),
    max_grants_per_course=st.integers(1, 4),
)
grants_strategy = st.lists(
    st.builds(
        GrantFacts,
        grant_id=st.integers(1, 10_000),
        available_cents=st.integers(-100, 1_000_000),
        expires_on=st.dates(dt.date(2027, 1, 1), dt.date(2029, 12, 31)),
        rules=rules_strategy,
    ),
    max_size=6,
    unique_by=lambda g: g.grant_id,
)
course_strategy = st.builds(
    CourseFacts,
    price_cents=st.integers(0, 2_000_000),
    kind=st.sampled_from(KINDS),
    nlqf_level=st.none() | st.integers(1, 8),
    accreditations=st.just(frozenset({"crkbo"})),
    occupations=st.just(frozenset({"Lasser"})),
    starts_on=st.dates(dt.date(2027, 1, 1), dt.date(2029, 12, 31)),
)


@given(course_strategy, grants_strategy)
def test_the_parts_and_the_co_payment_add_up_to_the_price(course_facts, grants):
    plan = plan_funding(course_facts, grants)
    assert plan.covered_cents + plan.copay_cents == course_facts.price_cents
    assert plan.copay_cents >= 0


@given(course_strategy, grants_strategy, st.integers(0, 6_000_000))
def test_the_employer_pays_first_and_everything_adds_up(course_facts, grants, employer):
    """The employer's share comes off first (never above the price); grants then pay no
    more than without it, of what is left; the worker pays the rest."""
    plan = plan_funding(course_facts, grants, employer)
    alone = plan_funding(course_facts, grants)
    assert plan.employer_cents == min(employer, course_facts.price_cents)
    assert plan.employer_cents + plan.covered_cents + plan.copay_cents == course_facts.price_cents
    assert 0 <= plan.covered_cents <= alone.covered_cents
    assert 0 <= plan.copay_cents <= alone.copay_cents


@given(course_strategy, grants_strategy)
def test_no_grant_pays_more_than_it_may(course_facts, grants):
    plan = plan_funding(course_facts, grants)
    by_id = {g.grant_id: g for g in grants}
    assert len({part.grant_id for part in plan.parts}) == len(plan.parts)
    for part in plan.parts:
        facts = by_id[part.grant_id]
        assert 0 < part.cents <= facts.available_cents
        assert part.cents <= course_facts.price_cents * facts.rules.co_funding_bps // 10_000
        if facts.rules.cap_per_course_cents is not None:
            assert part.cents <= facts.rules.cap_per_course_cents
        assert grant_covers(facts.rules, course_facts)
        assert facts.expires_on >= course_facts.starts_on
        assert len(plan.parts) <= facts.rules.max_grants_per_course


@given(course_strategy, grants_strategy)
def test_earlier_expiring_grants_are_used_first(course_facts, grants):
    plan = plan_funding(course_facts, grants)
    order = [(g.expires_on, g.grant_id) for g in grants]
    used = [next(o for o in order if o[1] == part.grant_id) for part in plan.parts]
    assert used == sorted(used)


def test_stacking_pays_from_the_earliest_expiry_and_leaves_a_co_payment():
    plan = plan_funding(
        course(price_cents=250_000),
        [
            grant(1, 200_000, expires=dt.date(2028, 6, 1)),
            grant(2, 30_000, expires=dt.date(2027, 12, 1), co_funding_bps=5_000),
        ],
    )
    assert [(p.grant_id, p.cents) for p in plan.parts] == [(2, 30_000), (1, 200_000)]
    assert plan.copay_cents == 20_000


def test_a_grant_pays_its_share_up_to_its_cap():
    plan = plan_funding(
        course(price_cents=300_000),
        [grant(1, 1_000_000, co_funding_bps=5_000, cap_per_course_cents=100_000)],
    )
    assert plan.covered_cents == 100_000
    assert plan.copay_cents == 200_000


def test_a_grant_does_not_pay_for_courses_its_scheme_excludes():
    plan = plan_funding(
        course(kind="short_course", level=2),
        [
            grant(1, 500_000, course_kinds=("mbo_bbl",)),
            grant(2, 500_000, nlqf_min=3),
            grant(3, 500_000, target_occupations=("Verpleegkundige",)),
            grant(4, 500_000, expires=dt.date(2027, 8, 31)),  # gone before the course starts
        ],
    )
    assert plan.parts == ()
    assert plan.copay_cents == 100_000


def test_a_grant_of_a_fund_that_excluded_the_provider_pays_nothing_there():
    at_provider_7 = CourseFacts(
        100_000,
        "short_course",
        3,
        frozenset({"crkbo"}),
        frozenset({"Lasser"}),
        START,
        provider_id=7,
    )
    excluding = GrantFacts(
        1, 100_000, dt.date(2027, 10, 1), SchemeRules(), excluded_providers=frozenset({7})
    )
    other = grant(2, 60_000, expires=dt.date(2028, 1, 1))
    plan = plan_funding(at_provider_7, [excluding, other])
    assert [(p.grant_id, p.cents) for p in plan.parts] == [(2, 60_000)]
    assert plan.copay_cents == 40_000
    elsewhere = CourseFacts(
        100_000,
        "short_course",
        3,
        frozenset({"crkbo"}),
        frozenset({"Lasser"}),
        START,
        provider_id=8,
    )
    assert plan_funding(elsewhere, [excluding]).parts[0].grant_id == 1
