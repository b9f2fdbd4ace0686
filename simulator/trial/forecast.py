"""The forecast strategy: the service's own forecast (`planning.forecast_fleet`) and selection.

Each service morning the strategy hands the readings so far to `planning.forecast_fleet`
(the very function the service runs on TimescaleDB data) and selects:
- must: the forecast reaches the must level (80%) before the next chance to collect
  (the next service day, end of shift);
- optional: between the skip level (50%) and that, with a prize that grows with the risk of
  overflowing before the next chance (worth up to `max_prize_m` metres of detour);
- skip: the rest.
With area sweeps (`SelectionPolicy.area_sweeps`), each fraction's areas have weekdays and on an
area's day what could not wait for its next sweep is a must too (`planning.areas`).
The selection is the service's own (`planning.selection.select_containers`, with its default
policy); only if that module is missing does a local copy of the documented policy run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

import numpy as np

from domain import Container, Fraction
from simulator.city import City
from simulator.errors import ServiceUnavailable
from simulator.trial.routing import StopChoice
from simulator.trial.strategies import MorningView

SERVICE_TIME_S = 11 * 3600  # the time of day a stop is typically reached
NEXT_CHANCE_S = 15 * 3600 + 1800  # the latest time a truck reaches it on the next service day


def _planning():
    try:
        import planning
    except ImportError as exc:  # the forecast strategy needs the service's own planning code
        raise ServiceUnavailable(
            "the forecast strategy needs the `planning` package (issue 4), which is not "
            f"importable: {exc}") from exc
    return planning


@dataclass(frozen=True)
class SelectionPolicy:
    """The trial's settings of the service's selection policy (`planning.selection`)."""

    must_level: float = 0.9
    skip_level: float = 0.6
    max_prize_m: int = 2000  # an optional stop is worth at most this much detour
    must_z: float = 1.65  # must when the 95% upper bound reaches the must level
    # prize: the risk of being due at the chance after next, this many days after the next
    # chance; None: the calendar's chance after next (a Thursday looks to Monday)
    prize_lookahead_days: float | None = None
    cluster_radius_m: float = 250.0  # optional stops this close to a must get the full prize
    area_days: bool = False  # optional stops in today's sector (area-day) get the full prize
    gap_windows: bool = False  # late if it would fill again by the next chance, early if full
    # area days (planning.areas): each fraction in areas with fixed weekdays, visited weekly
    # when its median container lasts `weekly_from_days` or more, else twice a week; on an
    # area's day, what could not wait until its next day is collected too
    area_sweeps: bool = False
    weekly_from_days: float = 9.0
    # the risk rule (planning.horizon; the default): the fields above except max_prize_m's
    # role are the level rule's, used with rule="level"
    rule: str = "risk"
    risk_threshold: float = 0.01
    overflow_cost_m: int = 50_000
    horizon_chances: int = 5
    risk_skip_level: float = 0.3


def _epoch(day, seconds: float) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + seconds


class ForecastStrategy:
    """Forecast each container and select must/optional/skip; routes by the optimizer."""

    name = "forecast"

    def __init__(self, policy: SelectionPolicy | None = None) -> None:
        self.planning = _planning()
        self.policy = policy or SelectionPolicy()
        self._containers: list[Container] | None = None
        self._sectors: np.ndarray | None = None
        self._area_days: dict[int, frozenset[int]] | None = None
        self.last_decisions: list = []
        self._past: dict = {}  # day -> the forecasts made that morning

    def _domain(self, city: City) -> list[Container]:
        if self._containers is None:
            self._containers = [
                Container(id=i, tenant_id="trial", external_id=c.external_id,
                          location=c.location, fraction=c.fraction, volume_l=c.volume_l,
                          depth_mm=c.depth_mm, model=c.model, service_time_s=c.service_time_s)
                for i, c in enumerate(city.containers)]
        return self._containers

    def forecasts(self, city: City, view: MorningView) -> dict:
        return self._forecasts(city, view)[0]

    def _forecasts(self, city: City, view: MorningView) -> tuple[dict, dict]:
        p = self.planning
        times = np.array([t.timestamp() for t in view.reading_times])
        histories = {}
        for i in range(len(city.containers)):
            col = view.readings[:, i]
            ok = ~np.isnan(col)
            last = view.last_emptied[i]
            histories[i] = p.ContainerHistory(
                i, times[ok], col[ok],
                last_emptied_at_s=None if last is None else last.timestamp())
        at_s = _epoch(view.day, 6 * 3600)
        return p.forecast_fleet(self._domain(city), histories, at_s, "UTC"), histories

    def choose(self, city: City, view: MorningView) -> list[StopChoice]:
        if self.policy.rule == "risk":
            return self._choose_by_risk(city, view)
        forecasts = self.forecasts(city, view)
        selection = _selection()
        if selection is None:
            return self._choose_locally(city, view, forecasts)
        pol = self.policy
        lookahead = pol.prize_lookahead_days
        if lookahead is None:
            lookahead = (_next_service_day(view.next_service_day) - view.next_service_day).days
        policy = selection.SelectionPolicy(rule="level", must_level=pol.must_level,
                                           skip_level=pol.skip_level,
                                           prize_m=pol.max_prize_m, must_z=pol.must_z,
                                           prize_lookahead_days=lookahead,
                                           closed_dates=_closed_dates(view.day))
        # the next chance is the simulated calendar's next service day (holidays skipped,
        # catch-up Saturdays included), at the latest time a route reaches a stop
        decisions = selection.select_containers(
            forecasts, view.day, "UTC", policy, service_time=time(11, 0),
            next_chance=view.next_service_day, next_chance_time=time(15, 30),
            area_days=self._areas(city, forecasts) if pol.area_sweeps else None,
            area_weekday=_area_weekday(view.day) + 1)
        self.last_decisions = decisions  # for diagnostics (scripts/trial_early_emptying.py)
        near = _near_a_must(city, decisions, pol.cluster_radius_m)
        if pol.area_days:
            near |= self._in_todays_area(city, view, decisions)
        from simulator.trial.strategies import timing_window

        choices = []
        for d in decisions:
            if d.decision == "skip":
                continue
            c = city.containers[d.container_id]
            volume = min(1.0, d.fill_at_service + 0.05) * c.volume_l
            prize = max(d.prize_m, pol.max_prize_m) if d.container_id in near else d.prize_m
            start, end = 0, None
            if pol.gap_windows:  # late if it would fill again by the next chance, early if full
                start, end = timing_window(d.fill_at_next_chance - d.fill_now,
                                           d.fill_at_service)
            choices.append(StopChoice(d.container_id, volume, required=d.decision == "must",
                                      prize=int(prize), window_start_s=start,
                                      window_end_s=end))
        return choices

    def _choose_by_risk(self, city: City, view: MorningView) -> list[StopChoice]:
        """The service's risk rule (planning.horizon) on the simulated calendar: the coming
        service days are the chances; the error model is learnt from the readings and from
        the strategy's own forecasts of a few days ago."""
        from planning.risk import learn_uncertainties, past_forecasts
        from planning.selection import SelectionPolicy as Policy
        from planning.selection import select_containers

        pol = self.policy
        forecasts, histories = self._forecasts(city, view)
        fractions = {i: c.fraction.value for i, c in enumerate(city.containers)}
        past = self._past_forecasts(view.day)
        if past is None:
            past = past_forecasts(self._domain(city), histories, _epoch(view.day, 6 * 3600),
                                  "UTC")
        uncertainties = learn_uncertainties(forecasts, histories, fractions, past=past)
        self._past[view.day] = forecasts
        from domain.service_calendar import next_chances

        chances = next_chances(view.calendar, view.day, pol.horizon_chances)
        policy = Policy(rule="risk", skip_level=pol.risk_skip_level,
                        risk_threshold=pol.risk_threshold, overflow_cost_m=pol.overflow_cost_m,
                        horizon_chances=pol.horizon_chances)
        decisions = select_containers(
            forecasts, view.day, "UTC", policy, service_time=time(11, 0),
            next_chance_time=time(15, 30), uncertainties=uncertainties,
            locations={i: (c.location.lat, c.location.lon)
                       for i, c in enumerate(city.containers)},
            groups=fractions, chances=chances)
        self.last_decisions = decisions
        return [StopChoice(d.container_id,
                           min(1.0, d.fill_at_service + 0.05) * city.containers[d.container_id]
                           .volume_l, required=d.decision == "must", prize=int(d.prize_m))
                for d in decisions if d.decision != "skip"]

    def _past_forecasts(self, day) -> dict | None:
        """The strategy's own forecasts of the latest morning at least two days back (so
        their errors span a day or more of deposits); older ones are dropped."""
        from datetime import timedelta

        old = [d for d in self._past if d <= day - timedelta(days=2)]
        for d in old[:-1]:
            del self._past[d]
        return self._past[old[-1]] if old else None

    def _areas(self, city: City, forecasts) -> dict[int, frozenset[int]]:
        """Container index -> its area's ISO weekdays (`planning.areas.area_weekdays`), set
        on the first morning from the forecasts: a fraction whose median container fills in
        `weekly_from_days` or more is visited weekly, else twice a week."""
        if self._area_days is None:
            from simulator.trial.strategies import fraction_area_weekdays

            speed = np.array([forecasts[i].average_filling_speed
                              for i in range(len(city.containers))])
            days = fraction_area_weekdays(city, speed, self.policy.weekly_from_days)
            self._area_days = dict(enumerate(days))
        return self._area_days

    def _in_todays_area(self, city: City, view: MorningView, decisions) -> set[int]:
        """Optional containers in today's sector: each fraction's containers are split into five
        sectors around the centre, one per weekday (a catch-up Saturday takes the sector of the
        holiday it replaces), so that pulled-forward work clusters in one area a day."""
        if self._sectors is None:
            from simulator.trial.fixed import area_groups

            self._sectors = area_groups(city, 5)
        today = _area_weekday(view.day)
        return {d.container_id for d in decisions
                if d.decision == "optional" and self._sectors[d.container_id] == today}

    def _choose_locally(self, city: City, view: MorningView, forecasts) -> list[StopChoice]:
        """The documented default policy, while `planning` has no selection yet."""
        pol = self.policy
        today_s = _epoch(view.day, SERVICE_TIME_S)
        next_chance_s = _epoch(view.next_service_day, NEXT_CHANCE_S)
        choices = []
        for i, c in enumerate(city.containers):
            f = forecasts[i]
            at_next = f.fill_at(next_chance_s)
            now = f.fill_at(today_s)
            volume = min(1.0, now + 0.05) * c.volume_l
            if at_next >= pol.must_level:
                choices.append(StopChoice(i, volume, required=True))
            elif now >= pol.skip_level:
                risk = (at_next - pol.skip_level) / (pol.must_level - pol.skip_level)
                prize = int(pol.max_prize_m * float(np.clip(risk, 0.0, 1.0)) ** 2)
                if prize > 0:
                    choices.append(StopChoice(i, volume, required=False, prize=prize))
        return choices


