"""The dashboard's money charts, every euro from the ledger through `wallet.reports.money`:
month by month what was committed, held, paid and returned, and the same per scheme."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import format_date, gettext

from wallet.core import clock
from wallet.core.templating import money as euros
from wallet.reports import money
from wallet.reports.charts import Chart, Series
from wallet.reports.dashboard import Filter
from wallet.schemes.services import schemes_of


@dataclass(frozen=True)
class MonthlyMoney:
    """Per month: committed to budgets, reserved at the month's end, paid, back to the pot."""

    months: tuple
    committed: tuple[int, ...]
    held: tuple[int, ...]
    paid: tuple[int, ...]
    returned: tuple[int, ...]


def monthly_money(wanted: Filter) -> MonthlyMoney:
    """The four money series of the period, month by month.

    Committed is what went to workers' budgets (granted); held what was reserved for courses
    and placements at the end of the month (or now, for the running month); paid what the
    payout batches paid out, or, for one scheme (batches pay a whole fund), its claims and
    reimbursements approved for payment; returned what came back to the pot: unused budgets
    that expired and clawbacks."""
    scheme = wanted.scheme_id
    rows = money.monthly_flows(wanted.fund_id, wanted.start, wanted.end, scheme_id=scheme)
    ends = [money.period_bounds(month, month)[0] for month, _f in rows[1:]] + [wanted.end]
    now = clock.now()
    # A month still to come has nothing reserved yet; the running month shows what is now.
    held = tuple(
        money.held_at(wanted.fund_id, min(end, now), scheme_id=scheme)
        if money.period_bounds(month, month)[0] <= now
        else 0
        for (month, _f), end in zip(rows, ends, strict=True)
    )

    def paid(flows):
        if wanted.scheme_id:
            return flows["approved"] + flows["reimbursed"]
        return flows["paid"]

    return MonthlyMoney(
        months=tuple(month for month, _f in rows),
        committed=tuple(f["granted"] for _m, f in rows),
        held=held,
        paid=tuple(paid(f) for _m, f in rows),
        returned=tuple(f["expired"] + f["clawed_back"] for _m, f in rows),
    )


def money_chart(data: MonthlyMoney, *, per_scheme: bool) -> Chart:
    """Columns per month: committed, held, paid and returned."""
    title = gettext("Money per month")
    paid_name = gettext("Approved for payment") if per_scheme else gettext("Paid out")
    series = (
        Series(gettext("Committed to budgets"), data.committed),
        Series(gettext("Reserved at the month's end"), data.held),
        Series(paid_name, data.paid),
        Series(gettext("Back to the pot"), data.returned),
    )
    note = gettext(
        "From the ledger. Committed: granted to workers' budgets. Reserved: held for courses and "
        "placements at the end of the month. Back to the pot: unused budgets that expired and "
        "clawbacks. Money is not split by region."
    )
    labels = tuple(format_date(month, "MMM yy") for month in data.months)
    chart = Chart(
        "money",
        title,
        "",
        "euros",
        labels=labels,
        series=series,
        label_heading=gettext("Month"),
        note=note,
    )
    if chart.is_empty:
        return Chart(
            "money",
            title,
            gettext("No money moved in this period yet."),
            "euros",
            label_heading=gettext("Month"),
            note=note,
        )
    sentence = (
        gettext(
            "In this period %(committed)s was committed to budgets and %(paid)s approved "
            "for payment; %(held)s is reserved at the end."
        )
        if per_scheme
        else gettext(
            "In this period %(committed)s was committed to budgets and %(paid)s paid "
            "out; %(held)s is reserved at the end."
        )
    )
    summary = sentence % {
        "committed": euros(sum(data.committed)),
        "paid": euros(sum(data.paid)),
        "held": euros(data.held[-1] if data.held else 0),
    }
    return Chart(
        "money",
        title,
        summary,
        "euros",
        labels=labels,
        series=series,
        label_heading=gettext("Month"),
        note=note,
    )


def scheme_chart(wanted: Filter) -> Chart:
    """Per scheme (its instrument in its name): committed, approved for payment, returned."""
    title = gettext("Money per scheme")
    heading = gettext("Scheme")
    flows = money.scheme_flows(wanted.fund_id, wanted.start, wanted.end)
    schemes = [s for s in schemes_of(wanted.fund_id) if s.id in flows]
    if wanted.scheme_id:
        schemes = [s for s in schemes if s.id == wanted.scheme_id]
    if not schemes:
        return Chart(
            "money-schemes",
            title,
            gettext("No scheme moved money in this period yet."),
            "euros",
            label_heading=heading,
        )

    def name(scheme):
        kind = gettext("employer scheme") if scheme.for_employers else gettext("worker budgets")
        return f"{scheme.name} ({kind})"

    def committed(f):
        return f["granted"]

    def spent(f):
        return f["approved"] + f["reimbursed"]

    def returned(f):
        return f["expired"] + f["clawed_back"]

    schemes.sort(key=lambda s: (-spent(flows[s.id]) - committed(flows[s.id]), s.name))
    largest = schemes[0]
    summary = gettext(
        "%(scheme)s moved the most money: %(committed)s committed, %(spent)s approved for payment.",
        scheme=largest.name,
        committed=euros(committed(flows[largest.id])),
        spent=euros(spent(flows[largest.id])),
    )
    return Chart(
        "money-schemes",
        title,
        summary,
        "euros",
        labels=tuple(name(s) for s in schemes),
        series=tuple(
            Series(label, tuple(figure(flows[s.id]) for s in schemes))
            for label, figure in (
                (gettext("Committed to budgets"), committed),
                (gettext("Approved for payment"), spent),
                (gettext("Back to the pot"), returned),
            )
        ),
        links=tuple(url_for("schemes.detail", scheme_id=s.id) for s in schemes),
        label_heading=heading,
    )
