"""The funding plan as a pure function: no database, no clock, easy to property-test.

An employer that pays the course for its new employee (an approved placement for this run)
pays its share first, never more than the price. Grants then are used earliest expiry
first. A grant pays only for courses its scheme allows, and nothing at a provider its fund
has excluded from its schemes, at most its scheme's co-funding share of the price, at most
the scheme's cap per course, at most what is available on it, and never more than is left
to pay. Whatever remains is the worker's co-payment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wallet.schemes.rules import SchemeRules


@dataclass(frozen=True)
class CourseFacts:
    """What a funding plan looks at of a course run."""

    price_cents: int
    kind: str
    nlqf_level: int | None
    accreditations: frozenset[str]
    occupations: frozenset[str]
    starts_on: dt.date
    provider_id: int | None = None


@dataclass(frozen=True)
class GrantFacts:
    """What a funding plan looks at of one of the worker's grants."""

    grant_id: int
    available_cents: int
    expires_on: dt.date
    rules: SchemeRules
    # Providers the grant's fund excluded from its schemes: the grant pays nothing there.
    excluded_providers: frozenset[int] = frozenset()


@dataclass(frozen=True)
class PlanPart:
    """What one grant pays."""

    grant_id: int
    cents: int


@dataclass(frozen=True)
class FundingPlan:
    """The price split over the employer's share, grants and the worker's own co-payment."""

    price_cents: int
    parts: tuple[PlanPart, ...]
    copay_cents: int
    employer_cents: int = 0

    @property
    def covered_cents(self) -> int:
        """What the grants pay together."""
        return sum(part.cents for part in self.parts)


def grant_covers(rules: SchemeRules, course: CourseFacts) -> bool:
    """Whether a scheme pays for this kind of course at all."""
    if rules.course_kinds and course.kind not in rules.course_kinds:
        return False
    if rules.accreditations and not course.accreditations & set(rules.accreditations):
        return False
    if rules.nlqf_min is not None or rules.nlqf_max is not None:
        if course.nlqf_level is None:
            return False
        if rules.nlqf_min is not None and course.nlqf_level < rules.nlqf_min:
            return False
        if rules.nlqf_max is not None and course.nlqf_level > rules.nlqf_max:
            return False
    wanted = {name.lower() for name in rules.target_occupations}
    return not wanted or bool(wanted & {name.lower() for name in course.occupations})


def plan_funding(
    course: CourseFacts, grants: list[GrantFacts], employer_cents: int = 0
) -> FundingPlan:
    """Split the course price: the employer's share first, then the grants, earliest expiry
    first; the rest is co-payment."""
    if course.price_cents < 0 or employer_cents < 0:
        raise ValueError("a price or an employer's share is never negative")
    employer = min(employer_cents, course.price_cents)
    remaining = course.price_cents - employer
    parts: list[PlanPart] = []
    most_parts = 10  # the strictest max_grants_per_course of the grants used so far
    for grant in sorted(grants, key=lambda g: (g.expires_on, g.grant_id)):
        if remaining == 0:
            break
        rules = grant.rules
        if grant.available_cents <= 0 or grant.expires_on < course.starts_on:
            continue
        if len(parts) + 1 > min(most_parts, rules.max_grants_per_course):
            continue
        if not grant_covers(rules, course) or course.provider_id in grant.excluded_providers:
            continue
        share = course.price_cents * rules.co_funding_bps // 10_000
        limit = min(share, grant.available_cents, remaining)
        if rules.cap_per_course_cents is not None:
            limit = min(limit, rules.cap_per_course_cents)
        if limit > 0:
            parts.append(PlanPart(grant.grant_id, limit))
            remaining -= limit
            most_parts = min(most_parts, rules.max_grants_per_course)
    return FundingPlan(course.price_cents, tuple(parts), remaining, employer)
