"""The node layout of an OR-Tools model of a `Problem`.

Nodes are: one per depot, one per stop, then copies of each disposal site (a node is visited
at most once, and a truck may unload at the same site many times a day). A route in the
"visit code" used between modules is a list of ints: a stop index `s >= 0`, or a disposal site
`-(site + 1)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimizer.model import NO_LIMIT_S, Problem


def disposal_code(site: int) -> int:
    return -(site + 1)


def site_of(code: int) -> int:
    return -code - 1


@dataclass(frozen=True)
class NodeLayout:
    """Which place each node is, its location, and the node matrices."""

    n_depots: int
    n_stops: int
    copy_site: np.ndarray  # site index of each disposal copy node
    location: np.ndarray  # location of each node
    service_s: np.ndarray  # service (or unload) time at each node
    distance: np.ndarray  # node x node (a stop's arc to a depot goes via its final site)
    travel_s: np.ndarray  # node x node, travel only (to a depot from a stop: via the site,
    #                       unload time included)
    final_site: np.ndarray | None  # (node, depot) -> site of the implicit last unload

    @property
    def n_nodes(self) -> int:
        return int(self.location.shape[0])

    def stop_node(self, s: int) -> int:
        return self.n_depots + s

    def first_copy_node(self) -> int:
        return self.n_depots + self.n_stops

    def copies_by_site(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        base = self.first_copy_node()
        for k, site in enumerate(self.copy_site.tolist()):
            out.setdefault(site, []).append(base + k)
        return out


def count_disposal_copies(problem: Problem, extra: int = 2) -> list[int]:
    """How many node copies each disposal site gets: enough trips for the whole fleet."""
    sites = problem.disposal_sites
    if not sites:
        return []
    total_l = sum(s.volume_l for s in problem.stops)
    caps = [max(1, v.capacity_l) for v in problem.vehicles]
    per_vehicle = []
    for v in problem.vehicles:
        day = min(total_l, v.max_volume_l_per_day or total_l)
        per_vehicle.append(math.ceil(day / max(1, v.capacity_l)) + 1)
    trips = min(
        sum(per_vehicle), math.ceil(1.3 * total_l / (sum(caps) / len(caps))) + len(caps) + extra
    )
    if len(sites) == 1:
        return [trips]
    site_locs = np.array([s.location for s in sites])
    stop_locs = np.array([s.location for s in problem.stops], dtype=np.int64)
    if stop_locs.size == 0:
        return [1] * len(sites)
    nearest = problem.distance_m[np.ix_(stop_locs, site_locs)].argmin(axis=1)
    share = np.bincount(nearest, minlength=len(sites)) / len(stop_locs)
    return [min(trips, math.ceil(trips * float(w) * 1.5) + extra) for w in share]


def build_layout(problem: Problem, copies: list[int] | None = None) -> NodeLayout:
    """Lay out nodes and cut the node matrices out of the location matrices."""
    copies = count_disposal_copies(problem) if copies is None else copies
    copy_site = np.repeat(np.arange(len(problem.disposal_sites)), copies).astype(np.int64)
    location = np.array(
        [d.location for d in problem.depots]
        + [s.location for s in problem.stops]
        + [problem.disposal_sites[k].location for k in copy_site.tolist()],
        dtype=np.int64,
    )
    service = np.array(
        [0] * len(problem.depots)
        + [s.service_s for s in problem.stops]
        + [problem.disposal_sites[k].unload_s for k in copy_site.tolist()],
        dtype=np.int64,
    )
    ix = np.ix_(location, location)
    layout = NodeLayout(
        n_depots=len(problem.depots),
        n_stops=len(problem.stops),
        copy_site=copy_site,
        location=location,
        service_s=service,
        distance=problem.distance_m[ix],
        travel_s=problem.duration_s[ix],
        final_site=None,
    )
    return _route_returns_via_sites(problem, layout)


FINAL_UNLOAD_OPEN_SLACK_S = 4 * 3600


def final_unload_sites(problem: Problem) -> list[int]:
    """Sites fit for the implicit last unload: open until the end of every shift, and from
    early enough (`FINAL_UNLOAD_OPEN_SLACK_S` after the first shift starts; a truck back
    sooner waits, and the checker guards the rare case), accepting every fraction."""
    first = min(v.shift_start_s for v in problem.vehicles)
    last = max(v.shift_end_s for v in problem.vehicles)
    present = {s.fraction for s in problem.stops if s.fraction is not None}
    return [
        k
        for k, d in enumerate(problem.disposal_sites)
        if d.open_s <= first + FINAL_UNLOAD_OPEN_SLACK_S
        and d.close_s >= last
        and (d.fractions is None or present <= set(d.fractions))
    ]


def _route_returns_via_sites(problem: Problem, lay: NodeLayout) -> NodeLayout:
    """Make each stop's arc to a depot pass through the best site: the last unload of a route
    is implied by its return, so a single stop can open a new route (insertion heuristics
    add one node at a time and could never start a route that must end with an unload)."""
    sites = final_unload_sites(problem)
    if not sites:
        return lay
    site_loc = np.array([problem.disposal_sites[k].location for k in sites], dtype=np.int64)
    unload = np.array([problem.disposal_sites[k].unload_s for k in sites], dtype=np.int64)
    rows = np.arange(lay.n_depots, lay.first_copy_node())
    final = np.full((lay.n_nodes, lay.n_depots), -1, dtype=np.int64)
    for d in range(lay.n_depots):
        dep = lay.location[d]
        via = (
            problem.distance_m[np.ix_(lay.location[rows], site_loc)]
            + problem.distance_m[site_loc, dep][None, :]
        )
        best = via.argmin(axis=1)
        pick = site_loc[best]
        lay.distance[rows, d] = via[np.arange(len(rows)), best]
        lay.travel_s[rows, d] = (
            problem.duration_s[lay.location[rows], pick]
            + unload[best]
            + problem.duration_s[pick, dep]
        )
        final[rows, d] = np.array(sites, dtype=np.int64)[best]
    return NodeLayout(
        lay.n_depots,
        lay.n_stops,
        lay.copy_site,
        lay.location,
        lay.service_s,
        lay.distance,
        lay.travel_s,
        final,
    )


def needs_time_dimension(problem: Problem) -> bool:
    """True when any window, shift, break or unload time can bind."""
    if any(v.lunch or v.shift_end_s < NO_LIMIT_S or v.shift_start_s > 0 for v in problem.vehicles):
        return True
    if any(s.window_start_s > 0 or s.window_end_s < NO_LIMIT_S for s in problem.stops):
        return True
    return any(d.open_s > 0 or d.close_s < NO_LIMIT_S for d in problem.disposal_sites)
