"""The offline trial: fixed, threshold and forecast strategies on the same seeded city.

Public API: `TrialConfig`, `run_trial`, `StrategyResult`; reports in `simulator.trial.report`.
"""

from simulator.trial.engine import STRATEGIES, TrialConfig, run_trial
from simulator.trial.metrics import StrategyResult

__all__ = ["STRATEGIES", "StrategyResult", "TrialConfig", "run_trial"]
