"""The municipality's report: a self-contained HTML page in Dutch or English for a council
and a waste department, and the JSON with the same figures per strategy and per day.

Per strategy: km, route hours, trucks (truck-days), lifts, fill at emptying, overflows, kg
collected, diesel, CO2 and cost; per day: km, trucks and (where the trial records them) the
other figures; charts of km per day and fill at emptying; a map of the sites and one day's
routes; and the assumptions: density, calibration, distances, scaling and cost factors.
"""

from __future__ import annotations

import html
from dataclasses import asdict

import numpy as np

from simulator.history.calibrate import Calibration
from simulator.history.costs import CostFactors, StrategyCosts, strategy_costs
from simulator.history.trial import HistoryTrialResult

COLOURS = {"replay": "#444444", "practice": "#7570b3", "fixed": "#d95f02",
           "forecast": "#1b9e77", "perfect": "#e7298a", "threshold": "#66a61e"}
TEXT = {
    "nl": {"title": "Proef op eigen historie", "strategy": "strategie", "km": "km",
           "route_h": "rituren", "trucks": "wagen-dagen", "lifts": "ledigingen (containers)",
           "fill": "vulgraad bij legen", "service": "serviceniveau",
           "overflows": "overvolle container-dagen", "kg": "kg ingezameld",
           "diesel": "diesel (l)", "co2": "CO2 (kg)", "cost": "kosten (EUR)",
           "vs": "t.o.v. eigen inzameling (replay)", "per_day": "Per dag",
           "records": "geregistreerd",
           "day_cells": "km / rituren / wagens / geleegde clusters / vulgraad",
           "day": "dag", "chart_km": "Km per dag", "chart_fill": "Vulgraad bij legen",
           "map": "Kaart: clusters en routes op", "assumptions": "Aannames",
           "replay": "eigen inzameling (nagespeeld)", "practice": "huidige praktijk met sensoren",
           "fixed": "vast schema", "forecast": "wasteroute", "perfect": "perfecte kennis",
           "intro": ("Wat zou wasteroute in uw eigen straten, met uw eigen wagens en uw eigen "
                     "afval hebben gedaan, naast wat u werkelijk deed?")},
    "en": {"title": "Trial on the municipality's own history", "strategy": "strategy",
           "km": "km", "route_h": "route hours", "trucks": "truck-days",
           "lifts": "lifts (containers)", "fill": "fill at emptying",
           "service": "service level", "overflows": "overflow container-days",
           "kg": "kg collected", "diesel": "diesel (l)", "co2": "CO2 (kg)",
           "cost": "cost (EUR)", "vs": "against the city's own collections (replay)",
           "per_day": "Per day", "day": "day", "records": "recorded",
           "day_cells": "km / route hours / trucks / clusters emptied / fill",
           "chart_km": "Km per day",
           "chart_fill": "Fill at emptying", "map": "Map: clusters and routes on",
           "assumptions": "Assumptions", "replay": "own collections (replayed)",
           "practice": "current practice with sensors", "fixed": "fixed schedule",
           "forecast": "wasteroute", "perfect": "perfect information",
           "intro": ("What would wasteroute have done in your own streets, with your own "
                     "trucks and your own waste, next to what you really did?")},
}


def containers_per_site(res: HistoryTrialResult) -> float:
    """Mean containers per site (the city's container model is `{n}x{m3}m3`)."""
    counts = [int(c.model.split("x")[0]) for c in res.history.city.containers]
    return float(np.mean(counts)) if counts else 1.0


def _lifts(res: HistoryTrialResult, collections: int) -> int:
    """Containers lifted, estimated: site visits × mean containers per site."""
    return int(round(collections * containers_per_site(res)))


def summarise(res: HistoryTrialResult, factors: CostFactors) -> dict[str, dict]:
    """Per strategy: the report's figures (units in the names)."""
    out = {}
    for name, r in res.results.items():
        c: StrategyCosts = strategy_costs(r, _lifts(res, r.collections), factors)
        out[name] = {
            "km": round(c.km, 1), "route_h": round(c.route_h, 1), "truck_days": c.truck_days,
            "collections": r.collections, "lifts_est": c.lifts,
            "avg_fill_at_emptying": round(r.avg_fill_at_emptying, 3),
            "service_level": round(r.service_level, 5),
            "overflow_container_days": r.overflow_container_days,
            "kg_collected": round(r.collected_l * res.history.density_kg_per_l),
            "diesel_l": round(c.diesel_l), "co2_kg": round(c.co2_kg), "cost_euro": round(c.euro),
            "unserved_required": r.unserved_required, "solver_failures": r.solver_failures,
            "solve_s": round(r.solve_s, 1), "select_s": round(r.select_s, 1),
        }
    return out


