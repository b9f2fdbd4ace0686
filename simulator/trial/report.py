"""Trial reports: a table for the terminal and a self-contained HTML page with SVG plots
(fill at emptying, km per day, a map of one day's routes). No plotting library: plain SVG."""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np

from simulator.trial.metrics import StrategyResult

COLOURS = {"fixed": "#d95f02", "threshold": "#7570b3", "forecast": "#1b9e77"}
ROWS = (
    ("km", "km", "{:,.1f}"), ("  of which to/from depot and sites", "haul_km", "{:,.1f}"),
    ("driving hours", "driving_h", "{:,.1f}"),
    ("route hours", "route_h", "{:,.1f}"), ("trucks used (truck-days)", "truck_days", "{:,}"),
    ("collections", "collections", "{:,}"),
    ("avg fill at emptying", "avg_fill_at_emptying", "{:.1%}"),
    ("service level", "service_level", "{:.3%}"),
    ("overflow container-days", "overflow_container_days", "{:,}"),
    ("overflow volume (l)", "overflow_l", "{:,.0f}"),
    ("routes per day", "routes_per_day", "{:.1f}"), ("disposal trips", "disposal_trips", "{:,}"),
    ("required stops unserved", "unserved_required", "{:,}"),
    ("solve time (s)", "solve_s", "{:,.1f}"),
    ("optimizer failures", "solver_failures", "{:,}"),
)


def savings(results: Mapping[str, StrategyResult], base: str = "fixed",
            key: str = "km") -> dict[str, float]:
    """What each strategy saves against `base` of a summary figure (`key`: km, route_h,
    truck_days), as a share (0.4 = 40% fewer)."""
    if base not in results or results[base].summary()[key] <= 0:
        return {}
    ref = results[base].summary()[key]
    return {n: 1 - r.summary()[key] / ref for n, r in results.items() if n != base}


def _saving_lines(results: Mapping[str, StrategyResult]) -> list[str]:
    km, hours, trucks = (savings(results, key=k) for k in ("km", "route_h", "truck_days"))
    return [f"{name}: {_share(share, 'km')}, {_share(hours.get(name, 0.0), 'route hours')}, "
            f"{_share(trucks.get(name, 0.0), 'truck-days')} than fixed"
            for name, share in km.items()]


def _share(share: float, what: str) -> str:
    return f"{share:.1%} fewer {what}" if share >= 0 else f"{-share:.1%} more {what}"


def render_table(results: Mapping[str, StrategyResult]) -> str:
    names = list(results)
    summaries = {n: r.summary() for n, r in results.items()}
    width = max(len(label) for label, _, _ in ROWS) + 2
    lines = ["".ljust(width) + "".join(n.rjust(14) for n in names)]
    for label, key, fmt in ROWS:
        lines.append(label.ljust(width) + "".join(fmt.format(summaries[n][key]).rjust(14)
                                                  for n in names))
    lines.extend(_saving_lines(results))
    return "\n".join(lines)


def results_json(results: Mapping[str, StrategyResult]) -> dict:
    """The JSON of a trial's figures: each strategy's totals and its per-day list."""
    return {"results": {n: r.summary() for n, r in results.items()},
            "per_day": {n: r.per_day() for n, r in results.items()},
            "savings_vs_fixed": {key: {n: round(v, 4) for n, v in savings(results, key=key).items()}
                                 for key in ("km", "route_h", "truck_days")}}


