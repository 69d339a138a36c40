"""Use cases of the catalogue: add or change courses and runs (upsert by the provider's own
code), publish and unpublish, and keep the search index in step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.names import visible_name
from wallet.audit.services import record
from wallet.catalogue.models import Course, CourseRun, Modality, PriceChange, VatTreatment
from wallet.catalogue.search_index import index_courses
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.providers.models import Provider, ProviderStatus
from wallet.reference import COURSE_KINDS, LANGUAGES, SECTORS, labels, municipality

MAX_PRICE_CENTS = 50_000_00


@dataclass(frozen=True)
class RunInput:
    """A course run as entered or imported."""

    code: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    seats: int | None
    municipality_code: str
    location: str = ""


@dataclass(frozen=True)
class CourseInput:
    """A course as entered or imported."""

    code: str
    title_nl: str
    description_nl: str
    kind: str
    sector: str
    hours: int | None
    modality: str
    language: str
    municipality_code: str
    price_cents: int | None
    vat: str
    nlqf_level: int | None = None
    programme_code: str = ""
    skills: tuple[str, ...] = ()
    occupations: tuple[str, ...] = ()
    title_en: str = ""
    title_de: str = ""
    description_en: str = ""
    description_de: str = ""
    runs: tuple[RunInput, ...] = field(default_factory=tuple)


def course_problems(data: CourseInput) -> dict[str, str]:
    """Every problem with a course and its runs, by field; empty when it is fine."""
    errors: dict[str, str] = {}
    if not data.code.strip() or len(data.code) > 50:
        errors["code"] = _("Give the course your own code of at most 50 characters.")
    if not visible_name(data.title_nl) or len(data.title_nl) > 200:
        errors["title_nl"] = _("A Dutch title of at most 200 characters is required.")
    if not data.description_nl.strip():
        errors["description_nl"] = _("A Dutch description is required.")
    if data.kind not in COURSE_KINDS:
        errors["kind"] = _("Unknown kind of course: %(value)s.", value=data.kind)
    if data.sector not in SECTORS:
        errors["sector"] = _("Unknown sector: %(value)s.", value=data.sector)
    if data.nlqf_level is not None and not 1 <= data.nlqf_level <= 8:
        errors["nlqf_level"] = _("The NLQF level is 1 to 8.")
    if data.hours is None or not 0 < data.hours <= 10_000:
        errors["hours"] = _("Give the number of hours, 1 to 10,000.")
    if data.modality not in {m.value for m in Modality}:
        errors["modality"] = _("The modality is classroom, online or blended.")
    if data.language not in LANGUAGES:
        errors["language"] = _("The language is nl, en or de.")
    if municipality(data.municipality_code) is None:
        errors["municipality_code"] = _(
            "Unknown municipality: %(value)s.", value=data.municipality_code
        )
    if data.price_cents is None or not 0 <= data.price_cents <= MAX_PRICE_CENTS:
        errors["price_cents"] = _("The price is between € 0 and € 50.000.")
    if data.vat not in {v.value for v in VatTreatment}:
        errors["vat"] = _("The VAT treatment is exempt or included_21.")
    for kind, values in (("skill", data.skills), ("occupation", data.occupations)):
        unknown = [v for v in values if v.strip() and v.strip().lower() not in labels()[kind]]
        if unknown and kind == "skill":
            errors["skills"] = _(
                "Skills not on the reference list: %(values)s.", values=", ".join(unknown)
            )
        elif unknown:
            errors["occupations"] = _(
                "Occupations not on the reference list: %(values)s.", values=", ".join(unknown)
            )
    codes = set()
    for index, run in enumerate(data.runs, start=1):
        problem = _run_problem(run)
        if run.code in codes:
            problem = _("Run code %(code)s is used twice.", code=run.code)
        codes.add(run.code)
        if problem:
            errors[f"runs.{index}"] = problem
    return errors


def _run_problem(run: RunInput) -> str | None:
    if not run.code.strip() or len(run.code) > 50:
        return _("Give each run a code of at most 50 characters.")
    if run.starts_on is None or run.ends_on is None:
        return _("A run needs a start and an end date.")
    if run.ends_on < run.starts_on:
        return _("A run cannot end before it starts.")
    if run.seats is None or not 0 <= run.seats <= 10_000:
        return _("The number of seats is 0 to 10,000.")
    if municipality(run.municipality_code) is None:
        return _("Unknown municipality: %(value)s.", value=run.municipality_code)
    return None


def get_course(course_id: int) -> Course:
    """The course, or NotFound."""
    course = session.get(Course, course_id)
    if course is None:
        raise NotFound(_("There is no such course."))
    return course


def _course_values(data: CourseInput) -> dict:
    return {
        "title_nl": visible_name(data.title_nl),
        "title_en": data.title_en.strip() or None,
        "title_de": data.title_de.strip() or None,
        "description_nl": data.description_nl.strip(),
        "description_en": data.description_en.strip() or None,
        "description_de": data.description_de.strip() or None,
        "kind": data.kind,
        "nlqf_level": data.nlqf_level,
        "programme_code": data.programme_code.strip() or None,
        "sector": data.sector,
        "skills": _canonical("skill", data.skills),
        "occupations": _canonical("occupation", data.occupations),
        "hours": data.hours,
        "modality": Modality(data.modality),
        "language": data.language,
        "municipality_code": data.municipality_code,
        "price_cents": data.price_cents,
        "vat": VatTreatment(data.vat),
    }


def _canonical(kind: str, values: tuple[str, ...]) -> list[str]:
    """The reference list's spelling of each label, sorted, without duplicates."""
    known = labels()[kind]
    return sorted({known[v.strip().lower()] for v in values if v.strip()})


