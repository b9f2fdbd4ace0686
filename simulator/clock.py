"""An accelerated clock: simulated time runs `speed` times faster than the wall clock."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class SimClock:
    """`now()` = `start` + wall time since creation × `speed` (86,400 = a day per second)."""

    start: datetime
    speed: float = 3600.0
    _t0: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    def sleep_until(self, when: datetime) -> None:
        """Wait (in wall time) until the simulated clock reaches `when`."""
        ahead = (when - self.now()).total_seconds() / self.speed
        if ahead > 0:
            time.sleep(ahead)
