"""The risk policy: which containers to empty today, looking over the coming service days.

For each container and each coming chance (today and the next `horizon_chances` service
days, each at the end of its shift, the latest a truck reaches a stop), `planning.risk` gives
P(it has overflowed by then). The container **falls due** on the last chance before that
probability passes the tenant's threshold (`risk_threshold`, default 1%): it must be emptied
on that chance at the latest. The tentative plan of the coming days is that: each container
on its due day; it is re-made every morning from the new readings, and only today's is
committed.

- **must**: an alarm, or due today (not emptied today, its risk before the next chance passes
  the threshold).
- **optional**, with a prize in metres of driving (the optimizer's cost unit): what taking it
  today saves against taking it later,
      prize = risk before the next chance x overflow cost
              + visit cost on its due day - typical visit cost x (1 - fill today / fill then)
  The visit costs are detours: the cheapest insertion between the two nearest containers of
  its fraction due the same day (`insertion_costs_m`), at most `lonely_visit_m`. So a
  container whose due day finds it alone (its neighbours fall due on other days) is worth
  picking up today when a truck passes, while one whose area falls due together waits for
  that day's sweep; emptying early costs the part of a visit it wastes (the fill it had not
  reached). The optimizer takes an optional stop only when its detour today is cheaper than
  its prize: close to today's routes it is taken, a lonely one waits.
- **skip**: no prize, or at or below the skip level at service.

Groningen's policy (Wouda, Aerts-Veenstra and van Foreest 2024) is myopic: it prices an
optional cluster by rho x P(overflow before the next plan) and requires it when that passes
0.99. This policy requires a container far earlier (at 1%: a service level per container and
chance), looks over several service days, and prices the visit a pick-up today saves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from planning.forecast import Forecast
from planning.risk import Uncertainty, overflow_probability

EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True, slots=True)
class Chance:
    """A day trucks can empty a container: its typical service time and its shift's end."""

    day: date
    service_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class Outlook:
    """One container over the horizon."""

    container_id: int
    risks: tuple[float, ...]  # P(overflowed by the end of each chance's shift), today first
    due_index: int  # the chance it must be emptied on at the latest; len(chances): later
    fill_today: float
    fill_due: float

    @property
    def risk_next(self) -> float:
        """P(overflow before the next chance, if not emptied today)."""
        return self.risks[1] if len(self.risks) > 1 else self.risks[0]


def outlooks(forecasts: Mapping[int, Forecast], uncertainties: Mapping[int, Uncertainty],
             chances: Sequence[Chance], threshold: float) -> dict[int, Outlook]:
    """Each container's risks at each chance and the chance it falls due on."""
    out = {}
    last = len(chances) - 1
    for cid, f in forecasts.items():
        u = uncertainties[cid]
        risks = tuple(overflow_probability(f, u, c.end_s) for c in chances)
        due = next((k for k in range(last) if risks[k + 1] > threshold), last + 1)
        at = chances[min(due, last)].service_s
        out[cid] = Outlook(cid, risks, due, f.fill_at(chances[0].service_s),
                           min(1.0, f.fill_at(at)))
    return out


def distances_m(lat: np.ndarray, lon: np.ndarray, detour_factor: float) -> np.ndarray:
    """Pairwise great-circle distances times a road detour factor."""
    la, lo = np.radians(lat), np.radians(lon)
    h = (np.sin((la[:, None] - la[None, :]) / 2) ** 2
         + np.cos(la[:, None]) * np.cos(la[None, :]) * np.sin((lo[:, None] - lo[None, :]) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1))) * detour_factor


def insertion_costs_m(dist: np.ndarray, members: np.ndarray, cap_m: float) -> np.ndarray:
    """For every point, the detour of inserting it between its two nearest `members` (a
    boolean mask; a point is never its own neighbour): d(i,a) + d(i,b) - d(a,b); twice the
    distance to the only member; `cap_m` without any. At most `cap_m`."""
    n = dist.shape[0]
    idx = np.flatnonzero(members)
    out = np.full(n, cap_m)
    if idx.shape[0] == 0:
        return out
    sub = dist[:, idx].copy()
    sub[idx, np.arange(idx.shape[0])] = np.inf  # not its own neighbour
    if idx.shape[0] == 1:
        one = 2 * sub[:, 0]
        return np.minimum(np.where(np.isfinite(one), one, cap_m), cap_m)
    near = np.argpartition(sub, 1, axis=1)[:, :2]
    a, b = idx[near[:, 0]], idx[near[:, 1]]
    rows = np.arange(n)
    cost = dist[rows, a] + dist[rows, b] - dist[a, b]
    cost = np.where(np.isfinite(sub[rows, near[:, 1]]), cost, 2 * sub[rows, near[:, 0]])
    return np.minimum(np.where(np.isfinite(cost), cost, cap_m), cap_m)


