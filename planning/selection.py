"""Which containers to empty on a plan day: must, optional (with a prize) or skip, and why.

The policy (per tenant and fraction; defaults as the design says):
- must: an alarm (fire, tilt, resident report), or the forecast reaches `must_level` before
  the next day it could be collected (the next collection weekday after the plan day);
- optional: not must, and the forecast at service time is above `skip_level`. Its prize (in
  metres of driving it is worth) grows with the risk that it reaches the must level before
  the next chance: `prize_m * P(fill at next chance >= must_level)`, with an uncertainty that
  grows with the fill rate and the horizon, and with unhealthy sensors;
- skip: at or below `skip_level` at service time, and no risk.

Safety margins (off by default): with `must_z` > 0 a container is must when the forecast plus
`must_z` standard deviations (an upper quantile) reaches `must_level` by the next chance; with
`prize_lookahead_days` > 0 the prize is the risk of reaching the must level that many days
after the next chance (so containers that will soon be due are worth picking up while a truck
passes). The next chance skips `closed_dates` (public holidays), or is given by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from planning.forecast import Forecast


@dataclass(frozen=True, slots=True)
class SelectionPolicy:
    must_level: float = 0.8
    skip_level: float = 0.5
    collection_weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO, 1 = Monday
    prize_m: int = 20_000
    base_sigma: float = 0.04  # fill uncertainty at the forecast time
    rate_sigma: float = 0.25  # relative uncertainty of the fill rate
    must_z: float = 0.0  # must when forecast + must_z * sigma reaches must_level
    prize_lookahead_days: float = 0.0  # prize: risk this many days after the next chance
    closed_dates: frozenset[date] = frozenset()  # no collection (public holidays)
    # area days (planning.areas): 0 off; 1 or 2 sweeps of each area a week
    area_sweeps_per_week: int = 0

    def __post_init__(self) -> None:
        if self.area_sweeps_per_week not in (0, 1, 2):
            raise ValueError(f"area sweeps per week must be 0, 1 or 2, got "
                             f"{self.area_sweeps_per_week}")
        if not 0 <= self.skip_level < self.must_level:
            raise ValueError(f"skip level {self.skip_level} must be below must level "
                             f"{self.must_level}")
        if not self.collection_weekdays or not set(self.collection_weekdays) <= set(range(1, 8)):
            raise ValueError(f"collection weekdays must be ISO days 1..7, got "
                             f"{sorted(self.collection_weekdays)}")


@dataclass(frozen=True, slots=True)
class Alarms:
    fire: bool = False
    tilt: bool = False
    report: bool = False

    def reasons(self) -> list[str]:
        return [n for n, on in (("fire alarm", self.fire), ("tilt alarm", self.tilt),
                                ("resident report", self.report)) if on]


@dataclass(frozen=True, slots=True)
class Decision:
    container_id: int
    decision: str  # "must" | "optional" | "skip"
    reason: str
    prize_m: int
    fill_now: float
    fill_at_service: float
    fill_at_next_chance: float
    next_chance_at_s: float
    forecast: Forecast


def next_collection_day(plan_date: date, weekdays: frozenset[int],
                        closed: frozenset[date] = frozenset()) -> date:
    """The first day after `plan_date` on a collection weekday that is not closed."""
    for k in range(1, 8 + 7 * len(closed)):
        d = plan_date + timedelta(days=k)
        if d.isoweekday() in weekdays and d not in closed:
            return d
    raise ValueError("no collection weekday")  # unreachable: weekdays is never empty


def local_time_s(day: date, at: time, tz: str | ZoneInfo) -> float:
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return datetime.combine(day, at, zone).timestamp()


def select_containers(forecasts: Mapping[int, Forecast], plan_date: date, tz: str | ZoneInfo,
                      policy: SelectionPolicy = SelectionPolicy(), *,
                      service_time: time = time(11, 0),
                      alarms: Mapping[int, Alarms] | None = None,
                      next_chance: date | None = None,
                      next_chance_time: time | None = None,
                      area_days: Mapping[int, frozenset[int]] | None = None,
                      area_weekday: int | None = None) -> list[Decision]:
    """A decision for every forecast, in container id order. `service_time` is the local time
    at which a container is assumed to be emptied on the plan day, `next_chance_time` (default:
    the same) on the next chance, which is `next_chance` if given, else the next collection
    weekday that is not closed. With `area_days` (container id -> its area's ISO weekdays),
    the containers whose area day it is (`area_weekday`, default the plan date's weekday) and
    that could not wait for their area's next day are promoted (`planning.areas`)."""
    service_s = local_time_s(plan_date, service_time, tz)
    nxt = next_chance or next_collection_day(plan_date, policy.collection_weekdays,
                                             policy.closed_dates)
    next_s = local_time_s(nxt, next_chance_time or service_time, tz)
    alarms = alarms or {}
    out = []
    for cid in sorted(forecasts):
        out.append(_decide(forecasts[cid], alarms.get(cid, Alarms()), service_s, next_s, nxt,
                           policy))
    if area_days:
        from planning.areas import promote_area_day

        out = promote_area_day(out, area_days, plan_date, tz, policy, weekday=area_weekday,
                               next_chance_time=next_chance_time or service_time)
    return out


def _decide(f: Forecast, alarms: Alarms, service_s: float, next_s: float, nxt: date,
            policy: SelectionPolicy) -> Decision:
    now, at_service, at_next = f.fill_at(f.at_s), f.fill_at(service_s), f.fill_at(next_s)
    health = f" [sensor {', '.join(f.health)}; forecast from {f.method}]" if f.health else ""
    common = dict(container_id=f.container_id, fill_now=now, fill_at_service=at_service,
                  fill_at_next_chance=at_next, next_chance_at_s=next_s, forecast=f)
    if alarms.reasons():
        return Decision(**common, decision="must", prize_m=0,
                        reason=" and ".join(alarms.reasons()) + health)
    sigma = _sigma(f, at_next, policy)
    upper = at_next + policy.must_z * sigma
    if upper >= policy.must_level:
        margin = f" (upper bound {upper:.0%})" if policy.must_z else ""
        reason = (f"forecast {at_next:.0%}{margin} by the next collection day {nxt.isoformat()} "
                  f"(>= must level {policy.must_level:.0%})")
        if at_service >= policy.must_level:
            reason = f"forecast {at_service:.0%} at service (>= must level {policy.must_level:.0%})"
        return Decision(**common, decision="must", prize_m=0, reason=reason + health)
    if at_service > policy.skip_level:
        later = next_s + policy.prize_lookahead_days * 86_400
        at_later = f.fill_at(later) if policy.prize_lookahead_days else at_next
        risk = _risk(f, at_later, service_s, later, policy)
        prize = max(1, round(policy.prize_m * risk))
        reason = (f"forecast {at_service:.0%} at service, {at_next:.0%} by {nxt.isoformat()}: "
                  f"between skip {policy.skip_level:.0%} and must {policy.must_level:.0%}; "
                  f"risk {risk:.0%} of reaching must level first")
        return Decision(**common, decision="optional", prize_m=prize, reason=reason + health)
    return Decision(**common, decision="skip", prize_m=0,
                    reason=f"forecast {at_service:.0%} at service (<= skip level "
                           f"{policy.skip_level:.0%}), {at_next:.0%} by {nxt.isoformat()}" + health)


def _risk(f: Forecast, at_next: float, service_s: float, next_s: float,
          policy: SelectionPolicy) -> float:
    """P(fill at the next chance >= must level) under a normal error that widens with the
    rise expected until then, and doubles for an unhealthy sensor."""
    z = (at_next - policy.must_level) / _sigma(f, at_next, policy)
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def _sigma(f: Forecast, at_next: float, policy: SelectionPolicy) -> float:
    """Forecast error (fill fraction) at a later time: the reading's uncertainty and the rate's,
    times the rise expected until then; doubled for an unhealthy sensor."""
    rise = max(0.0, at_next - f.fill_at(f.at_s))
    sigma = math.hypot(policy.base_sigma, policy.rate_sigma * rise)
    return 2 * sigma if not f.healthy else sigma


def count_decisions(decisions: Sequence[Decision]) -> dict[str, int]:
    counts = {"must": 0, "optional": 0, "skip": 0}
    for d in decisions:
        counts[d.decision] += 1
    return counts
