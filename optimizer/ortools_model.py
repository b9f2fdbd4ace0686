"""Build the OR-Tools routing model of a `Problem`: one function per constraint.

Matrices are registered with `RegisterTransitMatrix` and demands with
`RegisterUnaryTransitVector`; no per-arc Python callbacks. The load dimensions are reset by
unloading: a disposal node has demand -capacity and the dimension has slack up to the
capacity, so the load after an unload can be anything from 0 up (the solver takes 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp

from optimizer.model import NO_LIMIT_S, Problem
from optimizer.nodes import NodeLayout, build_layout, needs_time_dimension

#: Penalty for leaving out a required stop: above any distance plus fixed cost we meet.
REQUIRED_PENALTY = 10**11
COPY_TO_COPY_COST = 10**9


@dataclass
class OrtoolsModel:
    """The routing model and what is needed to read its solutions."""

    problem: Problem
    layout: NodeLayout
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time_dim: pywrapcp.RoutingDimension | None
    breaks: dict[int, object]  # vehicle -> interval var


def build_model(problem: Problem, copies: list[int] | None = None) -> OrtoolsModel:
    """The whole model: arcs, loads, daily limits, stops, time, breaks, fractions, prizes."""
    layout = build_layout(problem, copies)
    starts = [v.depot for v in problem.vehicles]
    ends = [v.end for v in problem.vehicles]
    manager = pywrapcp.RoutingIndexManager(layout.n_nodes, len(problem.vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitMatrix(_arc_costs(layout).tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    for v, vehicle in enumerate(problem.vehicles):
        routing.SetFixedCostOfVehicle(int(vehicle.fixed_cost), v)
    m = OrtoolsModel(problem, layout, manager, routing, None, {})
    _add_load(
        m, "volume", [s.volume_l for s in problem.stops], [v.capacity_l for v in problem.vehicles]
    )
    if any(v.capacity_kg is not None for v in problem.vehicles):
        _add_load(
            m,
            "weight",
            [s.weight_kg for s in problem.stops],
            [NO_LIMIT_S if v.capacity_kg is None else v.capacity_kg for v in problem.vehicles],
        )
    _add_daily_limits(m)
    if needs_time_dimension(problem):
        _add_time(m)
        _add_breaks(m)
    _add_fractions(m)
    _add_disjunctions(m)
    return m


def _arc_costs(layout: NodeLayout):
    """Distance, plus 1 to enter a disposal copy and a prohibitive cost between copies:
    without it insertion heuristics stack free, co-located copies and run out of them."""
    cost = layout.distance.copy()
    first = layout.first_copy_node()
    cost[:, first:] += 1
    cost[first:, first:] = COPY_TO_COPY_COST
    return cost


def _unary(m: OrtoolsModel, stop_values: list[int], site_value: int) -> int:
    lay = m.layout
    values = [0] * lay.n_depots + list(stop_values) + [site_value] * len(lay.copy_site)
    return m.routing.RegisterUnaryTransitVector([int(x) for x in values])


def _add_load(m: OrtoolsModel, name: str, demand: list[int], capacity: list[int]) -> None:
    """Load on board; unloading at a disposal site resets it; every route ends empty."""
    cap_max = max(capacity)
    reload = bool(m.problem.disposal_sites)
    evaluator = _unary(m, demand, -cap_max)
    m.routing.AddDimensionWithVehicleCapacity(
        evaluator, cap_max if reload else 0, [int(c) for c in capacity], True, name
    )
    if reload and m.layout.final_site is None:
        dim = m.routing.GetDimensionOrDie(name)
        for v in range(len(m.problem.vehicles)):
            dim.CumulVar(m.routing.End(v)).SetMax(0)


def _add_daily_limits(m: OrtoolsModel) -> None:
    """Per vehicle per day: at most so many litres, kilograms and stops."""
    vehicles, stops = m.problem.vehicles, m.problem.stops
    limits = [
        ("day_volume", [s.volume_l for s in stops], [v.max_volume_l_per_day for v in vehicles]),
        ("day_weight", [s.weight_kg for s in stops], [v.max_weight_kg_per_day for v in vehicles]),
        ("stops", [1] * len(stops), [v.max_stops for v in vehicles]),
    ]
    for name, demand, caps in limits:
        if all(c is None for c in caps):
            continue
        total = sum(demand)
        caps_int = [int(total if c is None else min(c, total)) for c in caps]
        m.routing.AddDimensionWithVehicleCapacity(_unary(m, demand, 0), 0, caps_int, True, name)


def _add_time(m: OrtoolsModel) -> None:
    """Service start times: travel plus service of the node left; waiting is slack."""
    p, lay, routing, manager = m.problem, m.layout, m.routing, m.manager
    horizon = max(v.shift_end_s for v in p.vehicles)
    matrix = lay.travel_s + lay.service_s[:, None]
    evaluator = routing.RegisterTransitMatrix(matrix.tolist())
    routing.AddDimension(evaluator, horizon, horizon, False, "time")
    dim = routing.GetDimensionOrDie("time")
    for v, vehicle in enumerate(p.vehicles):
        dim.CumulVar(routing.Start(v)).SetRange(vehicle.shift_start_s, vehicle.shift_end_s)
        dim.CumulVar(routing.End(v)).SetRange(vehicle.shift_start_s, vehicle.shift_end_s)
        routing.AddVariableMinimizedByFinalizer(dim.CumulVar(routing.End(v)))
    for s, stop in enumerate(p.stops):
        index = manager.NodeToIndex(lay.stop_node(s))
        dim.CumulVar(index).SetRange(stop.window_start_s, min(stop.window_end_s, horizon))
    for node, site in enumerate(lay.copy_site.tolist(), start=lay.first_copy_node()):
        d = p.disposal_sites[site]
        dim.CumulVar(manager.NodeToIndex(node)).SetRange(d.open_s, min(d.close_s, horizon))
    m.time_dim = dim


def _add_breaks(m: OrtoolsModel) -> None:
    """A lunch break per vehicle, in its window, never during service at a node."""
    if m.time_dim is None:
        return
    solver = m.routing.solver()
    n_indices = m.manager.GetNumberOfIndices()
    visit = [int(m.layout.service_s[m.manager.IndexToNode(i)]) for i in range(n_indices)]
    for v, vehicle in enumerate(m.problem.vehicles):
        lunch = vehicle.lunch
        if lunch is None:
            continue
        interval = solver.FixedDurationIntervalVar(
            lunch.earliest_start_s, lunch.latest_start_s, lunch.duration_s, False, f"lunch{v}"
        )
        m.time_dim.SetBreakIntervalsOfVehicle([interval], v, visit)
        m.routing.AddIntervalToAssignment(interval)
        m.breaks[v] = interval


def _effective_fractions(m: OrtoolsModel) -> list[set[str] | None]:
    present = {s.fraction for s in m.problem.stops if s.fraction is not None}
    out: list[set[str] | None] = []
    for v in m.problem.vehicles:
        out.append(set(present) if v.fractions is None else set(v.fractions) & present)
    return out


def _add_fractions(m: OrtoolsModel) -> None:
    """A stop goes only on a vehicle that carries its fraction; unloading only where accepted."""
    p, lay = m.problem, m.layout
    carried = _effective_fractions(m)
    for s, stop in enumerate(p.stops):
        if stop.fraction is None:
            continue
        allowed = [
            v
            for v, veh in enumerate(p.vehicles)
            if veh.fractions is None or stop.fraction in veh.fractions
        ]
        _allow(m, lay.stop_node(s), allowed)
    for node, site in enumerate(lay.copy_site.tolist(), start=lay.first_copy_node()):
        accepts = p.disposal_sites[site].fractions
        if accepts is None:
            continue
        _allow(m, node, [v for v in range(len(p.vehicles)) if carried[v] <= set(accepts)])


def _allow(m: OrtoolsModel, node: int, allowed: list[int]) -> None:
    """Only these vehicles may visit the node (it may still be left out)."""
    banned = sorted(set(range(len(m.problem.vehicles))) - set(allowed))
    if banned:
        m.routing.VehicleVar(m.manager.NodeToIndex(node)).RemoveValues(banned)


def _add_disjunctions(m: OrtoolsModel) -> None:
    """Optional stops may be dropped at their prize; disposal copies for free."""
    lay = m.layout
    for s, stop in enumerate(m.problem.stops):
        penalty = REQUIRED_PENALTY if stop.required else int(stop.prize)
        m.routing.AddDisjunction([m.manager.NodeToIndex(lay.stop_node(s))], penalty)
    for node in range(lay.first_copy_node(), lay.n_nodes):
        m.routing.AddDisjunction([m.manager.NodeToIndex(node)], 0)
