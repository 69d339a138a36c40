"""The dashboard's charts: the figures of `dashboard.py` in words a director reads, each chart
with the list behind it where the application has one."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_decimal, gettext, ngettext
from flask_babel import lazy_gettext as _l

from wallet.reference import (
    EMPLOYMENT_STATUSES,
    NLQF_LEVELS,
    SECTORS,
    kansberoepen,
    municipality,
    sbi_codes,
)
from wallet.reports import dashboard as figures
from wallet.reports.charts import Chart, Series
from wallet.schemes.employer_rules import STARTING_SITUATIONS

TOP_MOVES = 10
# The chart names each fraud check in a few words; the claim page gives its full reason.
FLAG_LABELS = {
    "price_near_cap": _l("Price at or just under a cap"),
    "recent_price_raise": _l("Price raised shortly before"),
    "application_spike": _l("Sudden rise in applications"),
    "shared_address": _l("Many applicants at one address"),
    "shared_email_domain": _l("Many applicants with one e-mail domain"),
    "shared_ip": _l("Many applicants from one IP address"),
    "duplicate_learner_course": _l("Same worker, same course"),
    "new_provider_high_volume": _l("New provider, many applications"),
    "too_many_grants": _l("Too many grants for one course"),
    "proof_missing": _l("Proof of participation missing"),
    "attendance_below_threshold": _l("Attendance too low"),
}


def pct(part: int | float, whole: int | float) -> str:
    """A share as the reader's locale writes it, e.g. "34 %"."""
    return f"{format_decimal(100 * part / whole if whole else 0, '#,##0')} %"


def _largest(counts: dict) -> tuple:
    return max(counts.items(), key=lambda item: (item[1], str(item[0])))


def _persons_chart(
    key, title, heading, counts, label_of, sentence, empty, *, natural=False, note=""
) -> Chart:
    """A bar chart of persons per group, largest first (or in the groups' own order), and a
    sentence on the largest group."""
    total = sum(counts.values())
    by_size = lambda item: (-item[1], str(label_of(item[0])))  # noqa: E731
    ordered = sorted(counts.items(), key=None if natural else by_size)
    if not total:
        return Chart(key, title, empty, "persons", label_heading=heading)
    group, count = _largest(counts)
    return Chart(
        key,
        title,
        sentence % {"group": label_of(group), "share": pct(count, total)},
        "persons",
        labels=tuple(str(label_of(g)) for g, _c in ordered),
        series=(Series(gettext("Participants"), tuple(c for _g, c in ordered)),),
        label_heading=heading,
        note=note,
    )


def _band_label(lower: int) -> str:
    bands = figures.AGE_BANDS
    index = bands.index(lower)
    if index == 0:
        return gettext("under %(age)d", age=bands[1])
    if index == len(bands) - 1:
        return gettext("%(age)d and over", age=lower)
    return f"{lower}–{bands[index + 1] - 1}"


def participant_charts(data: figures.Participants, regional: bool) -> list[Chart]:
    """Participants by target group, age band, education level and region or municipality."""
    empty = gettext("Nobody has taken part yet in this period.")
    by_place = data.by_municipality if regional else data.by_region

    def place(code):
        if not regional:
            return code or gettext("Elsewhere")
        found = municipality(code)
        return found.name if found else gettext("Elsewhere")

    band_counts = {band: data.by_age_band.get(band, 0) for band in figures.AGE_BANDS}
    return [
        _persons_chart(
            "participants-group",
            gettext("Participants by target group"),
            gettext("Target group"),
            data.by_target_group,
            lambda s: EMPLOYMENT_STATUSES.get(s, s),
            gettext("The largest group of participants: %(group)s (%(share)s)."),
            empty,
            note=gettext(
                "Participants: persons with an application paid from the "
                "fund's budgets in this period (not cancelled, rejected or "
                "expired), each counted once."
            ),
        ),
        _persons_chart(
            "participants-age",
            gettext("Participants by age"),
            gettext("Age"),
            band_counts if data.total else {},
            _band_label,
            gettext("Most participants are %(group)s years old (%(share)s)."),
            empty,
            natural=True,
        ),
        _persons_chart(
            "participants-level",
            gettext("Participants by education level"),
            gettext("Education level"),
            data.by_level,
            lambda n: NLQF_LEVELS.get(n, str(n)),
            gettext("Most participants have education level %(group)s (%(share)s)."),
            empty,
            natural=True,
        ),
        _persons_chart(
            "participants-place",
            gettext("Participants by municipality")
            if regional
            else gettext("Participants by region"),
            gettext("Municipality") if regional else gettext("Region"),
            by_place,
            place,
            gettext("Most participants are in %(group)s (%(share)s)."),
            empty,
        ),
    ]