@dataclass(frozen=True, slots=True)
class VisitCosts:
    """Per container: the detour of a visit on its due day, and on a typical day."""

    due_m: dict[int, float]
    typical_m: dict[int, float]


def visit_costs(views: Mapping[int, Outlook], locations: Mapping[int, tuple[float, float]],
                groups: Mapping[int, str], n_chances: int, detour_factor: float,
                lonely_visit_m: float) -> VisitCosts:
    """The detour each container's visit would cost among those of its group (fraction) that
    fall due the same day, on its due day and, as the median over the horizon's days, on a
    typical day."""
    due_m: dict[int, float] = {}
    typical_m: dict[int, float] = {}
    by_group: dict[str, list[int]] = {}
    for cid in views:
        by_group.setdefault(groups.get(cid, ""), []).append(cid)
    for ids in by_group.values():
        lat = np.array([locations[c][0] for c in ids])
        lon = np.array([locations[c][1] for c in ids])
        dist = distances_m(lat, lon, detour_factor)
        due = np.array([views[c].due_index for c in ids])
        per_day = np.stack([insertion_costs_m(dist, due == k, lonely_visit_m)
                            for k in range(1, n_chances + 1)])  # the last: due later
        typical = np.median(per_day, axis=0)
        for j, cid in enumerate(ids):
            k = due[j]
            due_m[cid] = float(per_day[k - 1, j]) if 1 <= k <= n_chances else float(typical[j])
            typical_m[cid] = float(typical[j])
    return VisitCosts(due_m, typical_m)


@dataclass(frozen=True, slots=True)
class Prize:
    """An optional container's prize and its parts (metres of driving)."""

    total_m: float
    overflow_m: float
    due_visit_m: float
    wasted_share: float  # the part of a visit lost by emptying before it is due


def prize_of(view: Outlook, costs: VisitCosts, overflow_cost_m: float) -> Prize:
    """What taking the container today saves against taking it later (see the module)."""
    cid = view.container_id
    wasted = 1.0 - min(1.0, max(0.0, view.fill_today) / max(view.fill_due, 1e-6))
    overflow = view.risk_next * overflow_cost_m
    due = costs.due_m[cid]
    return Prize(max(0.0, overflow + due * (1.0 - wasted)), overflow, due, wasted)


def explain(view: Outlook, prize: Prize, chances: Sequence[Chance], threshold: float) -> str:
    """The reason text of an optional or skipped container under the risk policy."""
    when = (chances[view.due_index].day.isoformat() if view.due_index < len(chances)
            else f"after {chances[-1].day.isoformat()}")
    return (f"risk {_pct(view.risk_next)} of overflowing before the next chance "
            f"{chances[1].day.isoformat() if len(chances) > 1 else ''} (threshold "
            f"{_pct(threshold)}); due {when} at {view.fill_due:.0%}, {view.fill_today:.0%} "
            f"today; prize {prize.total_m:,.0f} m = {prize.overflow_m:,.0f} m overflow risk + "
            f"visit then {prize.due_visit_m:,.0f} m x {1 - prize.wasted_share:.0%} not wasted")


def _pct(p: float) -> str:
    return f"{p:.2%}" if p < 0.1 else f"{p:.0%}"


def must_reason(view: Outlook, chances: Sequence[Chance], threshold: float) -> str:
    if view.risks[0] > threshold:
        return (f"risk {_pct(view.risks[0])} of overflowing by the end of today's shift "
                f"(> threshold {_pct(threshold)}); {view.fill_today:.0%} at service")
    nxt = chances[1].day.isoformat() if len(chances) > 1 else "the next chance"
    return (f"risk {_pct(view.risk_next)} of overflowing before the next chance {nxt} "
            f"(> threshold {_pct(threshold)}); {view.fill_today:.0%} at service")
