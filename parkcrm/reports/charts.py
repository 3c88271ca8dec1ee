"""Charts as inline SVG drawn by code: text stays text, so Chinese renders with whatever CJK
font the reader's browser has (no matplotlib, no font files, no network).

Each function takes plain lists and returns an SVG string; draw(chart) picks by kind.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from parkcrm.reports.model import Chart

FONT = ("'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC','WenQuanYi Micro Hei',"
        "'SimHei',sans-serif")
PALETTE = ["#2F6EBA", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F"]
UP, DOWN, SAME = "#59A14F", "#E15759", "#A9B8CC"
WIDTH = 680


def fmt_value(v: float | None, fmt: str = "int") -> str:
    if v is None:
        return "—"
    if fmt == "pct":
        return f"{v * 100:.1f}%"
    if fmt == "wan":
        return f"{v:,.2f}"
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}"


def with_unit(v: float | None, fmt: str, unit: str) -> str:
    """A value and its unit for a tooltip; a percentage already carries its %."""
    return fmt_value(v, fmt) + ("" if fmt == "pct" else unit)


def _t(x: float, y: float, text: str, size: int = 12, anchor: str = "start", weight: str = "normal",
       fill: str = "#333", baseline: str = "central") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}" dominant-baseline="{baseline}">{escape(str(text))}</text>')


def _svg(width: float, height: float, title: str, body: list[str], kind: str) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
            f'font-family="{FONT}" aria-label="{escape(title)}"><title>{escape(title)}</title>')
    caption = _t(width / 2, 16, title, 14, "middle", "bold")
    return Markup(head + caption + "".join(body) + "</svg>")


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    import math

    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * exp >= v:
            return m * exp
    return 10 * exp


def bar(categories: list[str], values: list[float], title: str, unit: str = "", fmt: str = "int",
        color: str = PALETTE[0]) -> Markup:
    """Vertical bars with the value above each bar."""
    n = max(len(categories), 1)
    left, right, top, bottom = 56, 16, 40, 44
    height = 280
    pw, ph = WIDTH - left - right, height - top - bottom
    vmax = _nice_max(max([v for v in values if v is not None] + [0]))
    if fmt == "int" and vmax >= 4:
        vmax = 4 * _nice_max(vmax / 4) if vmax % 4 else vmax
        vmax = float(4 * int(-(-vmax // 4)))
    body = []
    for k in range(5):
        y = top + ph - ph * k / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        body.append(_t(left - 6, y, fmt_value(vmax * k / 4, fmt), 11, "end", fill="#666"))
    step = pw / n
    bw = min(step * 0.6, 70)
    for i, (c, v) in enumerate(zip(categories, values)):
        h = ph * (v or 0) / vmax
        x = left + step * i + (step - bw) / 2
        body.append(f'<rect x="{x:.1f}" y="{top + ph - h:.1f}" width="{bw:.1f}" height="{max(h, 0):.1f}" fill="{color}" rx="2">'
                    f'<title>{escape(f"{c}：{with_unit(v, fmt, unit)}")}</title></rect>')
        body.append(_t(x + bw / 2, top + ph - h - 9, fmt_value(v, fmt), 11, "middle"))
        body.append(_t(x + bw / 2, top + ph + 16, c, 12, "middle"))
    body.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#999"/>')
    if unit:
        body.append(_t(left - 6, top - 14, f"单位：{unit}", 11, "start", fill="#666"))
    return _svg(WIDTH, height, title, body, "bar")


def hbar(categories: list[str], values: list[float], title: str, unit: str = "", fmt: str = "int",
         color: str = PALETTE[0]) -> Markup:
    """Horizontal bars: long Chinese labels (zones, managers) stay readable."""
    row = 28
    left, right, top = 150, 90, 40
    height = top + row * max(len(categories), 1) + 16
    pw = WIDTH - left - right
    vmax = max([v for v in values if v is not None] + [0]) or 1
    body = []
    for i, (c, v) in enumerate(zip(categories, values)):
        y = top + row * i
        w = pw * max(v or 0, 0) / vmax
        body.append(_t(left - 8, y + row / 2, _short(c, 10), 12, "end"))
        body.append(f'<rect x="{left}" y="{y + 5:.1f}" width="{w:.1f}" height="{row - 10}" fill="{color}" rx="2">'
                    f'<title>{escape(f"{c}：{with_unit(v, fmt, unit)}")}</title></rect>')
        body.append(_t(left + w + 6, y + row / 2, fmt_value(v, fmt) + ("" if fmt == "pct" else f" {unit}"), 11))
    body.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - 16}" stroke="#999"/>')
    return _svg(WIDTH, height, title, body, "hbar")


def grouped(categories: list[str], series: list[tuple[str, list[float]]], title: str, unit: str = "",
            fmt: str = "int") -> Markup:
    """Horizontal grouped bars, one colour per series, with a legend."""
    k = max(len(series), 1)
    bar_h, gap = 11, 10
    group = bar_h * k + gap
    left, right, top = 150, 80, 62
    height = top + group * max(len(categories), 1) + 10
    pw = WIDTH - left - right
    vmax = max([v for _n, vals in series for v in vals if v is not None] + [0]) or 1
    body = []
    lx = left
    for j, (name, _vals) in enumerate(series):
        body.append(f'<rect x="{lx}" y="32" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>')
        body.append(_t(lx + 16, 38, name, 12))
        lx += 24 + 14 * len(name) + 20
    for i, c in enumerate(categories):
        y0 = top + group * i
        body.append(_t(left - 8, y0 + bar_h * k / 2, _short(c, 10), 12, "end"))
        for j, (name, vals) in enumerate(series):
            v = vals[i] if i < len(vals) else None
            w = pw * max(v or 0, 0) / vmax
            y = y0 + bar_h * j
            body.append(f'<rect x="{left}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 1}" fill="{PALETTE[j % len(PALETTE)]}">'
                        f'<title>{escape(f"{c} {name}：{with_unit(v, fmt, unit)}")}</title></rect>')
            body.append(_t(left + w + 4, y + bar_h / 2, fmt_value(v, fmt), 10, fill="#555"))
    body.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{height - 8}" stroke="#999"/>')
    return _svg(WIDTH, height, title, body, "grouped")


def funnel(stages: list[str], counts: list[float], amounts: list[float] | None, title: str, unit: str = "个") -> Markup:
    """Centred bars, width by count, each labelled with count and amount (万元)."""
    row = 40
    top = 36
    height = top + row * max(len(stages), 1) + 8
    centre, maxw = WIDTH / 2, WIDTH - 260
    cmax = max(counts + [0]) or 1
    body = []
    for i, st in enumerate(stages):
        c = counts[i] or 0
        w = max(maxw * c / cmax, 4)
        y = top + row * i
        color = PALETTE[i % len(PALETTE)]
        body.append(f'<rect x="{centre - w / 2:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{color}" rx="3">'
                    f'<title>{escape(f"{st}：{fmt_value(c)}{unit}")}</title></rect>')
        body.append(_t(centre - maxw / 2 - 10, y + row / 2, st, 13, "end", "bold"))
        label = f"{fmt_value(c)} {unit}" + (f" · {fmt_value(amounts[i], 'wan')} 万元" if amounts else "")
        body.append(_t(centre + maxw / 2 + 10, y + row / 2, label, 12))
    return _svg(WIDTH, height, title, body, "funnel")


def flow(tiers: list[str], matrix: list[list[int]], title: str, unit: str = "户") -> Markup:
    """Tier flow as a grid: rows are last month's tiers, columns this month's; each cell the
    customers that moved so. Green cells moved up a tier, red ones down, blue ones stayed."""
    n = len(tiers)
    cell_w, cell_h = min(64, (WIDTH - 200) / max(n + 1, 1)), 30
    left, top = 120, 78
    height = top + cell_h * (n + 1) + 44
    grid_w = cell_w * (n + 1)
    x0 = left + (WIDTH - left - 40 - grid_w) / 2
    body = [_t(x0 + cell_w * n / 2, top - 40, "本月等级 →", 12, "middle", fill="#666"),
            _t(x0 - 70, top + cell_h * n / 2, "上月等级", 12, "middle", fill="#666")]
    diag_max = max([matrix[i][i] for i in range(n)] + [1])
    col_tot = [sum(matrix[i][j] for i in range(n)) for j in range(n)]
    for j, t in enumerate(tiers + ["合计"]):
        body.append(_t(x0 + cell_w * j + cell_w / 2, top - 14, t, 12, "middle", "bold"))
    for i, t in enumerate(tiers):
        y = top + cell_h * i
        body.append(_t(x0 - 8, y + cell_h / 2, t, 12, "end", "bold"))
        for j in range(n):
            c = matrix[i][j]
            if i == j:
                alpha = 0.15 + 0.55 * c / diag_max
                fill, text = f"rgba(47,110,186,{alpha:.2f})", "#1d3d66"
            elif c:
                fill, text = (UP if j < i else DOWN), "#fff"
            else:
                fill, text = "#fafafa", "#bbb"
            label = f"{tiers[i]} → {tiers[j]}：{c} {unit}"
            body.append(f'<rect x="{x0 + cell_w * j:.1f}" y="{y:.1f}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" '
                        f'fill="{fill}" rx="2"><title>{escape(label)}</title></rect>')
            body.append(_t(x0 + cell_w * j + cell_w / 2 - 1, y + cell_h / 2, str(c) if c else "·", 12, "middle",
                           "bold" if (c and i != j) else "normal", text))
        body.append(_t(x0 + cell_w * n + cell_w / 2, y + cell_h / 2, str(sum(matrix[i])), 12, "middle", fill="#333"))
    y = top + cell_h * n
    body.append(_t(x0 - 8, y + cell_h / 2, "合计", 12, "end", "bold"))
    for j in range(n):
        body.append(_t(x0 + cell_w * j + cell_w / 2, y + cell_h / 2, str(col_tot[j]), 12, "middle", fill="#333"))
    ups = sum(matrix[i][j] for i in range(n) for j in range(n) if j < i)
    downs = sum(matrix[i][j] for i in range(n) for j in range(n) if j > i)
    ly = height - 18
    body.append(f'<rect x="{x0}" y="{ly - 6}" width="12" height="12" fill="{UP}"/>')
    body.append(_t(x0 + 16, ly, f"升级 {ups} {unit}", 12))
    body.append(f'<rect x="{x0 + 110}" y="{ly - 6}" width="12" height="12" fill="{DOWN}"/>')
    body.append(_t(x0 + 126, ly, f"降级 {downs} {unit}", 12))
    body.append(f'<rect x="{x0 + 220}" y="{ly - 6}" width="12" height="12" fill="rgba(47,110,186,0.5)"/>')
    body.append(_t(x0 + 236, ly, "等级不变", 12))
    return _svg(WIDTH, height, title, body, "flow")


def _short(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def draw(chart: Chart) -> Markup:
    if chart.kind == "bar":
        return bar(chart.categories, chart.series[0].values, chart.title, chart.unit, chart.fmt)
    if chart.kind == "hbar":
        return hbar(chart.categories, chart.series[0].values, chart.title, chart.unit, chart.fmt)
    if chart.kind == "grouped":
        return grouped(chart.categories, [(s.name, s.values) for s in chart.series], chart.title, chart.unit, chart.fmt)
    if chart.kind == "funnel":
        amounts = chart.series[1].values if len(chart.series) > 1 else None
        return funnel(chart.categories, chart.series[0].values, amounts, chart.title, chart.unit)
    if chart.kind == "flow":
        return flow(chart.categories, chart.matrix, chart.title, chart.unit)
    raise ValueError(f"unknown chart kind {chart.kind}")
