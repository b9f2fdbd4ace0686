"""The simulator: a city, its sensors and its drivers; and the offline trial of strategies.

It talks to the service only through its public interfaces: sensors publish over MQTT,
drivers use the HTTP API. The offline trial (`simulator.trial`) runs in-process and uses the
optimizer and the planning package directly. Imports: `domain`, `optimizer`, `planning`.

Public API:
- `CitySpec`, `City`, `CityContainer`, `CitySite`, `CityVehicle`, `generate_city`,
  `with_rates` (`simulator.city`); `DepositModel` (`simulator.deposits`).
- `load_containers` (`simulator.loading`): a municipality's own CSV or GeoJSON.
- `calibrate_rates`, `EmptyingColumns` (`simulator.calibration`): rates from emptying records.
- Sensors: `SensorFleet`, `FaultProfile` (`simulator.sensors`), `encode_uplink`
  (`simulator.formats`), `MqttPublisher` (`simulator.publisher`), `SimClock`
  (`simulator.clock`).
- Drivers: `DriverClient`, `drive_route` (`simulator.drivers`).
- Trial: `TrialConfig`, `run_trial` (`simulator.trial.engine`); `render_table`,
  `render_html` (`simulator.trial.report`).
- Errors (`simulator.errors`): `SimulatorError` > `InputError`, `ServiceUnavailable`.
"""

from simulator.city import (
    City,
    CityContainer,
    CitySite,
    CitySpec,
    CityVehicle,
    generate_city,
    with_rates,
)
from simulator.deposits import DepositModel
from simulator.errors import InputError, ServiceUnavailable, SimulatorError

__all__ = [
    "City", "CityContainer", "CitySite", "CitySpec", "CityVehicle", "DepositModel",
    "InputError", "ServiceUnavailable", "SimulatorError", "generate_city", "with_rates",
]
