"""Which containers to empty on a plan day: must, optional (with a prize) or skip, and why.

Two rules (`SelectionPolicy.rule`):
- "risk" (the default): a calibrated overflow risk over the coming service days
  (`planning.risk`, `planning.horizon`): must when the risk of overflowing before the next
  chance passes `risk_threshold` (1%); optional with a prize = what taking it today saves
  against taking it later (overflow risk x `overflow_cost_m` + the visit it would need on its
  due day - the share of a typical visit lost by emptying early). Needs each container's
  location (`locations=`) to price visits; `uncertainties=` (learnt from the histories by
  `planning.risk.learn_uncertainties`) else the priors.
- "level" (the earlier rule, kept for comparison and for area sweeps), described below.

The level rule (per tenant and fraction):
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
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from planning import horizon
from planning.forecast import Forecast
from planning.risk import Uncertainty, prior_uncertainty


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
    rule: str = "risk"  # "risk" (planning.horizon) or "level" (must_level, must_z)
    risk_threshold: float = 0.01  # must when P(overflow before the next chance) passes this
    overflow_cost_m: int = 50_000  # an overflow is as bad as this much driving
    horizon_chances: int = 5  # service days looked ahead (today not counted)
    detour_factor: float = 1.3  # road / great-circle distance, for the visit costs
    lonely_visit_m: int = 6_000  # a visit with nothing due near it costs at most this
    min_prize_m: int = 50  # an optional stop worth less is skipped (keeps problems small)

    def __post_init__(self) -> None:
        if self.area_sweeps_per_week not in (0, 1, 2):
            raise ValueError(f"area sweeps per week must be 0, 1 or 2, got "
                             f"{self.area_sweeps_per_week}")
        if not 0 <= self.skip_level < self.must_level:
            raise ValueError(f"skip level {self.skip_level} must be below must level "
                             f"{self.must_level}")
        if self.rule not in ("risk", "level"):
            raise ValueError(f"rule must be 'risk' or 'level', got {self.rule!r}")
        if not 0 < self.risk_threshold < 1:
            raise ValueError(f"risk threshold must be between 0 and 1, got {self.risk_threshold}")
        if self.horizon_chances < 1:
            raise ValueError(f"horizon must be at least 1 chance, got {self.horizon_chances}")
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
    risk_next: float | None = None  # risk rule: P(overflow before the next chance)
    due_on: date | None = None  # risk rule: the last day it may wait for (None: later)


def next_collection_day(plan_date: date, weekdays: frozenset[int],
                        closed: frozenset[date] = frozenset()) -> date:
    """The first day after `plan_date` on a collection weekday that is not closed."""
    for k in range(1, 8 + 7 * len(closed)):
        d = plan_date + timedelta(days=k)
        if d.isoweekday() in weekdays and d not in closed:
            return d
    raise ValueError("no collection weekday")  # unreachable: weekdays is never empty


def coming_collection_days(plan_date: date, weekdays: frozenset[int], n: int,
                           closed: frozenset[date] = frozenset()) -> list[date]:
    """The next `n` collection days after `plan_date`."""
    out: list[date] = []
    day = plan_date
    while len(out) < n:
        day = next_collection_day(day, weekdays, closed)
        out.append(day)
    return out


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
                      area_weekday: int | None = None,
                      uncertainties: Mapping[int, Uncertainty] | None = None,
                      locations: Mapping[int, tuple[float, float]] | None = None,
                      groups: Mapping[int, str] | None = None,
                      chances: Sequence[date] | None = None) -> list[Decision]:
    """A decision for every forecast, in container id order. `service_time` is the local time
    at which a container is assumed to be emptied on the plan day, `next_chance_time` (default:
    the same) on the next chance, which is `next_chance` if given, else the next collection
    weekday that is not closed. With `area_days` (container id -> its area's ISO weekdays),
    the containers whose area day it is (`area_weekday`, default the plan date's weekday) and
    that could not wait for their area's next day are promoted (`planning.areas`).

    The risk rule (`policy.rule == "risk"`) reads `uncertainties` (else the priors),
    `locations` (container id -> (lat, lon); required), `groups` (container id -> fraction: a
    visit is priced among its own group; default one group) and `chances` (the coming
    collection days; default from the policy's weekdays and closed dates); area days are not
    used by it."""
    if policy.rule == "risk":
        if locations is None:
            raise ValueError("the risk rule needs each container's location (locations=)")
        days = list(chances) if chances is not None else coming_collection_days(
            plan_date, policy.collection_weekdays, policy.horizon_chances, policy.closed_dates)
        end = next_chance_time or service_time
        return _select_by_risk(forecasts, [horizon.Chance(d, local_time_s(d, service_time, tz),
                                                          local_time_s(d, end, tz))
                                           for d in [plan_date, *days]],
                               policy, alarms or {}, uncertainties or {}, locations,
                               groups or {})
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


def _select_by_risk(forecasts: Mapping[int, Forecast], chances: list[horizon.Chance],
                    policy: SelectionPolicy, alarms: Mapping[int, Alarms],
                    uncertainties: Mapping[int, Uncertainty],
                    locations: Mapping[int, tuple[float, float]],
                    groups: Mapping[int, str]) -> list[Decision]:
    """The risk rule (planning.horizon): must when due today, else a prize for what taking it
    today saves."""
    unc = {cid: uncertainties.get(cid) or prior_uncertainty(f) for cid, f in forecasts.items()}
    views = horizon.outlooks(forecasts, unc, chances, policy.risk_threshold)
    costs = horizon.visit_costs(views, locations, groups, len(chances), policy.detour_factor,
                                policy.lonely_visit_m)
    thr = policy.risk_threshold
    out = []
    for cid in sorted(forecasts):
        f, v = forecasts[cid], views[cid]
        health = f" [sensor {', '.join(f.health)}; forecast from {f.method}]" if f.health else ""
        decide = partial(_risk_decision, f, v, chances)
        a = alarms.get(cid, Alarms())
        if a.reasons() or v.due_index == 0:
            reason = (" and ".join(a.reasons()) if a.reasons()
                      else horizon.must_reason(v, chances, thr))
            out.append(decide("must", 0, reason + health))
            continue
        prize = horizon.prize_of(v, costs, policy.overflow_cost_m)
        text = horizon.explain(v, prize, chances, thr)
        if v.fill_today <= policy.skip_level or prize.total_m < policy.min_prize_m:
            why = (f"{v.fill_today:.0%} at service (<= skip level {policy.skip_level:.0%}); "
                   if v.fill_today <= policy.skip_level else "prize below "
                   f"{policy.min_prize_m} m; ")
            out.append(decide("skip", 0, "skip: " + why + text + health))
            continue
        out.append(decide("optional", round(prize.total_m), "optional: " + text + health))
    return out


def _risk_decision(f: Forecast, v: horizon.Outlook, chances: list[horizon.Chance],
                   decision: str, prize_m: int, reason: str) -> Decision:
    nxt = chances[1] if len(chances) > 1 else chances[0]
    return Decision(container_id=f.container_id, decision=decision, reason=reason,
                    prize_m=prize_m, fill_now=f.fill_at(f.at_s), fill_at_service=v.fill_today,
                    fill_at_next_chance=f.fill_at(nxt.end_s), next_chance_at_s=nxt.end_s,
                    forecast=f, risk_next=v.risk_next,
                    due_on=chances[v.due_index].day if v.due_index < len(chances) else None)


def _decide(f: Forecast, alarms: Alarms, service_s: float, next_s: float, nxt: date,
            policy: SelectionPolicy) -> Decision:
    now, at_service, at_next = f.fill_at(f.at_s), f.fill_at(service_s), f.fill_at(next_s)
    health = f" [sensor {', '.join(f.health)}; forecast from {f.method}]" if f.health else ""
    common: dict[str, Any] = dict(container_id=f.container_id, fill_now=now,
                                  fill_at_service=at_service, fill_at_next_chance=at_next,
                                  next_chance_at_s=next_s, forecast=f)
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