def _svg_histograms(results: Mapping[str, StrategyResult], w: int = 640, h: int = 240) -> str:
    bins = np.linspace(0, 1, 21)
    counts = {n: np.histogram(np.clip(r.fills_at_emptying, 0, 1), bins)[0] / max(1, r.collections)
              for n, r in results.items()}
    top = max((c.max() for c in counts.values() if c.size), default=1) or 1
    parts = [f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}">']
    bw = (w - 60) / 20 / max(1, len(results))
    for k, (name, c) in enumerate(counts.items()):
        for b, share in enumerate(c):
            bh = (h - 40) * share / top
            x = 40 + b * (w - 60) / 20 + k * bw
            parts.append(f'<rect x="{x:.1f}" y="{h - 20 - bh:.1f}" width="{bw:.1f}" '
                         f'height="{bh:.1f}" fill="{COLOURS.get(name, "#666")}"/>')
    for b in range(0, 21, 5):
        x = 40 + b * (w - 60) / 20
        parts.append(f'<text x="{x:.0f}" y="{h - 4}" font-size="11">{b * 5}%</text>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_km(results: Mapping[str, StrategyResult], w: int = 640, h: int = 240) -> str:
    top = max((max(r.km_per_day, default=0) for r in results.values()), default=1) or 1
    parts = [f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}">']
    for name, r in results.items():
        n = max(1, len(r.km_per_day) - 1)
        pts = " ".join(f"{40 + i * (w - 60) / n:.1f},{h - 20 - (h - 40) * km / top:.1f}"
                       for i, km in enumerate(r.km_per_day))
        parts.append(f'<polyline fill="none" stroke="{COLOURS.get(name, "#666")}" '
                     f'stroke-width="2" points="{pts}"/>')
    parts.append(f'<text x="2" y="14" font-size="11">{top:,.0f} km</text>'
                 f'<text x="2" y="{h - 22}" font-size="11">0</text></svg>')
    return "".join(parts)


def _per_day_table(results: Mapping[str, StrategyResult]) -> str:
    """km, route hours and trucks of every day, per strategy."""
    names = list(results)
    head = "".join(f"<th colspan=3>{html.escape(n)}</th>" for n in names)
    sub = "<th>km</th><th>route h</th><th>trucks</th>" * len(names)
    rows = []
    first = results[names[0]] if names else None
    for k, day in enumerate(first.dates if first else []):
        cells = []
        for n in names:
            d = results[n].days[k] if k < len(results[n].days) else None
            cells.append("<td></td>" * 3 if d is None else
                         f"<td>{d.km:,.1f}</td><td>{d.route_h:,.1f}</td><td>{d.trucks}</td>")
        rows.append(f"<tr><td>{day:%a %d %b}</td>{''.join(cells)}</tr>")
    return (f"<table><tr><th></th>{head}</tr><tr><th></th>{sub}</tr>{''.join(rows)}"
            "</table>")


def _busiest_day(r: StrategyResult) -> int:
    return int(np.argmax(r.km_per_day)) if r.km_per_day else 0


def _svg_map(r: StrategyResult, day: int, w: int = 640, h: int = 640) -> str:
    paths = r.paths_by_day.get(day, [])
    pts = [p for path in paths for p in path]
    if not pts:
        return "<p>no routes that day</p>"
    lat = np.array([p[0] for p in pts])
    lon = np.array([p[1] for p in pts])
    scale_lon = np.cos(np.radians(lat.mean()))
    span = max(np.ptp(lat), np.ptp(lon) * scale_lon) or 1e-3

    def xy(p):
        return (20 + (p[1] - lon.min()) * scale_lon / span * (w - 40),
                h - 20 - (p[0] - lat.min()) / span * (h - 40))

    palette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"]
    parts = [f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" style="background:#f7f7f7">']
    for k, path in enumerate(paths):
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, path))
        parts.append(f'<polyline fill="none" stroke="{palette[k % len(palette)]}" '
                     f'stroke-width="1.2" points="{coords}"/>')
        for x, y in map(xy, path[1:-1]):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.6" '
                         f'fill="{palette[k % len(palette)]}"/>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(results: Mapping[str, StrategyResult], title: str, notes: str = "") -> str:
    """A self-contained HTML report."""
    names = list(results)
    summaries = {n: r.summary() for n, r in results.items()}
    head = "".join(f"<th style='color:{COLOURS.get(n, '#000')}'>{html.escape(n)}</th>"
                   for n in names)
    rows = "".join(
        f"<tr><td>{label}</td>" + "".join(f"<td>{fmt.format(summaries[n][key])}</td>"
                                          for n in names) + "</tr>"
        for label, key, fmt in ROWS)
    saved = "".join(f"<li>{html.escape(line)}</li>" for line in _saving_lines(results))
    map_name = "forecast" if "forecast" in results else names[0]
    day = _busiest_day(results[map_name])
    date = results[map_name].dates[day] if results[map_name].dates else ""
    legend = " ".join(f"<span style='color:{COLOURS.get(n, '#000')}'>&#9632; {html.escape(n)}"
                      f"</span>" for n in names)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:760px;margin:2em auto}}td,th{{padding:2px 10px;
text-align:right}}td:first-child{{text-align:left}}</style></head><body>
<h1>{html.escape(title)}</h1><p>{html.escape(notes)}</p>
<table><tr><th></th>{head}</tr>{rows}</table><ul>{saved}</ul>
<h2>Fill at emptying</h2><p>{legend}</p>{_svg_histograms(results)}
<h2>Km per day</h2><p>{legend}</p>{_svg_km(results)}
<h2>Per day</h2>{_per_day_table(results)}
<h2>Routes of {html.escape(map_name)} on {date} (its busiest day)</h2>
{_svg_map(results[map_name], day)}
</body></html>"""