def _target_sector(occupation: str) -> str | None:
    wanted = occupation.strip().lower()
    for known in kansberoepen():
        if known.name.lower() == wanted:
            return known.sector
    return None


def mobility_charts(workers: dict, placed: dict) -> list[Chart]:
    """Moves between sectors: workers towards their target occupation, persons placed by
    employers from where they came to the employer's sector."""
    moves: dict[tuple[str, str], int] = {}
    for (source, target), count in workers.items():
        sector = _target_sector(target)
        if sector and sector != source:
            key = (str(SECTORS.get(source, source)), str(SECTORS.get(sector, sector)))
            moves[key] = moves.get(key, 0) + count
    sections = sbi_codes()

    def section(code):
        entry = sections.get(code or "")
        return sections[entry.section].name if entry else None

    placed_moves: dict[tuple[str, str], int] = {}
    for (situation, source, target), count in placed.items():
        origin = section(source) or str(STARTING_SITUATIONS.get(situation, situation))
        key = (origin, section(target) or gettext("Unknown"))
        if key[0] != key[1]:
            placed_moves[key] = placed_moves.get(key, 0) + count
    return [
        _moves_chart(
            "mobility-workers",
            gettext("Moves between sectors: workers' goals"),
            moves,
            sum(workers.values()),
            gettext(
                "Nobody with a target occupation in another sector has taken part "
                "yet in this period."
            ),
            gettext(
                "From the participant's sector to the sector of their target "
                "occupation (occupations on the list of kansberoepen)."
            ),
        ),
        _moves_chart(
            "mobility-placements",
            gettext("Moves between sectors: placements"),
            placed_moves,
            sum(placed.values()),
            gettext("No placement moved anyone to another sector in this period yet."),
            gettext(
                "From where the person came (sector or situation) to the "
                "employer's sector, for placements that started in this period."
            ),
            link=(gettext("All placements"), url_for("fund_placements.placements")),
        ),
    ]


def _moves_chart(key, title, moves, everyone, empty, note, link=None) -> Chart:
    heading = gettext("From → to")
    if not moves:
        return Chart(key, title, empty, "persons", label_heading=heading, note=note, list_link=link)
    ordered = sorted(moves.items(), key=lambda item: (-item[1], item[0]))[:TOP_MOVES]
    (source, target), count = ordered[0]
    moved = sum(moves.values())
    summary = gettext(
        "%(moved)s of %(everyone)s persons move to another sector; the most from %(source)s to "
        "%(target)s (%(count)s).",
        moved=moved,
        everyone=everyone,
        source=source,
        target=target,
        count=count,
    )
    return Chart(
        key,
        title,
        summary,
        "persons",
        labels=tuple(f"{s} → {t}" for (s, t), _c in ordered),
        series=(Series(gettext("Persons"), tuple(c for _m, c in ordered)),),
        label_heading=heading,
        note=note,
        list_link=link,
    )


