"""Placeholder, filled in below."""


def solve_decomposed(problem, params, deadline):
    import time

    from optimizer.construct import initial_routes
    from optimizer.ortools_solve import solve_problem

    out = solve_problem(problem, deadline - time.monotonic(), initial_routes(problem))
    return out.routes, out.times, out.first_feasible_at, out.stats
