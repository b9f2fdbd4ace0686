"""The route planner: a routing problem in, a checked plan out. Pure: no SQL, HTTP or MQTT.

Public API (stable; everything else is private):

- Model (`optimizer.model`): `Problem`, `Depot`, `Stop`, `DisposalSite`, `Vehicle`, `Break`,
  `PlanParams`; the answer `Plan` with `Route`s of `Visit`s and `Unserved` stops.
- `plan_routes(problem, params) -> Plan`: solve; the plan is checked before it is returned.
- `check_plan(problem, plan) -> list[Violation]` and `assert_feasible(problem, plan)`: the
  independent feasibility checker.
- Matrix providers: `HaversineProvider(detour_factor, speed_kmh)`, `OsrmTableProvider(url)`,
  `ManhattanProvider(speed_kmh, metres_per_unit)`, `EuclideanRoundedProvider()`; each has
  `matrices(points) -> (distance, duration)` integer numpy matrices.
- Formats: `read_cvrplib`, `read_cvrplib_solution`, `write_cvrplib_solution`, `read_kim2006`,
  `read_problem_json`, `problem_from_dict`, `plan_to_json`.
- Errors (`optimizer.errors`): `OptimizerError` > `InputFormatError`, `ProblemError`,
  `InfeasibleProblemError`, `PlanCheckError`, `MatrixProviderError`.

See docs/optimizer.md for the model, the algorithm and the JSON problem format.
"""

from optimizer.checker import Violation, assert_feasible, check_plan
from optimizer.errors import (
    InfeasibleProblemError,
    InputFormatError,
    MatrixProviderError,
    OptimizerError,
    PlanCheckError,
    ProblemError,
)
from optimizer.formats.cvrplib import read_cvrplib, read_cvrplib_solution, write_cvrplib_solution
from optimizer.formats.kim2006 import read_kim2006
from optimizer.formats.plan_json import plan_to_json
from optimizer.formats.problem_json import problem_from_dict, read_problem_json
from optimizer.matrices import EuclideanRoundedProvider, HaversineProvider, ManhattanProvider
from optimizer.model import (
    Break,
    Depot,
    DisposalSite,
    Plan,
    PlanParams,
    Problem,
    Route,
    Stop,
    Unserved,
    Vehicle,
    Visit,
)
from optimizer.osrm import OsrmTableProvider
from optimizer.planner import plan_routes

__all__ = [
    "Break",
    "Depot",
    "DisposalSite",
    "EuclideanRoundedProvider",
    "HaversineProvider",
    "InfeasibleProblemError",
    "InputFormatError",
    "ManhattanProvider",
    "MatrixProviderError",
    "OptimizerError",
    "OsrmTableProvider",
    "Plan",
    "PlanCheckError",
    "PlanParams",
    "Problem",
    "ProblemError",
    "Route",
    "Stop",
    "Unserved",
    "Vehicle",
    "Violation",
    "Visit",
    "assert_feasible",
    "check_plan",
    "plan_routes",
    "plan_to_json",
    "problem_from_dict",
    "read_cvrplib",
    "read_cvrplib_solution",
    "read_kim2006",
    "read_problem_json",
    "write_cvrplib_solution",
]