def per_day(res: HistoryTrialResult) -> list[dict]:
    rows = []
    names = list(res.results)
    first = res.results[names[0]]
    for d, day in enumerate(first.dates):
        row: dict = {"date": str(day), "recorded_visits": len(set(
            res.history.recorded_visits.get(day, [])))}
        for n in names:
            row[n] = res.results[n].days[d].as_dict()
            del row[n]["date"]
        rows.append(row)
    return rows


def assumptions(res: HistoryTrialResult, cal: Calibration, factors: CostFactors) -> dict:
    rep = cal.report
    return {
        "density_kg_per_l": round(cal.density_kg_per_l, 4),
        "density_from": rep["density_from"],
        "calibration": {k: rep[k] for k in ("rows", "sites", "ids_joined_as_rebuilt",
                                            "visits", "intervals_used", "intervals_dropped",
                                            "rows_dropped", "sites_estimated",
                                            "days_without_data", "weekday_factor",
                                            "month_factor")},
        "distances": res.distances,
        "scaled": res.config.scale, "scale": round(res.history.scale, 4),
        "recorded_kg": round(res.history.recorded_kg),
        "replay_collected_over_recorded": round(
            res.results["replay"].collected_l * res.history.density_kg_per_l
            / max(1e-9, res.history.recorded_kg), 4) if "replay" in res.results else None,
        "practice_per_day": res.practice_per_day,
        "period": {"start": str(res.config.period.start), "days": res.config.period.days},
        "seed": res.config.seed, "sites": len(res.history.city.containers),
        "trucks": len(res.history.city.vehicles),
        "cost_factors": factors.as_dict(),
    }


def report_json(res: HistoryTrialResult, cal: Calibration, factors: CostFactors) -> dict:
    return {"summary": summarise(res, factors), "per_day": per_day(res),
            "assumptions": assumptions(res, cal, factors), "wall_s": round(res.wall_s, 1),
            "config": {k: v for k, v in asdict(res.config).items() if k != "trial_overrides"}}


def _svg_lines(series: dict[str, list[float]], w: int = 680, h: int = 220) -> str:
    top = max((max(v, default=0.0) for v in series.values()), default=1.0) or 1.0
    parts = [f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}">']
    for name, values in series.items():
        n = max(1, len(values) - 1)
        pts = " ".join(f"{40 + i * (w - 60) / n:.1f},{h - 20 - (h - 40) * v / top:.1f}"
                       for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{COLOURS.get(name, "#666")}" '
                     f'stroke-width="2" points="{pts}"/>')
    parts.append(f'<text x="2" y="14" font-size="11">{top:,.0f}</text>'
                 f'<text x="2" y="{h - 22}" font-size="11">0</text></svg>')
    return "".join(parts)


def _svg_fill(res: HistoryTrialResult, w: int = 680, h: int = 200) -> str:
    bins = np.linspace(0, 1, 11)
    parts = [f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}">']
    k_n = max(1, len(res.results))
    for k, (name, r) in enumerate(res.results.items()):
        share = np.histogram(np.clip(r.fills_at_emptying, 0, 1), bins)[0] / max(1, r.collections)
        for b, s in enumerate(share):
            bw = (w - 60) / 10 / k_n
            x = 40 + b * (w - 60) / 10 + k * bw
            parts.append(f'<rect x="{x:.1f}" y="{h - 20 - (h - 40) * s:.1f}" width="{bw:.1f}" '
                         f'height="{(h - 40) * s:.1f}" fill="{COLOURS.get(name, "#666")}"/>')
    for b in range(0, 11, 2):
        parts.append(f'<text x="{40 + b * (w - 60) / 10:.0f}" y="{h - 4}" '
                     f'font-size="11">{b * 10}%</text>')
    return "".join(parts) + "</svg>"


def _svg_map(res: HistoryTrialResult, name: str, day: int, w: int = 680, h: int = 560) -> str:
    city = res.history.city
    pts = [(c.location.lat, c.location.lon) for c in city.containers]
    paths = res.results[name].paths_by_day.get(day, [])
    lat = np.array([p[0] for p in pts])  # the map covers the clusters; routes to a depot
    lon = np.array([p[1] for p in pts])  # or a disposal site further out leave the frame
    sx = np.cos(np.radians(lat.mean()))
    span = max(float(np.ptp(lat)), float(np.ptp(lon)) * sx) * 1.05 or 1e-3

    def xy(p):
        return (20 + (p[1] - lon.min()) * sx / span * (w - 40),
                h - 20 - (p[0] - lat.min()) / span * (h - 40))

    parts = [f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
             'style="background:#f7f7f7;overflow:hidden">']
    palette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"]
    for k, path in enumerate(paths):
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, path))
        parts.append(f'<polyline fill="none" stroke="{palette[k % 7]}" stroke-width="1.2" '
                     f'points="{coords}"/>')
    for p in pts:
        x, y = xy(p)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.5" fill="#333"/>')
    return "".join(parts) + "</svg>"


