"""Server-rendered SVG charts (pygal), inlined in the page: no script, nothing fetched from outside.

pygal writes a small ``<script>`` with its tooltip configuration into every SVG even with ``js=[]``; it is
removed here, so the page carries no inline script (the tooltips it would feed need pygal's CDN script,
which we never load). Values are shown as ``<title>`` hover texts instead.
"""

from __future__ import annotations

import re

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from dashboards.metrics import MEASURES
from dashboards.periods import Period

SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)

FONT = '"WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    legend_font_family=FONT,
    title_font_family=FONT,
    value_font_family=FONT,
    tooltip_font_family=FONT,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=15,
    colors=("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997", "#dc3545"),
)


def _inline(chart) -> SafeString:
    svg = chart.render(is_unicode=True)
    return mark_safe(SCRIPT.sub("", svg))  # noqa: S308 — pygal's own markup, values are numbers


def trend_svg(months: list[Period], figures: list[dict]) -> SafeString:
    """A line per measure, one point per month (percent; a gap where the denominator was 0)."""
    chart = pygal.Line(
        js=[],
        disable_xml_declaration=True,
        style=STYLE,
        width=960,
        height=380,
        range=(0, 100),
        include_x_axis=True,
        show_y_guides=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=len(MEASURES),  # one row: a second one is clipped with CJK labels
        truncate_legend=-1,
        dots_size=3,
        stroke_style={"width": 2.5},
        allow_interruptions=True,
        value_formatter=lambda v: f"{v:.1f}%",
        y_labels=[0, 20, 40, 60, 80, 100],
        margin_bottom=8,
    )
    chart.x_labels = [p.short_label for p in months]
    for measure in MEASURES:
        values = [f[measure.key].value for f in figures]
        chart.add(measure.label, [None if v is None else round(v * 100, 1) for v in values])
    return _inline(chart)
