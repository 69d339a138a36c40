"""A realistic, deterministic catalogue for demos and benchmarks: Dutch courses per sector,
providers with plausible accreditations, municipalities of Overijssel and Gelderland,
realistic prices and levels. The same seed always makes the same catalogue."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.catalogue.models import Course, CourseRun, Modality, VatTreatment
from wallet.catalogue.search_index import index_courses
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict
from wallet.providers.models import Accreditation, AccreditationKind, Provider, ProviderStatus
from wallet.reference import municipalities

# sector -> [(topic, kind, nlqf, hours, price in euros, occupations, skills)]
TOPICS: dict[str, list[tuple]] = {
    "techniek": [
        ("MIG/MAG-lassen", "certificate", 2, 80, 2400, ["Lasser"], ["lassen", "MIG/MAG"]),
        ("TIG-lassen", "certificate", 3, 60, 2100, ["Lasser"], ["lassen", "TIG"]),
        (
            "CNC-draaien en -frezen",
            "short_course",
            3,
            120,
            3200,
            ["CNC-verspaner"],
            ["CNC", "verspanen", "G-code"],
        ),
        (
            "PLC-programmeren",
            "short_course",
            4,
            48,
            1850,
            ["Mechatronicus", "Onderhoudsmonteur"],
            ["PLC", "automatisering"],
        ),
        (
            "Elektrotechniek NEN 3140",
            "certificate",
            3,
            24,
            695,
            ["Elektromonteur"],
            ["NEN 3140", "veilig werken"],
        ),
        (
            "Installatiemonteur W",
            "mbo_bbl",
            3,
            800,
            4950,
            ["Installatiemonteur"],
            ["installatietechniek", "sanitair", "verwarming"],
        ),
        (
            "Hydrauliek en pneumatiek",
            "short_course",
            3,
            32,
            1150,
            ["Onderhoudsmonteur"],
            ["hydrauliek", "pneumatiek"],
        ),
    ],
    "energie": [
        (
            "Warmtepompen installeren",
            "certificate",
            3,
            40,
            1495,
            ["Warmtepompinstallateur"],
            ["warmtepomp", "F-gassen"],
        ),
        (
            "Zonnepanelen monteren",
            "short_course",
            2,
            24,
            895,
            ["Zonnepaneelmonteur"],
            ["zonnepanelen", "werken op hoogte"],
        ),
    ],
    "zorg": [
        (
            "Verzorgende IG",
            "mbo_bbl",
            3,
            900,
            4200,
            ["Verzorgende IG"],
            ["persoonlijke verzorging", "medicatie"],
        ),
        (
            "Helpende zorg en welzijn",
            "mbo_bol",
            2,
            600,
            2900,
            ["Helpende zorg en welzijn"],
            ["zorg", "welzijn"],
        ),
        (
            "Dementiezorg in de praktijk",
            "short_course",
            4,
            16,
            450,
            ["Verzorgende IG"],
            ["dementie", "communicatie"],
        ),
        (
            "Verpleegkunde duaal",
            "hbo_duaal",
            6,
            1680,
            9800,
            ["Verpleegkundige"],
            ["verpleegkunde", "klinisch redeneren"],
        ),
    ],
    "ict": [
        (
            "Python programmeren",
            "digital_skills",
            4,
            60,
            1650,
            ["Software-ontwikkelaar"],
            ["Python", "programmeren"],
        ),
        (
            "Data-analyse met SQL",
            "digital_skills",
            5,
            40,
            1295,
            ["Data-analist"],
            ["SQL", "data-analyse"],
        ),
        (
            "Cybersecurity basis",
            "certificate",
            4,
            36,
            1495,
            ["Cybersecurity-specialist"],
            ["security", "netwerken"],
        ),
        (
            "Associate degree Software Development",
            "hbo_ad",
            5,
            1200,
            8200,
            ["Software-ontwikkelaar"],
            ["programmeren", "agile"],
        ),
        (
            "Systeembeheer Linux",
            "certificate",
            4,
            48,
            1750,
            ["ICT-beheerder"],
            ["Linux", "systeembeheer"],
        ),
    ],
    "bouw": [
        (
            "Timmeren voor zij-instromers",
            "short_course",
            2,
            160,
            2950,
            ["Timmerman"],
            ["timmeren", "houtbewerking"],
        ),
        ("VCA Basis", "certificate", 2, 8, 195, ["Timmerman", "Lasser"], ["VCA", "veiligheid"]),
        ("BIM-modelleren", "short_course", 4, 40, 1450, ["Werkvoorbereider"], ["BIM", "Revit"]),
    ],
    "logistiek": [
        (
            "Heftruckcertificaat",
            "certificate",
            2,
            16,
            425,
            ["Heftruckchauffeur"],
            ["heftruck", "intern transport"],
        ),
        (
            "Code 95 nascholing",
            "certificate",
            2,
            35,
            950,
            ["Vrachtwagenchauffeur"],
            ["code 95", "rijbewijs C"],
        ),
        (
            "Voorraadbeheer en WMS",
            "short_course",
            3,
            24,
            795,
            ["Logistiek medewerker"],
            ["voorraadbeheer", "WMS"],
        ),
    ],
    "onderwijs": [
        (
            "Pedagogisch medewerker kinderopvang",
            "mbo_bbl",
            3,
            700,
            3900,
            ["Pedagogisch medewerker"],
            ["pedagogiek", "kinderopvang"],
        ),
    ],
    "zakelijk": [
        ("Boekhouden praktijkdiploma", "certificate", 4, 80, 1390, [], ["boekhouden"]),
        ("Excel gevorderd", "digital_skills", 3, 12, 395, ["Data-analist"], ["Excel"]),
    ],
    "papier": [
        (
            "Procesoperator papier en karton",
            "mbo_bbl",
            3,
            640,
            3750,
            ["Procesoperator papier en karton", "Procesoperator"],
            ["procestechniek", "papier"],
        ),
    ],
    "agrifood": [
        ("Voedselveiligheid HACCP", "short_course", 2, 8, 245, ["Procesoperator"], ["HACCP"]),
    ],
}
LEVEL_WORDS = ["Basis", "Praktijkopleiding", "Verdieping", "Intensief", "Deeltijd"]
PROVIDER_WORDS = ["Academie", "Opleidingen", "Leerbedrijf", "Vakschool", "Trainingen", "College"]
PLACES = ["Twente", "Oost", "Salland", "Achterhoek", "Veluwe", "IJssel", "Gelderland"]


def _municipality_weights() -> tuple[list[str], list[float]]:
    codes = list(municipalities())
    weights = [4.0 if municipalities()[c].in_twente else 1.0 for c in codes]
    return codes, weights


def generate(runs: int, seed: int, progress: Callable[[int], None] | None = None) -> dict:
    """Make a catalogue of about `runs` runs (4 per course); deterministic for `seed`."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = clock.today()
    now = clock.now()
    n_courses = max(1, runs // 4)
    n_providers = max(3, n_courses // 10)
    kvk_base = 90_000_000 - (seed % 1000) * 20_000
    if session.scalar(sa.select(Provider.id).where(Provider.kvk_number == f"{kvk_base:08d}")):
        raise Conflict(_("A catalogue with this seed has already been generated."))
    codes, weights = _municipality_weights()
    sectors = list(TOPICS)
    with unit_of_work() as db:
        db.execute(
            sa.insert(Provider.__table__),
            [
                {
                    "name": f"{rng.choice(PLACES)} {rng.choice(PROVIDER_WORDS)} {i + 1}",
                    "kvk_number": f"{kvk_base + i:08d}",
                    "status": ProviderStatus.ACCREDITED.value,
                    "accredited_at": now,
                    "created_at": now,
                    "city": municipalities()[rng.choices(codes, weights)[0]].name,
                }
                for i in range(n_providers)
            ],
        )
        provider_ids = list(
            db.scalars(
                sa.select(Provider.id)
                .where(
                    Provider.kvk_number.between(
                        f"{kvk_base:08d}", f"{kvk_base + n_providers - 1:08d}"
                    )
                )
                .order_by(Provider.kvk_number)
            )
        )
        db.execute(
            sa.insert(Accreditation.__table__),
            [
                {
                    "provider_id": pid,
                    "kind": kind.value,
                    "reference": f"{kind.value.upper()}-{pid}",
                    "evidence": "Gegenereerd voor demo en benchmark",
                    "valid_from": today - dt.timedelta(days=365),
                    "valid_until": today + dt.timedelta(days=3 * 365),
                    "created_at": now,
                }
                for pid in provider_ids
                for kind in rng.sample(list(AccreditationKind)[:2], k=rng.randint(1, 2))
            ],
        )
        course_rows = []
        for i in range(n_courses):
            sector = rng.choice(sectors)
            topic, kind, level, hours, euros, occupations, skills = rng.choice(TOPICS[sector])
            title = f"{rng.choice(LEVEL_WORDS)} {topic}"
            course_rows.append(
                {
                    "provider_id": rng.choice(provider_ids),
                    "code": f"GEN{seed}-{i + 1}",
                    "title_nl": title,
                    "title_en": None,
                    "title_de": None,
                    "description_nl": f"{title}: een opleiding in de sector {sector}, "
                    f"gericht op {', '.join(occupations) or 'je loopbaan'}. "
                    f"Je leert {', '.join(skills)} in de praktijk.",
                    "kind": kind,
                    "nlqf_level": level,
                    "programme_code": None,
                    "sector": sector,
                    "skills": skills,
                    "occupations": occupations,
                    "hours": hours,
                    "modality": rng.choice(list(Modality)).value,
                    "language": "nl",
                    "municipality_code": rng.choices(codes, weights)[0],
                    # Prices vary around the topic's price, to the euro.
                    "price_cents": int(euros * rng.uniform(0.8, 1.25)) * 100,
                    "vat": VatTreatment.EXEMPT.value,
                    "published": True,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for start in range(0, len(course_rows), 5000):
            db.execute(sa.insert(Course.__table__), course_rows[start : start + 5000])
        course_ids = dict(
            db.execute(
                sa.select(Course.code, Course.id).where(Course.code.like(f"GEN{seed}-%"))
            ).all()
        )
        run_rows, made = [], 0
        for i in range(n_courses):
            course_id = course_ids[f"GEN{seed}-{i + 1}"]
            count = runs - made if i == n_courses - 1 else 4
            for j in range(max(0, count)):
                starts = today + dt.timedelta(days=rng.randint(7, 540))
                run_rows.append(
                    {
                        "course_id": course_id,
                        "code": f"R{j + 1}",
                        "starts_on": starts,
                        "ends_on": starts + dt.timedelta(days=rng.randint(1, 180)),
                        "seats": rng.randint(6, 24),
                        "municipality_code": rng.choices(codes, weights)[0],
                        "location": None,
                    }
                )
                made += 1
            if len(run_rows) >= 10_000:
                db.execute(sa.insert(CourseRun.__table__), run_rows)
                if progress:
                    progress(len(run_rows))
                run_rows = []
        if run_rows:
            db.execute(sa.insert(CourseRun.__table__), run_rows)
            if progress:
                progress(len(run_rows))
        index_courses(None)
    # Fresh statistics of the bulk-loaded tables, so the planner knows they are no longer
    # empty. Only these: statistics of other tables would be stale the moment they grow.
    tables = ["providers", "accreditations", "courses", "course_runs"]
    if session.get_bind().dialect.name == "postgresql":
        tables.append("course_search")
    with unit_of_work() as db:
        for table in tables:
            db.execute(sa.text(f"ANALYZE {table}"))
    return {"providers": n_providers, "courses": n_courses, "runs": made}