def _html_list(items: dict) -> str:
    """Nested lists of the assumptions (dicts become sub-lists, lists comma-separated)."""
    def value(v) -> str:
        if isinstance(v, dict):
            return _html_list(v)
        if isinstance(v, (list, tuple)):
            return html.escape(", ".join(str(x) for x in v) or "-")
        return html.escape(str(v))

    return "<ul>" + "".join(f"<li><b>{html.escape(str(k))}</b>: {value(v)}</li>"
                            for k, v in items.items()) + "</ul>"


def render_html(res: HistoryTrialResult, cal: Calibration, factors: CostFactors,
                lang: str = "nl") -> str:
    t = TEXT[lang]
    summary = summarise(res, factors)
    names = list(summary)
    rows = [("km", "km", "{:,.1f}"), ("route_h", "route_h", "{:,.1f}"),
            ("trucks", "truck_days", "{:,}"), ("lifts", "lifts_est", "{:,}"),
            ("fill", "avg_fill_at_emptying", "{:.1%}"), ("service", "service_level", "{:.2%}"),
            ("overflows", "overflow_container_days", "{:,}"), ("kg", "kg_collected", "{:,}"),
            ("diesel", "diesel_l", "{:,}"), ("co2", "co2_kg", "{:,}"), ("cost", "cost_euro",
                                                                        "{:,}")]
    head = "".join(f"<th style='color:{COLOURS.get(n, '#000')}'>{html.escape(t.get(n, n))}</th>"
                   for n in names)
    body = "".join(f"<tr><td>{t[label]}</td>" + "".join(
        f"<td>{fmt.format(summary[n][key])}</td>" for n in names) + "</tr>"
        for label, key, fmt in rows)
    base = summary.get("replay")
    versus = ""
    if base:
        def change(n: str, key: str) -> str:
            return f"{summary[n][key] / max(base[key], 1e-9) - 1:+.1%}"

        versus = "<ul>" + "".join(
            f"<li>{html.escape(t.get(n, n))}: km {change(n, 'km')}, {t['route_h']} "
            f"{change(n, 'route_h')}, {t['cost']} {change(n, 'cost_euro')} {t['vs']}</li>"
            for n in names if n != "replay") + "</ul>"
    days = per_day(res)
    day_rows = "".join(f"<tr><td>{d['date']}</td><td>{d['recorded_visits']}</td>" + "".join(
        f"<td>{d[n]['km']:,.0f} / {d[n]['route_h']:,.1f} / {d[n]['trucks']} / "
        f"{d[n]['collections']} / {d[n]['avg_fill_at_emptying']:.0%}</td>" for n in names)
        + "</tr>" for d in days)
    map_name = "forecast" if "forecast" in names else names[0]
    busiest = int(np.argmax(res.results[map_name].km_per_day)) if days else 0
    legend = " ".join(f"<span style='color:{COLOURS.get(n, '#000')}'>&#9632; "
                      f"{html.escape(t.get(n, n))}</span>" for n in names)
    a = assumptions(res, cal, factors)
    facts = _html_list(a)
    km_chart = _svg_lines({n: r.km_per_day for n, r in res.results.items()})
    map_title = (f"{t['map']} {days[busiest]['date'] if days else ''} "
                 f"({html.escape(t.get(map_name, map_name))})")
    day_head = f"<tr><th>{t['day']}</th><th>{t['records']}</th>{head}</tr>"
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>{html.escape(t['title'])}: {html.escape(res.history.city.name)}</title>
<style>body{{font-family:sans-serif;max-width:820px;margin:2em auto}}td,th{{padding:2px 8px;
text-align:right}}td:first-child{{text-align:left}}</style></head><body>
<h1>{html.escape(t['title'])}: {html.escape(res.history.city.name)}</h1><p>{t['intro']}</p>
<p>{res.config.period.start}, {res.config.period.days} {t['day']}(s); {a['sites']} clusters,
{a['trucks']} trucks; {html.escape(res.distances)}.</p>
<table><tr><th>{t['strategy']}</th>{head}</tr>{body}</table>{versus}
<h2>{t['chart_km']}</h2><p>{legend}</p>{km_chart}
<h2>{t['chart_fill']}</h2><p>{legend}</p>{_svg_fill(res)}
<h2>{map_title}</h2>
{_svg_map(res, map_name, busiest)}
<h2>{t['per_day']}</h2><p>{t['day_cells']}</p><table>{day_head}
{day_rows}</table>
<h2>{t['assumptions']}</h2>{facts}</body></html>"""