def _next_service_day(day):
    from datetime import timedelta

    from simulator.calendar import is_service_day

    nxt = day + timedelta(days=1)
    while not is_service_day(nxt):
        nxt += timedelta(days=1)
    return nxt


def _closed_dates(day) -> frozenset:
    """Weekdays without service in the coming three weeks (public holidays)."""
    from datetime import timedelta

    from simulator.calendar import is_service_day

    days = (day + timedelta(days=k) for k in range(1, 22))
    return frozenset(d for d in days if d.weekday() < 5 and not is_service_day(d))


def _area_weekday(day) -> int:
    """The weekday (0-4) whose sector is served on this day."""
    from datetime import timedelta

    from simulator.calendar import collection_day

    if day.weekday() < 5:
        return day.weekday()
    for k in (2, -1, -2, -3, -4):  # the Monday after, or the Tuesday-Friday before
        cand = day + timedelta(days=k)
        if cand.weekday() < 5 and collection_day(cand) == day:
            return cand.weekday()
    return 0


def _near_a_must(city: City, decisions, radius_m: float) -> set[int]:
    """Optional containers within `radius_m` of a must of their fraction: pulled forward, so
    that a day's work clusters where the trucks go anyway."""
    must = [d.container_id for d in decisions if d.decision == "must"]
    optional = [d.container_id for d in decisions if d.decision == "optional"]
    if not must or not optional or radius_m <= 0:
        return set()

    def xy(ids):
        lat = np.array([city.containers[i].location.lat for i in ids])
        lon = np.array([city.containers[i].location.lon for i in ids])
        return np.stack([lat * 111_320.0, lon * 111_320.0 * np.cos(np.radians(lat))], 1)

    fm = np.array([list(Fraction).index(city.containers[i].fraction) for i in must])
    fo = np.array([list(Fraction).index(city.containers[i].fraction) for i in optional])
    pm, po = xy(must), xy(optional)
    out = set()
    for k, cid in enumerate(optional):
        mine = pm[fm == fo[k]]
        if len(mine) and np.min(np.hypot(*(mine - po[k]).T)) <= radius_m:
            out.add(cid)
    return out


def _selection():
    try:
        import planning.selection as selection
    except ImportError:
        return None
    return selection
