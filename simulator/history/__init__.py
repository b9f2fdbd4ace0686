"""A municipality's own set-up and history: read them, calibrate from them, trial on them.

Public API:
- `read_setup`, `MunicipalitySetup` (`simulator.history.setup`): depots, disposal sites,
  fleet and containers/clusters (CSV, GeoJSON, Amsterdam's `container` export, FIWARE
  `WasteContainer`).
- `read_weighings`, `Weighings` (`simulator.history.weighings`): emptying records (ours,
  Amsterdam's `weging` table, the Snap4Waste exports of it).
- `calibrate`, `Calibration`, `CalibrationSettings` (`simulator.history.calibrate`); the
  visits it works on (`simulator.history.visits`).
- `rd_to_wgs84` (`simulator.history.rd`).
The file layouts are in docs/municipality.md. Errors are `simulator.errors.InputError`.
"""

from simulator.history.calibrate import Calibration, CalibrationSettings, calibrate
from simulator.history.rd import rd_to_wgs84
from simulator.history.setup import MunicipalitySetup, read_setup
from simulator.history.weighings import Weighings, read_weighings

__all__ = ["Calibration", "CalibrationSettings", "MunicipalitySetup", "Weighings", "calibrate",
           "rd_to_wgs84", "read_setup", "read_weighings"]
