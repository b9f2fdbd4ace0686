"""Trip regions: blocks of trips between fixed ends, solved by OR-Tools, put back into days.

Line world (tests.optimizer.lineworld): a place at x is |x| metres and seconds from the
depot at 0. A disposal site at x = 10. Capacity 100 l, stops 50 l: two stops a trip.
Truck 1's first trip zigzags to +100 and -100, truck 2's to +105 and -105; their second
trips go further out on one side each.
"""

from __future__ import annotations

from optimizer.decompose import init_worker, solve_trip_region
from optimizer.greedy import Context, route_distance
from optimizer.nodes import disposal_code
from optimizer.trips import BISECT_S, Block, block_vehicle, splice, trip_bounds
from tests.optimizer.lineworld import line_problem

D = disposal_code(0)


XS = [100, -100, 200, 210, 105, -105, -200, -210]


def _problem(window_end_s: int = 10**6):
    stops = [(x, {"volume_l": 50, "service_s": 10}) for x in XS]
    stops[2] = (200, {"volume_l": 50, "service_s": 10, "window_end_s": window_end_s})
    vehicles = [{"shift_end_s": 5000}, {"shift_end_s": 5000}]
    return line_problem(stops, vehicles, sites=[(10, {})])


ROUTES = [[0, 1, D, 2, 3, D], [4, 5, D, 6, 7, D]]


def test_trip_bounds_split_a_day_after_each_unload():
    assert trip_bounds([0, 1, D, 2, 3, D]) == [(0, 3), (3, 6)]
    assert trip_bounds([0, D, D, 1]) == [(0, 2), (3, 4)]


def test_a_block_runs_from_its_start_to_the_next_trip_by_the_latest_time_that_still_works():
    """Truck 1's first trip: from the depot at the shift start to stop 200; the rest of the
    day (200 and 210, unload, home) must start by 200's window end (950 s)."""
    p = _problem(window_end_s=950)
    ctx = Context(p)
    depots: list = []
    v = block_vehicle(ctx, Block(0, 0, 3), ROUTES[0], depots)
    assert v is not None
    assert [d.location for d in depots] == [0, p.stops[2].location]
    assert v.shift_start_s == 0
    assert 950 - BISECT_S <= v.shift_end_s <= 950
    later = block_vehicle(ctx, Block(0, 3, 6), ROUTES[0], depots)
    assert later is not None and later.shift_end_s == 5000  # the last trip: home by shift end
    assert later.max_volume_l_per_day is None and later.fixed_cost == 0


def test_a_block_whose_day_is_already_late_is_not_offered():
    """A day that does not fit its own shift gives no block vehicle."""
    p = _problem(window_end_s=100)  # 200 cannot be reached by 100 s
    assert block_vehicle(Context(p), Block(0, 0, 3), ROUTES[0], []) is None


def test_a_trip_region_untangles_two_zigzag_trips():
    """Both first trips as one region: OR-Tools keeps +100 and +105 apart from -100 and -105,
    the days are spliced back, every stop is still served once, and the total is shorter."""
    p = _problem()
    init_worker(p)
    ctx = Context(p)
    blocks = [Block(0, 0, 3), Block(1, 0, 3)]
    depots: list = []
    vehicles = [block_vehicle(ctx, b, ROUTES[b.v], depots) for b in blocks]
    stops = [0, 1, 4, 5]
    warm = [ROUTES[0][0:3], ROUTES[1][0:3]]
    routes, found = solve_trip_region((vehicles, depots, stops, warm, 1.0))
    assert found
    new = splice(ctx, ROUTES, blocks, routes)
    assert new is not None
    served = sorted(c for r, _ in new.values() for c in r if c >= 0)
    assert served == list(range(8))
    before = sum(route_distance(p, v, r) for v, r in enumerate(ROUTES))
    after = sum(route_distance(p, v, r) for v, (r, _) in new.items())
    assert after < before
    for route, _ in new.values():  # no trip crosses the depot any more
        for lo, hi in trip_bounds(route):
            assert len({XS[c] > 0 for c in route[lo:hi] if c >= 0}) == 1


def test_splice_refuses_a_day_that_no_longer_works():
    """Codes that make truck 1 too late for stop 200's window are refused."""
    p = _problem(window_end_s=950)
    ctx = Context(p)
    slow = [0, 1, D, 4, 5, D]  # two more trips first: 200 is reached long after 950 s
    assert splice(ctx, ROUTES, [Block(0, 0, 3)], [slow]) is None
    assert splice(ctx, ROUTES, [Block(0, 0, 3)], [[1, 0, D]]) is not None
