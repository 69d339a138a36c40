"""Reference lists shipped as data: municipalities, sectors, NLQF levels, employment statuses.

Labels shown on screen are translated through lazy_gettext; codes are stable and stored.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True, slots=True)
class Municipality:
    """A Dutch municipality (gemeente) Leerwallet serves."""

    code: str
    name: str
    province: str
    region: str

    @property
    def in_twente(self) -> bool:
        """One of the 14 municipalities of Twente."""
        return self.region == "Twente"


@cache
def municipalities() -> dict[str, Municipality]:
    """Every municipality of Overijssel and Gelderland, by code, sorted by name."""
    text = resources.files(__package__).joinpath("data/municipalities.csv").read_text("utf-8")
    rows = [Municipality(**row) for row in csv.DictReader(text.splitlines())]
    return {m.code: m for m in sorted(rows, key=lambda m: m.name)}


def municipality(code: str) -> Municipality | None:
    """The municipality with `code`, or None."""
    return municipalities().get(code)


EMPLOYMENT_STATUSES = {
    "employed": _l("Employed"),
    "job_seeker": _l("Job seeker"),
    "self_employed": _l("Self-employed"),
}

SECTORS = {
    "techniek": _l("Engineering and manufacturing"),
    "zorg": _l("Health and social care"),
    "ict": _l("ICT"),
    "bouw": _l("Construction"),
    "logistiek": _l("Logistics and transport"),
    "onderwijs": _l("Education"),
    "energie": _l("Energy and sustainability"),
    "agrifood": _l("Agriculture and food"),
    "handel": _l("Retail and wholesale"),
    "horeca": _l("Hospitality and leisure"),
    "overheid": _l("Government"),
    "zakelijk": _l("Business services and finance"),
    "papier": _l("Paper and cardboard"),
    "anders": _l("Other"),
}

NLQF_LEVELS = {
    1: _l("NLQF 1 (entry level)"),
    2: _l("NLQF 2 (mbo 2, vmbo)"),
    3: _l("NLQF 3 (mbo 3)"),
    4: _l("NLQF 4 (mbo 4, havo, vwo)"),
    5: _l("NLQF 5 (associate degree)"),
    6: _l("NLQF 6 (bachelor)"),
    7: _l("NLQF 7 (master)"),
    8: _l("NLQF 8 (doctorate)"),
}

LANGUAGES = {"nl": "Nederlands", "en": "English", "de": "Deutsch"}

COURSE_KINDS = {
    "short_course": _l("Short course"),
    "certificate": _l("Certificate programme"),
    "mbo_bbl": _l("mbo BBL (work-based)"),
    "mbo_bol": _l("mbo BOL (school-based)"),
    "hbo_duaal": _l("hbo work-study (duaal)"),
    "hbo_ad": _l("Associate degree"),
    "language": _l("Language course"),
    "digital_skills": _l("Digital skills"),
}

ACCREDITATIONS = {
    "crkbo": _l("CRKBO registered"),
    "nrto": _l("NRTO quality mark"),
    "crebo": _l("Recognised mbo programme (crebo)"),
    "croho": _l("Recognised hbo programme (CROHO)"),
    "branch": _l("Recognised by a branch organisation"),
}


@dataclass(frozen=True, slots=True)
class Occupation:
    """An occupation on a regional list of occupations with good prospects (kansberoepen)."""

    name: str
    sector: str
    region: str


@cache
def kansberoepen() -> tuple[Occupation, ...]:
    """The shipped regional list of kansberoepen; edit data/kansberoepen.csv to change it."""
    text = resources.files(__package__).joinpath("data/kansberoepen.csv").read_text("utf-8")
    return tuple(Occupation(**row) for row in csv.DictReader(text.splitlines()))


@cache
def labels() -> dict[str, dict[str, str]]:
    """The shipped reference labels (ESCO-style, Dutch) for skills and occupations:
    {"skill": {lower-case: label}, "occupation": {...}}. Edit data/labels.csv to add one."""
    text = resources.files(__package__).joinpath("data/labels.csv").read_text("utf-8")
    found: dict[str, dict[str, str]] = {"skill": {}, "occupation": {}}
    for row in csv.DictReader(text.splitlines()):
        found[row["kind"]][row["label"].lower()] = row["label"]
    return found


@dataclass(frozen=True, slots=True)
class SbiCode:
    """A section (letter) or division (two digits) of the SBI 2008, with its Dutch name."""

    code: str
    section: str
    name: str

    @property
    def is_section(self) -> bool:
        """A section (A-U) rather than a division."""
        return self.code == self.section


@cache
def sbi_codes() -> dict[str, SbiCode]:
    """The SBI 2008 sections and divisions (KvK, CBS), by code; edit data/sbi.csv to change."""
    text = resources.files(__package__).joinpath("data/sbi.csv").read_text("utf-8")
    return {row["code"]: SbiCode(**row) for row in csv.DictReader(text.splitlines())}


def sbi_divisions() -> dict[str, SbiCode]:
    """The two-digit divisions, by code: an employer's sector is one of these."""
    return {code: entry for code, entry in sbi_codes().items() if not entry.is_section}


def sbi_name(code: str | None) -> str:
    """The Dutch name of an SBI code for screens ("" for an unknown code)."""
    entry = sbi_codes().get(code or "")
    return entry.name if entry else ""
