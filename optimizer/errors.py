"""Errors of the optimizer, one small hierarchy.

- `OptimizerError`: the base; catch this to catch anything the optimizer raises on purpose.
  - `InputFormatError`: a problem file (CVRPLIB, Kim 2006, JSON) is malformed. The message
    names the file and the line (text formats) or the field path (JSON).
  - `ProblemError`: a `Problem` is inconsistent (an index out of range, a negative demand, ...).
  - `InfeasibleProblemError`: required stops could not be served. `.unserved` lists them with
    reasons and `.plan` holds the best partial plan (checked, except for those stops).
  - `PlanCheckError`: the independent checker found violations in a plan; `.violations`.
  - `MatrixProviderError`: a travel-matrix provider failed (e.g. the OSRM server answered badly).
"""

from __future__ import annotations

from typing import Any


class OptimizerError(Exception):
    """Base of every error the optimizer raises on purpose."""


class InputFormatError(OptimizerError, ValueError):
    """A problem file is malformed; the message names the file and the line or field."""

    def __init__(self, source: str, where: str, message: str) -> None:
        self.source = source
        self.where = where
        super().__init__(f"{source}: {where}: {message}")


class ProblemError(OptimizerError, ValueError):
    """A `Problem` is internally inconsistent."""


class InfeasibleProblemError(OptimizerError):
    """Required stops could not be served; carries the reasons and the partial plan."""

    def __init__(self, unserved: list[Any], plan: Any = None) -> None:
        self.unserved = unserved
        self.plan = plan
        head = ", ".join(f"{u.stop_id} ({u.reason})" for u in unserved[:5])
        more = f" and {len(unserved) - 5} more" if len(unserved) > 5 else ""
        super().__init__(f"{len(unserved)} required stop(s) cannot be served: {head}{more}")


class PlanCheckError(OptimizerError):
    """A plan violates the problem's constraints; `.violations` lists each one."""

    def __init__(self, violations: list[Any]) -> None:
        self.violations = violations
        head = "; ".join(str(v) for v in violations[:5])
        super().__init__(f"plan fails {len(violations)} check(s): {head}")


class MatrixProviderError(OptimizerError):
    """A travel-matrix provider could not produce a matrix."""
