"""Importing catalogues: CSV, JSON and XML, idempotent, all or nothing, errors by line."""

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV, JSON, XML
from wallet.catalogue.imports import ImportRefused, import_courses
from wallet.catalogue.models import Course, CourseRun, PriceChange
from wallet.core.errors import ValidationFailed


def _counts(session) -> tuple[int, int]:
    courses = session.scalar(sa.select(sa.func.count(Course.id)))
    return courses, session.scalar(sa.select(sa.func.count(CourseRun.id)))


@pytest.mark.parametrize(
    ("name", "data", "courses", "runs"),
    [("cat.csv", CSV, 2, 3), ("cat.json", JSON, 1, 1), ("cat.xml", XML, 1, 1)],
)
def test_each_format_imports_and_importing_twice_changes_nothing(
    app_ctx, accredited_provider, name, data, courses, runs
):
    provider_id = accredited_provider.provider_id
    assert import_courses(provider_id, name, data.encode(), actor_id=None) == courses
    assert _counts(app_ctx) == (courses, runs)
    assert import_courses(provider_id, name, data.encode(), actor_id=None) == 0
    assert _counts(app_ctx) == (courses, runs)


def test_a_price_change_is_kept(app_ctx, accredited_provider):
    provider_id = accredited_provider.provider_id
    import_courses(provider_id, "a.csv", CSV.encode(), actor_id=None)
    import_courses(
        provider_id, "a.csv", CSV.replace("2.400,00", "2.450,00").encode(), actor_id=None
    )
    changes = app_ctx.scalars(sa.select(PriceChange.new_cents).order_by(PriceChange.id)).all()
    assert 240_000 in changes
    assert changes[-1] == 245_000


def test_an_xml_title_in_german_is_kept(app_ctx, accredited_provider):
    import_courses(accredited_provider.provider_id, "c.xml", XML.encode(), actor_id=None)
    course = app_ctx.scalar(sa.select(Course))
    assert (course.title("de"), course.title("en")) == (
        "Wärmepumpen installieren",
        "Warmtepompen installeren",
    )


def test_wrong_rows_are_reported_by_line_and_nothing_is_written(app_ctx, accredited_provider):
    bad = (
        CSV.replace("2.400,00", "-5", 1).replace(  # line 2: negative price
            ";hengelo;450;", ";amsterdam;450;"
        )  # line 4: unknown municipality
    )
    bad_lines = bad.splitlines()
    bad_lines[3] = bad_lines[3].replace(";20;", ";-3;")  # line 4 also: negative seats
    with pytest.raises(ImportRefused) as refused:
        import_courses(
            accredited_provider.provider_id, "bad.csv", "\n".join(bad_lines).encode(), actor_id=None
        )
    assert set(refused.value.errors) == {"2", "4"}
    assert "runs.1" in refused.value.errors["4"]  # the negative seats of its run
    assert _counts(app_ctx) == (0, 0)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cat.csv", b"title;price\nx;1\n"),  # wrong header
        ("cat.json", b'{"courses": [ {"code": }'),  # broken JSON
        ("cat.xml", b"<catalogue><program></catalogue>"),  # broken XML
        ("cat.xml", CSV.encode()),  # not what its name says
        ("cat.pdf", b"%PDF-1.4"),  # not a format we take
        ("cat.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00"),  # binary
    ],
)
def test_malformed_files_are_refused_with_a_clear_message(app_ctx, accredited_provider, name, data):
    with pytest.raises(ValidationFailed) as refused:
        import_courses(accredited_provider.provider_id, name, data, actor_id=None)
    assert refused.value.detail
    assert _counts(app_ctx) == (0, 0)


def test_entities_in_xml_are_not_expanded(app_ctx, accredited_provider):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<catalogue><program code='&lol2;'/></catalogue>"
    )
    with pytest.raises(ValidationFailed):
        import_courses(accredited_provider.provider_id, "bomb.xml", bomb, actor_id=None)
    assert _counts(app_ctx) == (0, 0)


def test_skills_and_occupations_come_from_the_reference_list(app_ctx, accredited_provider):
    unknown = CSV.replace("lassen|MIG/MAG;Lasser", "lassen|onderwatervlechten;Lasser", 1)
    with pytest.raises(ImportRefused) as refused:
        import_courses(accredited_provider.provider_id, "a.csv", unknown.encode(), actor_id=None)
    assert "onderwatervlechten" in refused.value.errors["2"]
    shouted = CSV.replace("lassen|MIG/MAG;Lasser", "LASSEN|mig/mag;LASSER")
    import_courses(accredited_provider.provider_id, "a.csv", shouted.encode(), actor_id=None)
    course = app_ctx.scalar(sa.select(Course).where(Course.code == "LAS-1"))
    assert (course.skills, course.occupations) == (["MIG/MAG", "lassen"], ["Lasser"])


def test_a_course_titled_by_invisible_characters_is_refused():
    """Workers choose a course by its title: one that shows nothing is no title."""
    from wallet.catalogue.services import CourseInput, course_problems

    course = CourseInput(
        code="X1",
        title_nl="\u200b\u2060\u3164",
        description_nl="Iets",
        kind="course",
        sector="zorg",
        hours=8,
        modality="classroom",
        language="nl",
        municipality_code="GM0153",
        price_cents=100,
        vat="exempt",
    )
    assert "title_nl" in course_problems(course)
