"""The dashboard's charts on risk: fraud flags and what became of them, how much of the money
goes to the largest providers, and course prices against the caps that paid them (STAP lost
€ 104 million to prices set just under the cap, and nobody saw it in time)."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_decimal, gettext

from wallet.core.templating import money
from wallet.reports import dashboard as figures
from wallet.reports.charts import Chart, Series
from wallet.reports.panels import FLAG_LABELS, pct

OUTCOMES = ("confirmed", "dismissed", "open")
JUST_UNDER = figures.HISTOGRAM_BINS - 3  # the bin 95-100 % of the cap
MIN_BUNCH = 3  # fewer courses than this never "stand out"


def flag_chart(counts: dict[tuple[str, str], int]) -> Chart:
    """Flags raised per check, and how many the review confirmed or dismissed."""
    title = gettext("Fraud flags raised, confirmed and dismissed")
    heading = gettext("Check")
    note = gettext(
        "A flag is confirmed when the claim it concerns was rejected, closed or clawed back, "
        "and dismissed when that claim was approved and stands; open while no decision fell."
    )
    link = (gettext("Claims with flags"), url_for("claims.queue", status="all", flagged="1"))
    if not counts:
        return Chart(
            "flags",
            title,
            gettext("No fraud flags were raised in this period."),
            "count",
            label_heading=heading,
            note=note,
            list_link=link,
        )
    codes = sorted(
        {code for code, _o in counts},
        key=lambda c: (-sum(counts.get((c, o), 0) for o in OUTCOMES), c),
    )
    per = {o: tuple(counts.get((c, o), 0) for c in codes) for o in OUTCOMES}
    raised = tuple(sum(per[o][i] for o in OUTCOMES) for i in range(len(codes)))
    total, confirmed, dismissed = sum(raised), sum(per["confirmed"]), sum(per["dismissed"])
    summary = gettext(
        "%(raised)s flags were raised: %(confirmed)s confirmed, %(dismissed)s dismissed, the "
        "rest still open.",
        raised=total,
        confirmed=confirmed,
        dismissed=dismissed,
    )
    return Chart(
        "flags",
        title,
        summary,
        "count",
        labels=tuple(str(FLAG_LABELS.get(c, c)) for c in codes),
        series=(
            Series(gettext("Raised"), raised),
            Series(gettext("Confirmed"), per["confirmed"]),
            Series(gettext("Dismissed"), per["dismissed"]),
        ),
        label_heading=heading,
        note=note,
        list_link=link,
    )


def concentration_chart(data: figures.Concentration) -> Chart:
    """The share of the approved money that went to the 10 and the 20 largest providers."""
    title = gettext("Provider concentration")
    heading = gettext("Providers")
    link = (gettext("All claims"), url_for("claims.queue", status="all"))
    if not data.total_cents:
        return Chart(
            "concentration",
            title,
            gettext("No claim was approved in this period yet."),
            "percent",
            label_heading=heading,
            list_link=link,
        )
    names = figures.provider_names([pid for pid, _c in data.top[:10]])
    labels = [
        gettext("The 10 largest providers"),
        gettext("The 20 largest providers"),
        gettext("All %(num)s providers", num=data.providers),
    ]
    shares = [round(data.share(10), 1), round(data.share(20), 1), 100.0]
    for pid, cents in data.top[:10]:
        labels.append(names.get(pid, ""))
        shares.append(round(100 * cents / data.total_cents, 1))
    summary = gettext(
        "The 10 largest of %(num)s providers received %(share)s of the %(total)s approved in "
        "this period.",
        num=data.providers,
        share=pct(data.share(10), 100),
        total=money(data.total_cents),
    )
    return Chart(
        "concentration",
        title,
        summary,
        "percent",
        labels=tuple(labels),
        series=(Series(gettext("Share of the money"), tuple(shares)),),
        label_heading=heading,
        list_link=link,
    )


def bunching(counts: list[int]) -> bool:
    """The STAP pattern: the bin just under the cap holds at least MIN_BUNCH courses and more
    than twice as many as any other bin under the cap."""
    under = counts[: JUST_UNDER + 1]
    others = under[:JUST_UNDER]
    return under[JUST_UNDER] >= MIN_BUNCH and under[JUST_UNDER] > 2 * max(others, default=0)


def price_chart(counts: list[int]) -> Chart:
    """A histogram of applications by price relative to the cap of the scheme that paid."""
    title = gettext("Course prices relative to the cap")
    heading = gettext("Price as a share of the cap")
    labels = [f"{format_decimal(5 * i)}–{format_decimal(5 * i + 5)} %" for i in range(20)]
    labels += [gettext("At the cap"), gettext("Above the cap")]
    total = sum(counts)
    if not total:
        return Chart(
            "prices",
            title,
            gettext("No course was paid from a budget in this period yet."),
            "count",
            label_heading=heading,
        )
    near = counts[JUST_UNDER]
    if bunching(counts):
        summary = gettext(
            "Warning: %(num)s of %(total)s courses (%(share)s) cost just under the cap (95–100 "
            "%%), far more than any other price: the pattern of STAP, where providers priced "
            "towards the cap.",
            num=near,
            total=total,
            share=pct(near, total),
        )
    else:
        summary = gettext(
            "%(num)s of %(total)s courses (%(share)s) cost just under the cap (95–100 %%); no "
            "bunching below the cap stands out.",
            num=near,
            total=total,
            share=pct(near, total),
        )
    axis = tuple((i, f"{format_decimal(5 * i)} %") for i in (0, 5, 10, 15, 20))
    return Chart(
        "prices",
        title,
        summary,
        "count",
        labels=tuple(labels),
        series=(Series(gettext("Courses"), tuple(counts)),),
        label_heading=heading,
        highlight=JUST_UNDER if bunching(counts) else None,
        axis_labels=axis,
        note=gettext(
            "The cap is the scheme's cap per course, or its budget per worker "
            "where that is lower. Each application counts once per scheme."
        ),
        list_link=(
            gettext("Claims with flags"),
            url_for("claims.queue", status="all", flagged="1"),
        ),
    )
