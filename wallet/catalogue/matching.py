"""'Aanbevolen voor jou': courses toward the worker's target occupation and the region's
kansberoepen, ranked by occupation and skill overlap, level fit, place and budget coverage,
each with one line saying why."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from wallet.accounts.models import WorkerProfile
from wallet.catalogue.search import Hit, SearchQuery, search, words
from wallet.core.db import session
from wallet.funding.services import worker_grant_facts
from wallet.reference import kansberoepen, municipality

CANDIDATES = 100


@dataclass(frozen=True)
class Recommendation:
    """A recommended run, its score and the reason in one line."""

    hit: Hit
    score: float
    reason: str


def recommend(user_id: int, limit: int = 5) -> list[Recommendation]:
    """The best few course runs for this worker, one run per course."""
    profile = session.get(WorkerProfile, user_id)
    if profile is None:
        return []
    home = municipality(profile.municipality_code)
    region = home.region if home else ""
    kans = {o.name.lower(): o.name for o in kansberoepen() if o.region == region}
    target = profile.target_occupation.strip()
    text = " ".join([target, *kans.values()])
    grants = worker_grant_facts(user_id)
    page = search(SearchQuery(text=text, any_words=True, per_page=CANDIDATES), grants)
    scored: dict[int, Recommendation] = {}
    for hit in page.hits:
        recommendation = _score(hit, profile, target, kans, region)
        best = scored.get(hit.course.id)
        if best is None or recommendation.score > best.score:
            scored[hit.course.id] = recommendation
    ranked = sorted(scored.values(), key=lambda r: (-r.score, r.hit.starts_on, r.hit.run_id))
    return ranked[:limit]


def _score(hit: Hit, profile: WorkerProfile, target: str, kans: dict, region: str):
    course = hit.course
    occupations = {o.lower(): o for o in course.occupations or []}
    target_words = set(words(target))
    score, reasons = 0.0, []
    if target.lower() in occupations:
        score += 4
        reasons.append(_("prepares for %(occupation)s", occupation=target))
    elif kans_hit := next((occupations[o] for o in occupations if o in kans), None):
        score += 2
        reasons.append(
            _(
                "prepares for %(occupation)s, an occupation in demand in %(region)s",
                occupation=kans_hit,
                region=region,
            )
        )
    skills = {w for skill in course.skills or [] for w in words(skill)}
    if target_words & skills:
        score += 1
    if course.nlqf_level is not None:
        step = course.nlqf_level - profile.education_level
        if 0 <= step <= 2:
            score += 1
            reasons.append(_("fits your level"))
        elif step > 2:
            score -= 1
    place = municipality(hit.run_municipality)
    if hit.run_municipality == profile.municipality_code:
        score += 1
        reasons.append(_("in %(place)s", place=place.name if place else hit.run_municipality))
    elif place and place.region and place.region == region:
        score += 0.5
        reasons.append(_("in %(place)s", place=place.name))
    if hit.plan is not None and hit.course.price_cents:
        share = hit.plan.covered_cents / hit.course.price_cents
        score += 2 * share
        if hit.plan.copay_cents == 0:
            reasons.append(_("your budget pays all of it"))
        elif share > 0:
            reasons.append(_("your budget pays %(percent)d%%", percent=round(share * 100)))
    reason = "; ".join(reasons) or _("matches what you are looking for")
    return Recommendation(hit, score, reason[0].upper() + reason[1:])
