"""Bar charts as inline SVG strings, for pages that must stand alone (no script, nothing fetched).

Every bar is a `<rect class="bar">` with `data-series`, `data-label` and `data-count`, and a `<title>` that a
browser shows on hover; readers (and tests) can take the numbers back from the page."""

import math
from dataclasses import dataclass
from html import escape

COLORS = {"kept": "#2e7d32", "removed": "#d9822b", "read": "#4a6fa5", "clusters": "#4a6fa5"}
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


@dataclass(frozen=True)
class Segment:
    """One horizontal bar piece: from `start` to `start + count` on the value axis."""
    series: str
    start: int
    count: int


def _color(series: str) -> str:
    return COLORS.get(series, "#777777")


def _number(value: float) -> str:
    """A short axis label: 12,345 / 0.25 / 3.1."""
    if value == int(value) and abs(value) >= 1:
        return f"{int(value):,}"
    return f"{value:.3g}"


def axis_ticks(low: float, high: float, log: bool, most: int = 7) -> list[tuple[float, str]]:
    """(place from 0 to 1, text) of ticks at round values of an axis from `low` to `high`, at most `most`: steps
    of 1, 2 or 5 times a power of ten; on a log axis (`low`, `high` the log10 of the values), the values 1, 2 and
    5 times a power of ten, the powers of ten alone when those are too many, steps when there are not two."""
    if high <= low:
        return []
    if not log:
        return [((value - low) / (high - low), _number(value)) for value in _steps(low, high, most)]
    for digits in ((1, 2, 5), (1,)):
        values = [digit * 10.0**power for power in range(math.floor(low), math.ceil(high) + 1)
                  for digit in digits if low - 1e-9 <= power + math.log10(digit) <= high + 1e-9]
        if len(values) <= most:
            break
    if len(values) < 2:
        values = _steps(10**low, 10**high, most)
    values = values[:: math.ceil(len(values) / most)]
    return [((math.log10(value) - low) / (high - low), _number(value)) for value in values]


def _steps(low: float, high: float, most: int) -> list[float]:
    """The multiples from `low` to `high` of the smallest step of 1, 2 or 5 times a power of ten that gives at
    most `most` of them."""
    rough = (high - low) / (most - 1)
    power = 10.0 ** math.floor(math.log10(rough))
    step = next(factor * power for factor in (1, 2, 5, 10) if factor * power >= rough * (1 - 1e-9))
    return [round(k * step, 12) for k in range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1)]


def _legend(series: list[str], x: float, y: float) -> str:
    parts = []
    for index, name in enumerate(series):
        left = x + index * 90
        parts.append(f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="{_color(name)}"/>'
                     f'<text x="{left + 14}" y="{y}" {FONT}>{escape(name)}</text>')
    return "".join(parts)


def _short(label: str, most: int = 24) -> str:
    """A row label that fits the label column (the bar's tooltip has it whole)."""
    return label if len(label) <= most else label[: most - 1] + "…"


def _bar(x: float, y: float, width: float, height: float, series: str, count: int, label: str) -> str:
    return (f'<rect class="bar" data-series="{escape(series)}" data-label="{escape(label)}" data-count="{count}" '
            f'x="{x:.1f}" y="{y:.1f}" '
            f'width="{max(width, 0):.1f}" height="{max(height, 0):.1f}" fill="{_color(series)}">'
            f"<title>{escape(label)}: {count:,} {escape(series)}</title></rect>")


def column_chart(title: str, labels: list[str], series: dict[str, list[int]], axis_label: str = "",
                 ticks: list[tuple[float, str]] | None = None, width: int = 460, height: int = 240) -> str:
    """Vertical bars, one group per label, one bar per series in the group (a histogram when labels are bins).

    `ticks`: (place from 0 to 1 along the axis, text) under the bars (default: the labels of about six groups,
    under their middle)."""
    left, right, top, bottom = 48, 10, 34, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1, *(count for counts in series.values() for count in counts)])
    group = plot_w / max(len(labels), 1)
    bar = group * 0.9 / max(len(series), 1)
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<text x="{left}" y="14" {FONT} font-weight="bold">{escape(title)}</text>',
             _legend(list(series), left, 28)]
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" {FONT} text-anchor="end">{_number(peak * fraction)}</text>')
    for index, label in enumerate(labels):
        for number, (name, counts) in enumerate(series.items()):
            h = plot_h * counts[index] / peak
            x = left + index * group + group * 0.05 + number * bar
            parts.append(_bar(x, top + plot_h - h, bar, h, name, counts[index], label))
    if ticks is None:
        ticks = [((index + 0.5) / len(labels), labels[index])
                 for index in range(0, len(labels), max(1, len(labels) // 6))]
    for place, text in ticks:
        x = left + place * plot_w
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 3}" stroke="#999"/>'
                     f'<text class="tick" x="{x:.1f}" y="{top + plot_h + 14}" {FONT} text-anchor="middle">'
                     f"{escape(text)}</text>")
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 6}" {FONT} text-anchor="middle">'
                 f"{escape(axis_label)}</text></svg>")
    return "".join(parts)


def row_chart(title: str, rows: list[tuple[str, list[Segment]]], total: int, width: int = 620) -> str:
    """Horizontal bars, one row per label, each row made of segments (a waterfall, or stacked shares)."""
    label_w, right, top, row_h = 170, 70, 34, 20
    plot_w = width - label_w - right
    height = top + row_h * len(rows) + 10
    scale = plot_w / max(total, 1)
    names = list(dict.fromkeys(segment.series for _, segments in rows for segment in segments))
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<text x="4" y="14" {FONT} font-weight="bold">{escape(title)}</text>', _legend(names, label_w, 28)]
    for index, (label, segments) in enumerate(rows):
        y = top + index * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" {FONT} text-anchor="end">{escape(_short(label))}</text>')
        for segment in segments:
            parts.append(_bar(label_w + segment.start * scale, y + 3, segment.count * scale, row_h - 6,
                              segment.series, segment.count, label))
        end = max((segment.start + segment.count for segment in segments), default=0)
        shown = sum(segment.count for segment in segments)
        parts.append(f'<text x="{label_w + end * scale + 4:.1f}" y="{y + 14}" {FONT}>{shown:,}</text>')
    parts.append("</svg>")
    return "".join(parts)