def save_courses(provider_id: int, courses: list[CourseInput], *, actor_id: int | None) -> int:
    """Add or change courses and their runs by the provider's own codes; all or nothing.

    Importing the same data twice changes nothing. Returns how many courses changed.
    """
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(_("There is no such provider."))
    if provider.status == ProviderStatus.REVOKED:
        raise Conflict(_("A revoked provider cannot offer courses."))
    errors = {}
    for index, data in enumerate(courses, start=1):
        for key, message in course_problems(data).items():
            errors[f"{index}.{key}"] = message
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    existing = {
        c.code: c
        for c in session.scalars(
            sa.select(Course).where(
                Course.provider_id == provider_id, Course.code.in_([d.code for d in courses])
            )
        )
    }
    changed: list[Course] = []
    with unit_of_work() as db:
        for data in courses:
            course = existing.get(data.code)
            values = _course_values(data)
            if course is None:
                course = Course(provider_id=provider_id, code=data.code, published=True, **values)
                db.add(course)
                db.flush()
                db.add(
                    PriceChange(
                        course_id=course.id,
                        old_cents=None,
                        new_cents=data.price_cents,
                        actor_id=actor_id,
                    )
                )
                changed.append(course)
            elif _differs(course, values):
                if course.price_cents != data.price_cents:
                    db.add(
                        PriceChange(
                            course_id=course.id,
                            old_cents=course.price_cents,
                            new_cents=data.price_cents,
                            changed_at=clock.now(),
                            actor_id=actor_id,
                        )
                    )
                for key, value in values.items():
                    setattr(course, key, value)
                course.updated_at = clock.now()
                changed.append(course)
            if _save_runs(course, data.runs):
                changed.append(course)
        index_courses({c.id for c in changed})
    return len({c.id for c in changed})


def _differs(course: Course, values: dict) -> bool:
    return any(getattr(course, key) != value for key, value in values.items())


def _save_runs(course: Course, runs: tuple[RunInput, ...]) -> bool:
    by_code = {run.code: run for run in course.runs} if course.id else {}
    touched = False
    for data in runs:
        values = {
            "starts_on": data.starts_on,
            "ends_on": data.ends_on,
            "seats": data.seats,
            "municipality_code": data.municipality_code,
            "location": data.location.strip() or None,
        }
        run = by_code.get(data.code)
        if run is None:
            session.add(CourseRun(course_id=course.id, code=data.code, **values))
            touched = True
        elif any(getattr(run, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(run, key, value)
            touched = True
    session.flush()
    return touched


def set_published(course_id: int, published: bool, *, reason: str, actor_id: int | None) -> Course:
    """Unpublish a course with a reason, or publish it again (a platform decision)."""
    from wallet.providers.services import require_platform_decision

    require_platform_decision(actor_id)
    course = get_course(course_id)
    reason = (reason or "").strip()
    if not published and not reason:
        raise ValidationFailed(
            _("Give a reason; the provider sees it."), errors={"reason": _("Give a reason.")}
        )
    with unit_of_work():
        course.published = published
        course.unpublished_reason = None if published else reason[:500]
        record(
            "course",
            course.id,
            "published" if published else "unpublished",
            actor_id=actor_id,
            reason=reason or None,
        )
        index_courses({course.id})
    return course


def courses_of(provider_id: int) -> list[Course]:
    """A provider's courses, by title."""
    query = sa.select(Course).where(Course.provider_id == provider_id).order_by(Course.title_nl)
    return list(session.scalars(query))


def price_history(course_id: int) -> list[PriceChange]:
    """Every price the course has had, oldest first."""
    query = sa.select(PriceChange).where(PriceChange.course_id == course_id)
    return list(session.scalars(query.order_by(PriceChange.id)))


def course_input_of(course: Course, runs: tuple[RunInput, ...] = ()) -> CourseInput:
    """A stored course as input again (to change one part of it)."""
    return CourseInput(
        code=course.code,
        title_nl=course.title_nl,
        description_nl=course.description_nl,
        kind=course.kind,
        sector=course.sector,
        hours=course.hours,
        modality=course.modality.value,
        language=course.language,
        municipality_code=course.municipality_code,
        price_cents=course.price_cents,
        vat=course.vat.value,
        nlqf_level=course.nlqf_level,
        programme_code=course.programme_code or "",
        skills=tuple(course.skills or ()),
        occupations=tuple(course.occupations or ()),
        title_en=course.title_en or "",
        title_de=course.title_de or "",
        description_en=course.description_en or "",
        description_de=course.description_de or "",
        runs=runs,
    )
