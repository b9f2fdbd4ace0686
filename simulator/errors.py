"""Errors of the simulator.

- `SimulatorError`: the base class.
  - `InputError`: a user's file or option is wrong (a container list, emptying records, a
    column mapping); the message names the file, line or column.
  - `ServiceUnavailable`: a part of the service the simulator needs (the broker, the API, the
    planning package) is not there; the message says which and how to get it.
"""


class SimulatorError(Exception):
    """Base class of the simulator's errors."""


class InputError(SimulatorError):
    """A user's input file or option is wrong."""


class ServiceUnavailable(SimulatorError):
    """A part of the service the simulator talks to is missing or not answering."""