def retention_chart(data: figures.Retention) -> Chart:
    """Placements started, and who still works there at the 6- and 12-month follow-ups."""
    title = gettext("Placements and retention")
    link = (gettext("All placements"), url_for("fund_placements.placements"))
    if not data.started and not any(sum(v) for v in data.followed.values()):
        return Chart(
            "retention",
            title,
            gettext(
                "There are no employer placements in this period yet, so there is no retention to "
                "show."
            ),
            "persons",
            label_heading=gettext("Placements"),
            list_link=link,
        )
    labels, values, links = [gettext("Started in this period")], [data.started], [None]
    for months in (6, 12):
        kept, lost, waiting = data.followed.get(months, (0, 0, 0))
        labels += [
            gettext("Still employed after %(months)d months", months=months),
            gettext("No longer employed after %(months)d months", months=months),
            gettext("%(months)d-month follow-up not recorded yet", months=months),
        ]
        values += [kept, lost, waiting]
        links += [
            url_for("fund_placements.placements", status="retained"),
            url_for("fund_placements.placements", status="ended_early"),
            url_for("fund_placements.placements", status="approved"),
        ]
    rates = [(m, data.rate(m)) for m in (6, 12) if data.rate(m) is not None]
    summary = ngettext(
        "%(num)d placement started in this period.",
        "%(num)d placements started in this period.",
        data.started,
    )
    for months, rate in rates:
        summary += " " + gettext(
            "After %(months)d months %(share)s of those followed up still work there.",
            months=months,
            share=pct(rate, 100),
        )
    return Chart(
        "retention",
        title,
        summary,
        "persons",
        labels=tuple(labels),
        series=(Series(gettext("Persons"), tuple(values)),),
        links=tuple(links),
        label_heading=gettext("Placements"),
        list_link=link,
        note=gettext("Follow-ups due in this period; still employed of those recorded."),
    )


def delay_chart(delays: dict[str, dict[int, int]]) -> Chart:
    """Median and 90th percentile of the days from application to approval and to payment."""
    title = gettext("Time from application to approval and payment")
    heading = gettext("From the application to")
    names = {"approval": gettext("the claim's approval"), "payment": gettext("the payment")}
    rows = [
        (name, figures.percentile(counts, 0.5), figures.percentile(counts, 0.9))
        for name, counts in delays.items()
        if counts
    ]
    if not rows:
        return Chart(
            "delays",
            title,
            gettext("No claim was approved or paid in this period yet."),
            "days",
            label_heading=heading,
        )
    first = rows[0]
    sentences = {
        "approval": gettext(
            "Half of the claims were approved within %(median)s days of the "
            "application, nine in ten within %(p90)s days."
        ),
        "payment": gettext(
            "Half of the claims were paid within %(median)s days of the "
            "application, nine in ten within %(p90)s days."
        ),
    }
    summary = sentences[first[0]] % {"median": first[1], "p90": first[2]}
    return Chart(
        "delays",
        title,
        summary,
        "days",
        labels=tuple(names[name] for name, _m, _p in rows),
        series=(
            Series(gettext("Median"), tuple(m for _n, m, _p in rows)),
            Series(gettext("90th percentile"), tuple(p for _n, _m, p in rows)),
        ),
        label_heading=heading,
        list_link=(gettext("All claims"), url_for("claims.queue", status="all")),
    )


def outcome_chart(outcomes: dict[str, int]) -> Chart:
    """Claims submitted in the period by their outcome, and the approval rate."""
    title = gettext("Claims approved and rejected")
    heading = gettext("Outcome")
    order = {
        "approved": gettext("Approved"),
        "rejected": gettext("Rejected"),
        "clawed_back": gettext("Clawed back"),
        "waiting": gettext("Waiting for a decision"),
    }
    if not sum(outcomes.values()):
        return Chart(
            "outcomes",
            title,
            gettext("No claims were submitted in this period yet."),
            "count",
            label_heading=heading,
        )
    decided = sum(outcomes.get(k, 0) for k in ("approved", "rejected", "clawed_back"))
    summary = (
        gettext(
            "Of %(num)s decided claims %(approved)s were approved and %(rejected)s rejected.",
            num=decided,
            approved=pct(outcomes.get("approved", 0), decided),
            rejected=pct(outcomes.get("rejected", 0), decided),
        )
        if decided
        else gettext("No claim of this period has been decided yet.")
    )
    return Chart(
        "outcomes",
        title,
        summary,
        "count",
        labels=tuple(order.values()),
        series=(Series(gettext("Claims"), tuple(outcomes.get(k, 0) for k in order)),),
        links=tuple(url_for("claims.queue", status=k) for k in order),
        label_heading=heading,
    )
