"""Importing courses from CSV, JSON or an EDU-DEX-style XML feed.

All or nothing: every problem is reported with its line number and nothing is written
until the whole file is right. Courses are matched on the provider's own course code (and
runs on their run code), so importing the same file twice changes nothing.

CSV (UTF-8, comma or semicolon): one row per run; the course columns repeat on every row of
the same course_code. Columns: course_code, title_nl, description_nl, kind, sector, hours,
modality, language, municipality, price (euros), vat, run_code, starts_on, ends_on, seats;
optional: title_en, title_de, description_en, description_de, nlqf_level, programme_code,
skills and occupations ('|' between labels), location, run_municipality.

JSON: {"courses": [{"code", "title_nl", ..., "price_cents", "runs": [{"code", ...}]}]}.

XML (the subset of EDU-DEX we accept):
  <catalogue><program code="..." kind="..." sector="..." nlqf="4" modality="classroom"
      language="nl" municipality="enschede" hours="40" programmeCode="25266">
    <title lang="nl">...</title> <description lang="nl">...</description>
    <price currency="EUR" vat="exempt">1250.00</price>
    <skill>...</skill> <occupation>...</occupation>
    <run code="..." start="2027-02-01" end="2027-03-15" seats="12" municipality="enschede"
         location="..."/>
  </program></catalogue>
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from lxml import etree

from wallet.catalogue.import_help import field_label
from wallet.catalogue.services import CourseInput, RunInput, course_problems, save_courses
from wallet.core.errors import ValidationFailed
from wallet.core.money import Money, MoneyError
from wallet.core.xml import parse_untrusted

MAX_BYTES = 10 * 1024 * 1024
REQUIRED_CSV = {
    "course_code",
    "title_nl",
    "description_nl",
    "kind",
    "sector",
    "hours",
    "modality",
    "language",
    "municipality",
    "price",
    "vat",
    "run_code",
    "starts_on",
    "ends_on",
    "seats",
}
OPTIONAL_CSV = {
    "title_en",
    "title_de",
    "description_en",
    "description_de",
    "nlqf_level",
    "programme_code",
    "skills",
    "occupations",
    "location",
    "run_municipality",
}


@dataclass
class Parsed:
    """Courses read from a file, each with the line it starts on, and problems by line
    (each a field's name in the file, or "", and what is wrong)."""

    courses: list[tuple[int, CourseInput]]
    problems: dict[int, list[tuple[str, str]]]
    # (line of the course, number of its run) -> the line of the run, where it has its own
    run_lines: dict[tuple[int, int], int] = field(default_factory=dict)

    def add(self, line: int, message: str, field_name: str = "") -> None:
        """Note a problem at `line`, in `field_name` of the file where it is one field's."""
        self.problems.setdefault(line, []).append((field_name, message))


@dataclass(frozen=True)
class Problem:
    """One problem of a refused file, for a person: where, which field, what is wrong."""

    line: int
    field: str
    message: str


class ImportRefused(ValidationFailed):
    """The file has problems; nothing was imported. `errors` maps line numbers to them (the
    API's answer); `problems` lists them one by one, and `by_course` says the numbers count
    courses (JSON) rather than lines."""

    title = "Import refused"
    code = "import-refused"

    def __init__(self, detail: str, *, errors: dict, problems: list[Problem], by_course: bool):
        super().__init__(detail, errors=errors)
        self.problems = problems
        self.by_course = by_course


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return None


def _cents(value, parsed: Parsed, line: int) -> int | None:
    try:
        return Money.parse(str(value)).cents
    except MoneyError:
        parsed.add(
            line, _("The price %(value)s is not an amount in euros.", value=value), "price_cents"
        )
        return None


def _labels(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split("|") if part.strip())


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 10 MB."))
    if b"\x00" in data[:4096]:
        raise ValidationFailed(_("This is not a text file."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(_("The file is not UTF-8 text.")) from None


def parse_csv(data: bytes) -> Parsed:
    """Courses from a CSV file with one row per run."""
    text = _text(data)
    first = text.splitlines()[0] if text.strip() else ""
    reader = csv.DictReader(
        io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ","
    )
    header = {name.strip().lower() for name in reader.fieldnames or []}
    missing, unknown = REQUIRED_CSV - header, header - REQUIRED_CSV - OPTIONAL_CSV
    if missing or unknown:
        raise ValidationFailed(
            _(
                "Line 1 (the header) is wrong. Missing: %(missing)s. Unknown: %(unknown)s.",
                missing=", ".join(sorted(missing)) or "-",
                unknown=", ".join(sorted(unknown)) or "-",
            )
        )
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
    parsed = Parsed([], {})
    grouped: dict[str, tuple[int, dict, list[RunInput]]] = {}
    run_lines: dict[str, list[int]] = {}
    for row in reader:
        line = reader.line_num
        if None in row or any(value is None for value in row.values()):
            parsed.add(line, _("This row does not have as many fields as the header."))
            continue
        row = {key: value.strip() for key, value in row.items()}
        run = RunInput(
            code=row["run_code"],
            starts_on=_date(row["starts_on"]),
            ends_on=_date(row["ends_on"]),
            seats=_int(row["seats"]),
            municipality_code=row.get("run_municipality") or row["municipality"],
            location=row.get("location", ""),
        )
        if row["course_code"] in grouped:
            grouped[row["course_code"]][2].append(run)
        else:
            grouped[row["course_code"]] = (line, row, [run])
        run_lines.setdefault(row["course_code"], []).append(line)
    for code, (line, row, runs) in grouped.items():
        for number, run_line in enumerate(run_lines[code], start=1):
            parsed.run_lines[(line, number)] = run_line
        course = CourseInput(
            code=row["course_code"],
            title_nl=row["title_nl"],
            description_nl=row["description_nl"],
            kind=row["kind"],
            sector=row["sector"],
            hours=_int(row["hours"]),
            modality=row["modality"],
            language=row["language"],
            municipality_code=row["municipality"],
            price_cents=_cents(row["price"], parsed, line),
            vat=row["vat"],
            nlqf_level=_int(row.get("nlqf_level") or None),
            programme_code=row.get("programme_code", ""),
            skills=_labels(row.get("skills", "")),
            occupations=_labels(row.get("occupations", "")),
            title_en=row.get("title_en", ""),
            title_de=row.get("title_de", ""),
            description_en=row.get("description_en", ""),
            description_de=row.get("description_de", ""),
            runs=tuple(runs),
        )
        parsed.courses.append((line, course))
    return parsed


def parse_json(data: bytes) -> Parsed:
    """Courses from a JSON document {"courses": [...]}; lines are those of each course."""
    text = _text(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationFailed(
            _(
                "Line %(line)d: this is not valid JSON (%(error)s).",
                line=error.lineno,
                error=error.msg,
            )
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("courses"), list):
        raise ValidationFailed(_('The JSON must be an object with a list "courses".'))
    parsed = Parsed([], {})
    for index, item in enumerate(document["courses"], start=1):
        line = index  # JSON has no lines per item once parsed; number the courses instead
        if not isinstance(item, dict):
            parsed.add(line, _("Course %(n)d is not an object.", n=index))
            continue
        runs = tuple(
            RunInput(
                code=str(run.get("code", "")),
                starts_on=_date(run.get("starts_on")),
                ends_on=_date(run.get("ends_on")),
                seats=_int(run.get("seats")),
                municipality_code=str(run.get("municipality") or item.get("municipality", "")),
                location=str(run.get("location", "")),
            )
            for run in item.get("runs", [])
            if isinstance(run, dict)
        )
        price = item.get("price_cents")
        course = CourseInput(
            code=str(item.get("code", "")),
            title_nl=str(item.get("title_nl", "")),
            description_nl=str(item.get("description_nl", "")),
            kind=str(item.get("kind", "")),
            sector=str(item.get("sector", "")),
            hours=_int(item.get("hours")),
            modality=str(item.get("modality", "")),
            language=str(item.get("language", "nl")),
            municipality_code=str(item.get("municipality", "")),
            price_cents=price if isinstance(price, int) and not isinstance(price, bool) else None,
            vat=str(item.get("vat", "")),
            nlqf_level=_int(item.get("nlqf_level")),
            programme_code=str(item.get("programme_code") or ""),
            skills=tuple(map(str, item.get("skills", []))),
            occupations=tuple(map(str, item.get("occupations", []))),
            title_en=str(item.get("title_en") or ""),
            title_de=str(item.get("title_de") or ""),
            description_en=str(item.get("description_en") or ""),
            description_de=str(item.get("description_de") or ""),
            runs=runs,
        )
        parsed.courses.append((line, course))
    return parsed


def parse_xml(data: bytes) -> Parsed:
    """Courses from the EDU-DEX-style XML subset above; entities are never resolved."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 10 MB."))
    try:
        root = parse_untrusted(data)
    except etree.XMLSyntaxError as error:
        raise ValidationFailed(
            _(
                "Line %(line)d: this is not valid XML (%(error)s).",
                line=error.lineno or 0,
                error=error.msg,
            )
        ) from None
    if root.tag != "catalogue":
        raise ValidationFailed(_("The XML must start with <catalogue>."))
    parsed = Parsed([], {})
    for program in root.iter("program"):
        line = program.sourceline or 0

        def text_of(tag: str, lang: str = "nl", program=program) -> str:
            node = program.find(f"{tag}[@lang='{lang}']")
            return (node.text or "").strip() if node is not None else ""

        price = program.find("price")
        for number, run in enumerate(program.iter("run"), start=1):
            parsed.run_lines[(line, number)] = run.sourceline or line
        cents = None
        if price is None:
            parsed.add(line, _("A <program> needs a <price>."))
        elif price.get("currency", "EUR") != "EUR":
            parsed.add(line, _("Prices are in EUR."))
        else:
            cents = _cents(price.text or "", parsed, price.sourceline or line)
        runs = tuple(
            RunInput(
                code=run.get("code", ""),
                starts_on=_date(run.get("start")),
                ends_on=_date(run.get("end")),
                seats=_int(run.get("seats")),
                municipality_code=run.get("municipality") or program.get("municipality", ""),
                location=run.get("location", ""),
            )
            for run in program.iter("run")
        )
        course = CourseInput(
            code=program.get("code", ""),
            title_nl=text_of("title"),
            description_nl=text_of("description"),
            kind=program.get("kind", ""),
            sector=program.get("sector", ""),
            hours=_int(program.get("hours")),
            modality=program.get("modality", ""),
            language=program.get("language", "nl"),
            municipality_code=program.get("municipality", ""),
            price_cents=cents,
            vat=price.get("vat", "") if price is not None else "",
            nlqf_level=_int(program.get("nlqf")),
            programme_code=program.get("programmeCode", ""),
            skills=tuple((s.text or "").strip() for s in program.iter("skill")),
            occupations=tuple((o.text or "").strip() for o in program.iter("occupation")),
            title_en=text_of("title", "en"),
            title_de=text_of("title", "de"),
            description_en=text_of("description", "en"),
            description_de=text_of("description", "de"),
            runs=runs,
        )
        parsed.courses.append((line, course))
    return parsed


PARSERS = {"csv": parse_csv, "json": parse_json, "xml": parse_xml}


def detect_format(filename: str, data: bytes) -> str:
    """The format by extension, checked against the content (a file must be what it says)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in PARSERS:
        raise ValidationFailed(_("Upload a .csv, .json or .xml file."))
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    looks = "xml" if head == b"<" else "json" if head in (b"{", b"[") else "csv"
    if looks != extension:
        raise ValidationFailed(
            _(
                "The file is called .%(named)s but its content is %(found)s.",
                named=extension,
                found=looks.upper(),
            )
        )
    return extension


def import_courses(provider_id: int, filename: str, data: bytes, *, actor_id: int | None) -> int:
    """Import a file for a provider; every problem by line, or all of it. Returns changes."""
    file_format = detect_format(filename, data)
    parsed = PARSERS[file_format](data)
    seen: dict[str, int] = {}
    for line, course in parsed.courses:
        if course.code in seen:
            parsed.add(
                line,
                _(
                    "Course code %(code)s appears twice (also on line %(line)d).",
                    code=course.code,
                    line=seen[course.code],
                ),
                "code",
            )
        seen[course.code] = line
        for field_name, message in course_problems(course).items():
            if field_name.startswith("runs."):
                number = int(field_name.removeprefix("runs."))
                run_line = parsed.run_lines.get((line, number), line)
                parsed.add(run_line, message, f"runs.{number}:{course.runs[number - 1].code}")
            elif field_name not in {name for name, _m in parsed.problems.get(line, [])}:
                parsed.add(line, message, field_name)  # once per field: "veel" is enough
    if parsed.problems:
        _refuse(parsed, file_format)
    return save_courses(
        provider_id, [course for _line, course in parsed.courses], actor_id=actor_id
    )


def _label(field_name: str, file_format: str) -> str:
    if field_name.startswith("runs."):
        code = field_name.split(":", 1)[1]
        return _("run %(code)s", code=code) if code else _("a run without a code")
    return field_label(field_name, file_format) if field_name else ""


def _refuse(parsed: Parsed, file_format: str) -> None:
    problems = [
        Problem(line, _label(name, file_format), message)
        for line, found in sorted(parsed.problems.items())
        for name, message in found
    ]
    # The API's answer keeps its shape: per line, "field: problem" joined.
    errors = {
        str(line): " ".join(
            f"{name.split(':')[0]}: {message}" if name else message for name, message in found
        )
        for line, found in sorted(parsed.problems.items())
    }
    by_course = file_format == "json"
    count = len(errors)
    detail = (
        ngettext(
            "Nothing was imported: %(num)d course has problems.",
            "Nothing was imported: %(num)d courses have problems.",
            count,
        )
        if by_course
        else ngettext(
            "Nothing was imported: %(num)d line has problems.",
            "Nothing was imported: %(num)d lines have problems.",
            count,
        )
    )
    raise ImportRefused(detail, errors=errors, problems=problems, by_course=by_course)
