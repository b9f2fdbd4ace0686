"""The demo's simulated days, through the service's real interfaces.

A warm-up day of sensor readings first, then each day: the night's readings stream over MQTT
and are ingested; at 05:00 every fraction is planned from what the database holds and the
plans are published; each truck's driver logs in to the HTTP API, fetches the day's route,
drives it and posts the stop events (some answers lost and the batch resent with the same
event ids); the API resets the emptied containers; the rest of the day's readings follow,
and the simulated containers really are empty after their stop time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import numpy as np

PLAN_AT = time(5, 0)
ROUND_S = 3600  # sensors report hourly


class DemoCity:
    """The true fill of every container, advanced by the seeded deposits; emptied by drivers."""

    def __init__(
        self,
        city,
        container_ids: list[int],
        seed: int,
        start: datetime,
        first_fill: tuple[float, float] = (0.2, 0.85),
    ) -> None:
        from simulator import DepositModel

        self.deposits = DepositModel(city, seed)
        self.volumes = city.volumes()
        self.index = {cid: i for i, cid in enumerate(container_ids)}
        self.levels = np.random.default_rng(seed).uniform(*first_fill, len(self.volumes))
        self.levels *= self.volumes
        self.now = start
        self.pending: dict[int, datetime] = {}  # container index -> emptied at
        self.overflowed: set[int] = set()
        self._day_cache: tuple[object, np.ndarray] | None = None

    def _day_l(self, day) -> np.ndarray:
        if self._day_cache is None or self._day_cache[0] != day:
            self._day_cache = (day, self.deposits.day_l(day))
        return self._day_cache[1]

    def advance(self, to: datetime) -> None:
        """Deposits up to `to`; a container emptied on the way holds only what came after."""
        from simulator.deposits import share_before

        while self.now < to:
            midnight = datetime.combine(
                self.now.date() + timedelta(days=1), time(0), self.now.tzinfo
            )
            end = min(to, midnight)
            day_l = self._day_l(self.now.date())
            s0 = share_before(_seconds(self.now))
            s1 = share_before(86400 if end == midnight else _seconds(end))
            self.levels += (s1 - s0) * day_l
            for i, at in list(self.pending.items()):
                if at <= end:
                    self.levels[i] = (s1 - share_before(_seconds(max(at, self.now)))) * day_l[i]
                    del self.pending[i]
            full = self.levels >= self.volumes
            self.overflowed.update(np.flatnonzero(full).tolist())
            self.levels = np.minimum(self.levels, self.volumes)
            self.now = end

    def fill(self) -> np.ndarray:
        return self.levels / self.volumes

    def fill_at(self, stop: dict) -> float:
        """The true fill of a stop's container at the stop's start time (what a driver sees)."""
        from simulator.deposits import share_before

        i = self.index[stop["container_id"]]
        at = datetime.fromisoformat(stop["start_at"])
        extra = 0.0
        if at > self.now and at.date() == self.now.date():
            extra = (share_before(_seconds(at)) - share_before(_seconds(self.now))) * self._day_l(
                self.now.date()
            )[i]
        return float(min(1.0, (self.levels[i] + extra) / self.volumes[i]))

    def empty(self, container_id: int, at: datetime) -> None:
        self.pending[self.index[container_id]] = at


def _seconds(t: datetime) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass
class DayResult:
    day: object
    plans: list = field(default_factory=list)  # PlanOutcome
    routes: int = 0
    stops: int = 0
    events: int = 0
    created: int = 0
    retries: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)
    disposal_kg: float = 0.0
    emptied: list[tuple[int, datetime]] = field(default_factory=list)
    reset: int = 0


class Streamer:
    """The city's sensors: a reading round every hour of simulated time, over MQTT."""

    def __init__(self, sim: DemoCity, fleet, pub) -> None:
        self.sim, self.fleet, self.pub = sim, fleet, pub
        self.next_round = sim.now
        self.sent = 0

    def until(self, end: datetime) -> int:
        """Publish every round due up to `end` (inclusive); returns the messages published."""
        sent = 0
        while self.next_round <= end:
            self.sim.advance(self.next_round)
            sent += self.pub.publish_all(self.fleet.uplinks(self.next_round, self.sim.fill()))
            self.next_round += timedelta(seconds=ROUND_S)
        self.sim.advance(end)
        self.sent += sent
        return sent

    def flush(self) -> int:
        """Publish what the sensors held back (out-of-order delivery)."""
        sent = self.pub.publish_all(self.fleet.flush())
        self.sent += sent
        return sent


def plan_morning(
    url: str, tenant_id: str, day, now: datetime, time_limit_s: float
) -> tuple[list, list[str]]:
    """Plan each fraction of `day` from the database at `now` and publish each plan.
    Returns the outcomes and, for fractions that could not be planned, why (the planner's
    input error, e.g. no free vehicle carries it)."""
    from api.planning import PlanSettings, plan_day, publish
    from planning.problem import PlanningInputError
    from storage import connect
    from storage.containers import list_fractions

    outcomes, problems = [], []
    settings = PlanSettings(time_limit_s=time_limit_s)
    with connect(url, autocommit=True) as conn:
        for fraction in list_fractions(conn, tenant_id):
            try:
                [outcome] = plan_day(conn, tenant_id, day, fraction, settings, now=now)
            except PlanningInputError as exc:
                problems.append(f"{fraction}: {exc}")
                continue
            publish(conn, tenant_id, outcome.plan_id)
            outcomes.append(outcome)
    return outcomes, problems


def drive(
    api_url: str,
    drivers: list[str],
    password: str,
    day,
    fill_at: Callable,
    loss_p: float,
    seed: int,
) -> DayResult:
    """Every driver fetches the day's routes from the API and drives them."""
    from simulator.drivers import DriverClient

    result = DayResult(day)
    for k, user in enumerate(drivers):
        with DriverClient(api_url, user, password, loss_p=loss_p, seed=seed * 1000 + k) as tablet:
            tablet.login()
            routes = tablet.drive_day(day, fill_at)
            log = tablet.log
        result.routes += len(routes)
        result.stops += sum(len(r["stops"]) for r in routes)
        result.events += log.events_posted
        result.created += log.created
        result.retries += log.retries
        result.duplicates += log.duplicates_seen
        result.rejected += log.rejected
        result.disposal_kg += log.disposal_kg
        result.emptied += log.emptied
    return result


def count_reset(url: str, tenant_id: str, emptied: list[tuple[int, datetime]]) -> int:
    """How many of the emptied containers the database now shows empty since their stop."""
    from storage import connect

    if not emptied:
        return 0
    ids = [cid for cid, _ in emptied]
    ats = [at for _, at in emptied]
    with connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM container_state s"
            " JOIN unnest(%s::bigint[], %s::timestamptz[]) AS e(cid, at) ON e.cid = s.container_id"
            " WHERE s.tenant_id = %s AND s.fill_fraction = 0 AND s.date_last_emptying >= e.at",
            (ids, ats, tenant_id),
        ).fetchone()
    assert row is not None  # count(*) always answers
    return int(row["n"])  # type: ignore[call-overload]
