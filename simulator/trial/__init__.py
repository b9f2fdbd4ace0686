"""The offline trial: fixed, threshold and forecast strategies on the same seeded city.

Public API: `TrialConfig`, `run_trial`, `StrategyResult`, `STRATEGIES` and the
perfect-information reference in `REFERENCES`; reports in `simulator.trial.report`.
"""

from simulator.trial.engine import REFERENCES, STRATEGIES, TrialConfig, run_trial
from simulator.trial.metrics import StrategyResult

__all__ = ["REFERENCES", "STRATEGIES", "StrategyResult", "TrialConfig", "run_trial"]
