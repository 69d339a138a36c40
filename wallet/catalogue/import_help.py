"""What a catalogue file holds, said once: the help table on the import page, the names
errors are reported under, and the template and example file of each format all come from
FIELDS, so they cannot drift apart from one another (imports.py reads the same names)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from lxml import etree

from wallet.core import clock

FORMATS = ("csv", "json", "xml")


@dataclass(frozen=True)
class FileField:
    """One piece of a course or run, with its name in each format."""

    key: str  # the name in CourseInput/RunInput; "runs.N" problems map to the run fields
    csv: str
    json: str
    xml: str
    required: bool
    format: object  # a lazy text: what is allowed
    example: str


FIELDS = (
    FileField(
        "code",
        "course_code",
        "code",
        "program/@code",
        True,
        _l("Your own code for the course, at most 50 characters."),
        "LAS-1",
    ),
    FileField(
        "title_nl",
        "title_nl",
        "title_nl",
        "title[@lang='nl']",
        True,
        _l("The Dutch title, at most 200 characters."),
        "Basiscursus MIG/MAG-lassen",
    ),
    FileField(
        "description_nl",
        "description_nl",
        "description_nl",
        "description[@lang='nl']",
        True,
        _l("The Dutch description."),
        "Leer lassen in de praktijk",
    ),
    FileField(
        "title_en",
        "title_en",
        "title_en",
        "title[@lang='en']",
        False,
        _l("The English title, found by English searches."),
        "MIG/MAG welding basics",
    ),
    FileField(
        "title_de",
        "title_de",
        "title_de",
        "title[@lang='de']",
        False,
        _l("The German title."),
        "MIG/MAG-Schweißen Grundkurs",
    ),
    FileField(
        "description_en",
        "description_en",
        "description_en",
        "description[@lang='en']",
        False,
        _l("The English description."),
        "Learn to weld in practice",
    ),
    FileField(
        "description_de",
        "description_de",
        "description_de",
        "description[@lang='de']",
        False,
        _l("The German description."),
        "Schweißen lernen in der Praxis",
    ),
    FileField(
        "kind",
        "kind",
        "kind",
        "program/@kind",
        True,
        _l("The kind of course, one of: %(values)s."),
        "certificate",
    ),
    FileField(
        "sector",
        "sector",
        "sector",
        "program/@sector",
        True,
        _l("The sector, one of: %(values)s."),
        "techniek",
    ),
    FileField(
        "nlqf_level",
        "nlqf_level",
        "nlqf_level",
        "program/@nlqf",
        False,
        _l("The NLQF level, a whole number from 1 to 8."),
        "2",
    ),
    FileField(
        "programme_code",
        "programme_code",
        "programme_code",
        "program/@programmeCode",
        False,
        _l("The crebo or CROHO code, where there is one."),
        "25266",
    ),
    FileField(
        "hours",
        "hours",
        "hours",
        "program/@hours",
        True,
        _l("Hours of study, a whole number from 1 to 10,000."),
        "80",
    ),
    FileField(
        "modality",
        "modality",
        "modality",
        "program/@modality",
        True,
        _l("classroom, online or blended."),
        "classroom",
    ),
    FileField(
        "language",
        "language",
        "language",
        "program/@language",
        True,
        _l("The language it is taught in: nl, en or de."),
        "nl",
    ),
    FileField(
        "municipality_code",
        "municipality",
        "municipality",
        "program/@municipality",
        True,
        _l("Where it is given: the municipality in small letters."),
        "enschede",
    ),
    FileField(
        "price_cents",
        "price",
        "price_cents",
        "price",
        True,
        _l("The price in euros (CSV, XML: 2.400,00 or 2400.00; JSON: in cents, 240000)."),
        "2.400,00",
    ),
    FileField(
        "vat",
        "vat",
        "vat",
        "price/@vat",
        True,
        _l("exempt (CRKBO) or included_21 (21 % VAT included)."),
        "exempt",
    ),
    FileField(
        "skills",
        "skills",
        "skills",
        "skill",
        False,
        _l("Skills from the reference list; in CSV with | between them."),
        "lassen|MIG/MAG",
    ),
    FileField(
        "occupations",
        "occupations",
        "occupations",
        "occupation",
        False,
        _l("Occupations from the reference list; in CSV with | between them."),
        "Lasser",
    ),
    FileField(
        "run.code",
        "run_code",
        "runs[].code",
        "run/@code",
        True,
        _l("Your own code for the run; one CSV row per run."),
        "R1",
    ),
    FileField(
        "run.starts_on",
        "starts_on",
        "runs[].starts_on",
        "run/@start",
        True,
        _l("The first day, as year-month-day."),
        "2027-02-01",
    ),
    FileField(
        "run.ends_on",
        "ends_on",
        "runs[].ends_on",
        "run/@end",
        True,
        _l("The last day, as year-month-day."),
        "2027-03-15",
    ),
    FileField(
        "run.seats",
        "seats",
        "runs[].seats",
        "run/@seats",
        True,
        _l("Places, a whole number from 0 to 10,000."),
        "12",
    ),
    FileField(
        "run.municipality_code",
        "run_municipality",
        "runs[].municipality",
        "run/@municipality",
        False,
        _l("Where this run is given, if not where the course is."),
        "hengelo",
    ),
    FileField(
        "run.location",
        "location",
        "runs[].location",
        "run/@location",
        False,
        _l("The address or building."),
        "Leerbedrijf, Hengelosestraat 500",
    ),
)
BY_KEY = {f.key: f for f in FIELDS}


@dataclass(frozen=True)
class HelpRow:
    """One row of the help table on the import page, for one format."""

    name: str
    required: bool
    format: str
    example: str


def help_rows(file_format: str) -> list[HelpRow]:
    """The fields of a file in `file_format`: name, required, what is allowed, an example."""
    from wallet.reference import COURSE_KINDS, SECTORS

    values = {"kind": ", ".join(COURSE_KINDS), "sector": ", ".join(SECTORS)}
    rows = []
    for f in FIELDS:
        text = str(f.format)
        if f.key in values:
            text = text % {"values": values[f.key]}
        example = f.example
        if file_format == "json" and f.key == "price_cents":
            example = "240000"
        elif file_format != "csv" and f.key in ("skills", "occupations"):
            example = example.split("|")[0]
        rows.append(HelpRow(getattr(f, file_format), f.required, text, example))
    return rows


def field_label(key: str, file_format: str) -> str:
    """The name a problem's field has in the user's own file ("price" for price_cents)."""
    found = BY_KEY.get(key)
    return getattr(found, file_format) if found else key


def _example_courses() -> list[dict]:
    """Two courses, the first with two runs, dates counted from today."""
    start = clock.today() + dt.timedelta(days=60)

    def day(offset: int) -> str:
        return (start + dt.timedelta(days=offset)).isoformat()

    values = {f.key: f.example for f in FIELDS}
    welding = {
        **values,
        "runs": [
            {
                "run.code": "R1",
                "run.starts_on": day(0),
                "run.ends_on": day(42),
                "run.seats": "12",
                "run.municipality_code": "",
                "run.location": "Leerbedrijf, Hengelosestraat 500",
            },
            {
                "run.code": "R2",
                "run.starts_on": day(90),
                "run.ends_on": day(132),
                "run.seats": "12",
                "run.municipality_code": "hengelo",
                "run.location": "",
            },
        ],
    }
    care = {
        **{f.key: "" for f in FIELDS},
        "code": "ZRG-1",
        "title_nl": "Omgaan met dementie",
        "title_en": "Dementia care",
        "description_nl": "Korte cursus voor zorgmedewerkers",
        "kind": "short_course",
        "sector": "zorg",
        "nlqf_level": "3",
        "hours": "16",
        "modality": "blended",
        "language": "nl",
        "municipality_code": "almelo",
        "price_cents": "450,00",
        "vat": "exempt",
        "skills": "",
        "occupations": "",
        "runs": [
            {
                "run.code": "R1",
                "run.starts_on": day(30),
                "run.ends_on": day(31),
                "run.seats": "20",
                "run.municipality_code": "",
                "run.location": "",
            }
        ],
    }
    return [welding, care]


def _csv(courses: list[dict]) -> str:
    header = ";".join(f.csv for f in FIELDS)
    lines = [header]
    for course in courses:
        for run in course["runs"]:
            row = {**course, **run}
            lines.append(";".join(str(row.get(f.key, "")).replace(";", ",") for f in FIELDS))
    return "\n".join(lines) + "\n"


def _cents(euros: str) -> int:
    return round(float(euros.replace(".", "").replace(",", ".")) * 100) if euros else 0


def _json_run(run: dict) -> dict:
    blank = not any(run.values())  # the template names every field
    out = {}
    for f in FIELDS:
        if not f.key.startswith("run.") or not (run.get(f.key) or f.required or blank):
            continue  # an example leaves out what it does not use
        value = run.get(f.key, "")
        out[f.json.removeprefix("runs[].")] = (
            int(value) if f.key == "run.seats" and value else value
        )
    return out


def _json(courses: list[dict]) -> str:
    out = []
    for course in courses:
        item: dict = {}
        for f in FIELDS:
            if f.key.startswith("run."):
                continue
            value = course.get(f.key, "")
            if f.key == "price_cents":
                item[f.json] = _cents(value)
            elif f.key in ("skills", "occupations"):
                item[f.json] = [v for v in value.split("|") if v]
            elif f.key in ("hours", "nlqf_level"):
                item[f.json] = int(value) if value else None
            else:
                item[f.json] = value
        item["runs"] = [_json_run(run) for run in course["runs"]]
        out.append(item)
    return json.dumps({"courses": out}, ensure_ascii=False, indent=2) + "\n"


def _xml(courses: list[dict]) -> str:
    root = etree.Element("catalogue")
    for course in courses:
        attributes = {
            f.xml.removeprefix("program/@"): course.get(f.key, "")
            for f in FIELDS
            if f.xml.startswith("program/@")
        }
        program = etree.SubElement(root, "program", attributes)
        blank = not course.get("code")  # the template names every element
        for tag in ("title", "description"):
            for lang in ("nl", "en", "de"):
                if course.get(f"{tag}_{lang}") or lang == "nl" or blank:
                    node = etree.SubElement(program, tag, lang=lang)
                    node.text = course.get(f"{tag}_{lang}", "")
        price = etree.SubElement(program, "price", currency="EUR", vat=course.get("vat", ""))
        price.text = f"{_cents(course.get('price_cents', '')) / 100:.2f}"
        for tag, key in (("skill", "skills"), ("occupation", "occupations")):
            for label in filter(None, course.get(key, "").split("|")) if not blank else [""]:
                etree.SubElement(program, tag).text = label
        for run in course["runs"]:
            etree.SubElement(
                program,
                "run",
                {
                    f.xml.removeprefix("run/@"): run.get(f.key, "")
                    for f in FIELDS
                    if f.xml.startswith("run/@")
                    and (run.get(f.key) or f.required or not any(run.values()))
                },
            )
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode()


def _blank(courses: list[dict]) -> list[dict]:
    """The template: one course with one run, every value empty (CSV: the header only)."""
    course = {f.key: "" for f in FIELDS if not f.key.startswith("run.")}
    course["runs"] = [{f.key: "" for f in FIELDS if f.key.startswith("run.")}]
    return [course]


WRITERS = {"csv": _csv, "json": _json, "xml": _xml}
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json", "xml": "application/xml"}


def sample_file(kind: str, file_format: str) -> str:
    """The template ("template") or the worked example ("example") in a format."""
    if kind == "template" and file_format == "csv":
        return ";".join(f.csv for f in FIELDS) + "\n"
    courses = _example_courses()
    return WRITERS[file_format](_blank(courses) if kind == "template" else courses)
