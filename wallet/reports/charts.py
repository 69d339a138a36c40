"""Charts drawn on the server as SVG: a Chart value and the geometry its Jinja macros draw.

No chart library: the shapes are few (horizontal bars for narrow screens, columns over months,
a histogram), and every chart must carry the same accessible parts (title, a one-sentence
summary, the data as a table), which is easier to guarantee when we draw them ourselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_decimal, gettext, ngettext

UNITS = ("persons", "euros", "days", "percent", "count")
WIDTH = 400  # viewBox units; the SVG scales to the width of its column
# Colours with at least 3:1 contrast on white (WCAG 1.4.11), each with its own pattern so
# series never differ by colour alone.
PALETTE = (
    ("#01689b", "solid"),
    ("#a63d00", "hatch"),
    ("#1e6b2f", "dots"),
    ("#5b2a86", "lines"),
    ("#4d4d4d", "cross"),
)


@dataclass(frozen=True)
class Series:
    """One row of values in a chart (one per label), e.g. "paid" per month."""

    name: str
    values: tuple[int | float, ...]


@dataclass(frozen=True)
class Chart:
    """What a chart shows and says: the macros draw it, the table repeats it in numbers."""

    key: str  # the id of its figure on the page
    title: str
    summary: str  # one sentence a director understands
    unit: str  # one of UNITS
    labels: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    links: tuple[str | None, ...] = ()  # the list behind each label, where one exists
    list_link: tuple[str, str] | None = None  # (text, url) of the list behind the whole chart
    highlight: int | None = None  # the index of a label the summary points at
    label_heading: str = ""  # the table's first column heading
    note: str = ""  # how a figure is defined, where that is not obvious
    axis_labels: tuple[tuple[int, str], ...] = ()  # (index, text) under the axis, if not all

    @property
    def is_empty(self) -> bool:
        """Nothing to draw: the chart says so in words instead."""
        return not self.labels or not any(v for s in self.series for v in s.values)

    @property
    def peak(self) -> int | float:
        """The largest value drawn: the axis ends there."""
        return max((v for s in self.series for v in s.values), default=0) or 1

    def link(self, index: int) -> str | None:
        """The list behind label `index`, or None."""
        return self.links[index] if index < len(self.links) else None


def format_value(value: int | float, unit: str) -> str:
    """A value as the reader's locale writes it, with its unit."""
    if unit == "euros":
        from wallet.core.templating import money

        return money(int(value))
    if unit == "percent":
        return f"{format_decimal(value, '#,##0.#')} %"
    if unit == "days":
        text = format_decimal(value, "#,##0.#")
        return ngettext("%(value)s day", "%(value)s days", value, value=text)
    if unit == "persons":
        return ngettext("%(value)s person", "%(value)s persons", value, value=format_decimal(value))
    return format_decimal(value)


def axis_value(value: int | float, unit: str) -> str:
    """A short value for an axis tick: euros without cents, others as numbers."""
    if unit == "euros" and value >= 100_000_000:  # a million euros and more: in millions
        return gettext("€ %(num)s mln", num=format_decimal(value / 100_000_000, "#,##0.#"))
    if unit == "euros":
        return "€ " + format_decimal(int(value) // 100, "#,##0")
    if unit == "percent":
        return f"{format_decimal(value, '#,##0')} %"
    return format_decimal(value, "#,##0.#")


@dataclass(frozen=True)
class Bar:
    """One drawn rectangle: where it is, what it says and how it is filled."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value_text: str
    fill: str
    colour: str


@dataclass
class Layout:
    """The geometry of one chart in viewBox units."""

    height: float
    left: float = 0  # where the plot starts: the axis' labels are left of it
    bars: list[Bar] = field(default_factory=list)
    texts: list[tuple[float, float, str, str]] = field(default_factory=list)  # x, y, text, anchor
    ticks: list[tuple[float, str]] = field(default_factory=list)  # x or y, text


def fill_of(index: int) -> tuple[str, str]:
    """The fill of series `index` (its pattern, drawn in its colour) and its outline colour."""
    index %= len(PALETTE)
    return f"url(#lw-pattern-{index})", PALETTE[index][0]


def _short(text: str, limit: int = 52) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_layout(chart: Chart) -> Layout:
    """Horizontal bars, each label above its bars: readable on a phone, where columns of long
    names would not fit."""
    row, bar, gap = 20, 17, 10
    per_label = row + bar * len(chart.series) + gap
    layout = Layout(height=per_label * len(chart.labels) + 4)
    room = WIDTH - 120  # space for the value written after the longest bar
    for i, label in enumerate(chart.labels):
        top = i * per_label
        layout.texts.append((0, top + 14, _short(label, 46), "start"))
        for s, series in enumerate(chart.series):
            value = series.values[i]
            length = max(room * value / chart.peak, 1 if value else 0)
            y = top + row + s * bar
            text = format_value(value, chart.unit)
            layout.bars.append(Bar(0, y, length, bar - 3, label, text, *fill_of(s)))
            layout.texts.append((length + 4, y + bar - 6, text, "start"))
    return layout


def column_layout(chart: Chart, *, gapless: bool = False) -> Layout:
    """Columns over months (series side by side within a month) or, gapless, a histogram."""
    top, plot, bottom, left = 10, 160, 36, 64
    layout = Layout(height=top + plot + bottom, left=left)
    slots = len(chart.labels) or 1
    slot = (WIDTH - left - 4) / slots
    inner = slot if gapless else slot * 0.8
    per_series = inner / max(len(chart.series), 1)
    for tick in (0, 0.5, 1):
        layout.ticks.append((top + plot - plot * tick, axis_value(chart.peak * tick, chart.unit)))
    every = max(1, -(-slots // 8))  # at most eight labels under the axis
    for i, label in enumerate(chart.labels):
        x0 = left + i * slot + (slot - inner) / 2
        for s, series in enumerate(chart.series):
            value = series.values[i]
            height = plot * value / chart.peak
            x = x0 + s * per_series
            text = format_value(value, chart.unit)
            pattern = (1 if chart.highlight == i else 0) if gapless else s
            width = max(per_series - (0.5 if gapless else 1), 0.5)
            layout.bars.append(
                Bar(x, top + plot - height, width, height, label, text, *fill_of(pattern))
            )
    shown = chart.axis_labels or tuple(
        (i, label) for i, label in enumerate(chart.labels) if i % every == 0
    )
    for i, text in shown:
        anchor = "start" if gapless else "middle"
        x = left + i * slot + (0 if gapless else slot / 2)
        layout.texts.append((x, top + plot + 16, text, anchor))
    return layout
