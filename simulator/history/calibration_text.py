"""The calibration report as text: what was used, what was dropped and why."""

from __future__ import annotations

from simulator.history.calibrate import Calibration

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def calibration_text(cal: Calibration) -> str:
    r = cal.report
    lines = [
        f"calibration of {r['file']} ({r['layout']} layout)",
        f"  rows: {r['rows']:,}; dropped: " + ", ".join(
            f"{n:,} {why}" for why, n in r["rows_dropped"].items()),
        f"  whole-cluster weighings kept: {r['rows_whole_cluster']:,}",
        f"  ids: {r['ids']:,} -> sites: {r['sites']:,} ({r['ids_joined_as_rebuilt']:,} ids "
        "joined to the site they rebuilt)",
        f"  visits: {r['visits']:,} ({r['visits_partly_imputed']:,} with some weighings 0 or "
        f"negative, kg from the others; {r['visits_without_usable_kg']:,} without any usable "
        f"weighing; {r['visits_heavier_than_the_site_holds']:,} heavier than the site holds, "
        "dropped)",
        f"  intervals between visits: {r['intervals']:,}, used {r['intervals_used']:,}; "
        "dropped: " + ", ".join(f"{n:,} {why}" for why, n in r["intervals_dropped"].items()),
        f"  days without any data: {', '.join(r['days_without_data']) or 'none'}",
        f"  sites with an estimated rate (recorded too rarely): {r['sites_estimated']:,}",
        "  containers per site: " + ", ".join(f"{k}: {v:,}" for k, v in
                                               r["containers_per_site"].items()),
        f"  density: {r['density_kg_per_l']:.3f} kg/l (from {r['density_from']})",
        "  weekday factor: " + ", ".join(f"{d} {f:.2f}" for d, f in zip(
            WEEKDAYS, r["weekday_factor"], strict=True)),
        "  month factor: " + ", ".join(f"{f:.2f}" for f in r["month_factor"]),
        f"  median site rate: {r['rate_kg_per_day_median']:.1f} kg/day",
    ]
    return "\n".join(lines)
