"""The service calendar of a tenant (and fraction): on which days trucks drive, and when.

The one place that answers "is D a service day, what are its shift times, what is the next
chance after D, and where does a collection scheduled on a holiday go". The planner, the
selection's next chance, the simulator and the trial all call these functions.

A `ServiceCalendar` holds:
- `weekdays`: the ISO weekdays served (1 = Monday .. 7 = Sunday);
- the Dutch public holidays of each year, computed from Easter (`dutch_holidays`), with two
  choices: Good Friday (off or not) and Liberation Day (every year, lustrum years only, never);
  plus the tenant's own `closed_dates`;
- `holiday_rule`: what happens to a collection that falls on a holiday on a served weekday
  (`HolidayRule`);
- shift times: `default_shift`, overridden per weekday by `shifts`.

Pure functions: `is_service_day`, `service_days`, `next_chance`, `next_chances`,
`previous_service_day`, `collection_day`, `shift_on`, `parse_weekdays`; `calendar_from_dict`
and `calendar_to_dict` give the one JSON form (the API, the CLI, the trial's calendar file and
the database all use it). Bad input raises `CalendarError` (a `ValueError`) naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO 1..7


class CalendarError(ValueError):
    """A calendar that cannot be: the message names the field and the value."""


class HolidayRule(StrEnum):
    """What happens to a collection due on a holiday that falls on a served weekday."""

    SKIP = "skip"  # not collected; the next chance is the next service day
    DAY_BEFORE = "day_before"  # the nearest earlier day that is not a holiday (nor an
    # unserved Sunday) is worked instead
    SATURDAY_BEFORE = "saturday_before"  # the Saturday before is worked instead
    NEXT_SERVICE_DAY = "next_service_day"  # collected on the next service day
    CATCH_UP_SATURDAY = "catch_up_saturday"  # "inhaalzaterdag": a Saturday is worked, the
    # one before a Monday holiday (the collection moves there) or the one after a Tuesday to
    # Friday holiday (the collection moves to the next service day, at the latest that one)
    SERVE = "serve"  # served anyway


class LiberationDay(StrEnum):
    """Bevrijdingsdag (5 May): a day off every year, in lustrum years (2025, 2030) or never."""

    EVERY_YEAR = "every_year"
    LUSTRUM = "lustrum"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class Shift:
    """The working hours of a service day (local time)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise CalendarError(f"shift: end {self.end:%H:%M} is not after start "
                                f"{self.start:%H:%M}")

    @property
    def start_s(self) -> int:
        """Seconds since local midnight."""
        return self.start.hour * 3600 + self.start.minute * 60 + self.start.second

    @property
    def end_s(self) -> int:
        return self.end.hour * 3600 + self.end.minute * 60 + self.end.second


DEFAULT_SHIFT = Shift(time(7, 0), time(15, 30))
MON_FRI = frozenset({1, 2, 3, 4, 5})


@dataclass(frozen=True, slots=True)
class ServiceCalendar:
    """When a tenant's (fraction's) trucks drive. Hashable, so lookups can be cached."""

    weekdays: frozenset[int] = MON_FRI
    holiday_rule: HolidayRule = HolidayRule.CATCH_UP_SATURDAY
    good_friday: bool = False
    liberation_day: LiberationDay = LiberationDay.LUSTRUM
    default_shift: Shift = DEFAULT_SHIFT
    shifts: tuple[tuple[int, Shift], ...] = ()  # (ISO weekday, shift) overrides
    closed_dates: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.weekdays or not set(self.weekdays) <= set(range(1, 8)):
            raise CalendarError(f"weekdays: need ISO days 1 (Monday) .. 7 (Sunday), got "
                                f"{sorted(self.weekdays)}")
        days = [d for d, _ in self.shifts]
        if len(set(days)) != len(days) or not set(days) <= set(range(1, 8)):
            raise CalendarError(f"shifts: one per ISO weekday 1..7, got {days}")
        object.__setattr__(self, "holiday_rule", HolidayRule(self.holiday_rule))
        object.__setattr__(self, "liberation_day", LiberationDay(self.liberation_day))

    def shift_for_weekday(self, iso_weekday: int) -> Shift:
        return dict(self.shifts).get(iso_weekday, self.default_shift)


DEFAULT_CALENDAR = ServiceCalendar()


# -- holidays -------------------------------------------------------------------------------
def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar, the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def dutch_holidays(year: int, good_friday: bool = False,
                   liberation_day: LiberationDay | str = LiberationDay.LUSTRUM
                   ) -> dict[date, str]:
    """The Dutch public holidays of a year (English names; Dutch in docs/planning.md)."""
    e = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday it moves to the Saturday before
        kings_day = date(year, 4, 26)
    out = {
        date(year, 1, 1): "New Year's Day",
        e: "Easter Sunday",
        e + timedelta(days=1): "Easter Monday",
        kings_day: "King's Day",
        e + timedelta(days=39): "Ascension Day",
        e + timedelta(days=49): "Whit Sunday",
        e + timedelta(days=50): "Whit Monday",
        date(year, 12, 25): "Christmas Day",
        date(year, 12, 26): "Boxing Day",
    }
    if good_friday:
        out[e - timedelta(days=2)] = "Good Friday"
    rule = LiberationDay(liberation_day)
    if rule is LiberationDay.EVERY_YEAR or (rule is LiberationDay.LUSTRUM and year % 5 == 0):
        out[date(year, 5, 5)] = "Liberation Day"
    return out


def holidays(calendar: ServiceCalendar, year: int) -> dict[date, str]:
    """The calendar's days off of a year: public holidays and its own closed dates."""
    out = dutch_holidays(year, calendar.good_friday, calendar.liberation_day)
    for d in calendar.closed_dates:
        if d.year == year:
            out.setdefault(d, "closed")
    return out


@dataclass(frozen=True, slots=True)
class _Year:
    off: frozenset[date]  # holidays that fall on a served weekday and are not served
    opened: frozenset[date]  # days worked instead (catch-up Saturdays, days before)
    moved: Mapping[date, date | None]  # a holiday's collection -> where it goes (None: dropped)


def _served_weekday(calendar: ServiceCalendar, day: date) -> bool:
    return day.isoweekday() in calendar.weekdays


@lru_cache(maxsize=256)
def _year(calendar: ServiceCalendar, year: int) -> _Year:
    days_off = holidays(calendar, year - 1) | holidays(calendar, year) | holidays(calendar,
                                                                                  year + 1)
    rule = calendar.holiday_rule
    if rule is HolidayRule.SERVE:
        return _Year(frozenset(), frozenset(), {})
    off = frozenset(d for d in days_off if _served_weekday(calendar, d))
    opened: set[date] = set()
    moved: dict[date, date | None] = {}
    for h in sorted(off):
        target = _opened_for(calendar, h, days_off)
        if target is not None:
            opened.add(target)
        if rule is HolidayRule.SKIP:
            moved[h] = None
        elif rule in (HolidayRule.DAY_BEFORE, HolidayRule.SATURDAY_BEFORE) or (
                rule is HolidayRule.CATCH_UP_SATURDAY and h.isoweekday() == 1):
            moved[h] = target
    return _Year(off, frozenset(opened - off), moved)


def _opened_for(calendar: ServiceCalendar, h: date, days_off: Mapping[date, str]) -> date | None:
    """The day worked instead of holiday `h` under the calendar's rule, if any."""
    rule = calendar.holiday_rule
    if rule is HolidayRule.DAY_BEFORE:
        d = h - timedelta(days=1)
        while d in days_off or (d.isoweekday() == 7 and 7 not in calendar.weekdays):
            d -= timedelta(days=1)
        return d
    if rule is HolidayRule.SATURDAY_BEFORE or (
            rule is HolidayRule.CATCH_UP_SATURDAY and h.isoweekday() == 1):
        d = h - timedelta(days=(h.isoweekday() + 1) % 7 or 7)
        while d in days_off:
            d -= timedelta(days=7)
        return d
    if rule is HolidayRule.CATCH_UP_SATURDAY and h.isoweekday() <= 5:
        d = h + timedelta(days=6 - h.isoweekday())
        return None if d in days_off else d
    return None


# -- the questions ---------------------------------------------------------------------------
def is_service_day(calendar: ServiceCalendar, day: date) -> bool:
    """Do trucks drive on `day`?"""
    y = _year(calendar, day.year)
    if day in y.opened:
        return True
    return _served_weekday(calendar, day) and day not in y.off


def service_days(calendar: ServiceCalendar, first: date, last: date) -> list[date]:
    """The service days from `first` to `last`, both included."""
    return [first + timedelta(days=k) for k in range((last - first).days + 1)
            if is_service_day(calendar, first + timedelta(days=k))]


def next_chance(calendar: ServiceCalendar, day: date) -> date:
    """The first service day after `day`."""
    for k in range(1, 370):
        d = day + timedelta(days=k)
        if is_service_day(calendar, d):
            return d
    raise CalendarError("weekdays: no service day within a year")  # unreachable when valid


def next_chances(calendar: ServiceCalendar, day: date, count: int) -> list[date]:
    """The next `count` service days after `day` (a look-ahead's chances)."""
    out: list[date] = []
    while len(out) < count:
        day = next_chance(calendar, day)
        out.append(day)
    return out


def previous_service_day(calendar: ServiceCalendar, day: date) -> date:
    """The last service day before `day`."""
    for k in range(1, 370):
        d = day - timedelta(days=k)
        if is_service_day(calendar, d):
            return d
    raise CalendarError("weekdays: no service day within a year")


def collection_day(calendar: ServiceCalendar, day: date) -> date | None:
    """Where a collection scheduled on `day` happens: that day if it is a service day; for a
    holiday on a served weekday, where the calendar's rule sends it (None: dropped); else the
    next service day."""
    if is_service_day(calendar, day):
        return day
    y = _year(calendar, day.year)
    if day in y.moved:
        target = y.moved[day]
        if target is None or is_service_day(calendar, target):
            return target
    return next_chance(calendar, day)


def shift_on(calendar: ServiceCalendar, day: date) -> Shift | None:
    """The shift of a service day (its weekday's, or the default); None on other days."""
    if not is_service_day(calendar, day):
        return None
    return calendar.shift_for_weekday(day.isoweekday())


# -- the JSON form ---------------------------------------------------------------------------
def parse_weekdays(value: Any) -> frozenset[int]:
    """ISO weekdays from "mon-sat", "mon,wed,fri", "1-5", or a list of names or numbers."""
    if isinstance(value, str):
        parts: list[Any] = [p.strip() for p in value.split(",") if p.strip()]
    elif isinstance(value, list | tuple | set | frozenset):
        parts = list(value)
    else:
        raise CalendarError(f"weekdays: give a list or a text like 'mon-sat', got {value!r}")
    out: set[int] = set()
    for part in parts:
        if isinstance(part, str) and "-" in part:
            lo, hi = (_weekday(p) for p in part.split("-", 1))
            if hi < lo:
                raise CalendarError(f"weekdays: range {part!r} runs backwards")
            out.update(range(lo, hi + 1))
        else:
            out.add(_weekday(part))
    if not out:
        raise CalendarError(f"weekdays: no day in {value!r}")
    return frozenset(out)


def _weekday(value: Any) -> int:
    if isinstance(value, bool):
        raise CalendarError(f"weekdays: {value!r} is not a weekday")
    if isinstance(value, int) and 1 <= value <= 7:
        return value
    text = str(value).strip().lower()
    if text.isdigit() and 1 <= int(text) <= 7:
        return int(text)
    if text[:3] in WEEKDAY_NAMES and len(text) >= 3:
        return WEEKDAY_NAMES.index(text[:3]) + 1
    raise CalendarError(f"weekdays: {value!r} is not a weekday (mon..sun or 1..7)")


def _shift_day(value: Any) -> int:
    try:
        return _weekday(value)
    except CalendarError:
        raise CalendarError(f"shifts: {value!r} is not a weekday (mon..sun or 1..7)") from None


def _time(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise CalendarError(f"{where}: {value!r} is not a time like 07:00") from None


def _shift(value: Any, where: str) -> Shift:
    if not isinstance(value, Mapping) or set(value) != {"start", "end"}:
        raise CalendarError(f"{where}: give {{\"start\": \"07:00\", \"end\": \"15:30\"}}, "
                            f"got {value!r}")
    try:
        return Shift(_time(value["start"], f"{where}.start"), _time(value["end"], f"{where}.end"))
    except CalendarError as exc:
        raise CalendarError(f"{where}: {exc}") from None


KEYS = {"weekdays", "holiday_rule", "good_friday", "liberation_day", "shift", "shifts",
        "closed_dates"}


def calendar_from_dict(data: Any) -> ServiceCalendar:
    """A calendar from its JSON form (missing keys take the defaults)."""
    if not isinstance(data, Mapping):
        raise CalendarError(f"calendar: expected an object, got {type(data).__name__}")
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise CalendarError(f"{unknown[0]}: unknown key; expected {', '.join(sorted(KEYS))}")
    kw: dict[str, Any] = {}
    if "weekdays" in data:
        kw["weekdays"] = parse_weekdays(data["weekdays"])
    for key, kind in (("holiday_rule", HolidayRule), ("liberation_day", LiberationDay)):
        if key in data:
            try:
                kw[key] = kind(data[key])
            except ValueError:
                raise CalendarError(f"{key}: {data[key]!r} is not one of "
                                    f"{', '.join(k.value for k in kind)}") from None
    if "good_friday" in data:
        if not isinstance(data["good_friday"], bool):
            raise CalendarError(f"good_friday: expected true or false, got {data['good_friday']!r}")
        kw["good_friday"] = data["good_friday"]
    if "shift" in data:
        kw["default_shift"] = _shift(data["shift"], "shift")
    if "shifts" in data:
        if not isinstance(data["shifts"], Mapping):
            raise CalendarError("shifts: expected an object like {\"sat\": {...}}")
        kw["shifts"] = tuple(sorted((_shift_day(k), _shift(v, f"shifts.{k}"))
                                    for k, v in data["shifts"].items()))
    if "closed_dates" in data:
        kw["closed_dates"] = frozenset(_date(v) for v in _list(data["closed_dates"]))
    return ServiceCalendar(**kw)


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise CalendarError(f"closed_dates: expected a list of dates, got {value!r}")
    return value


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CalendarError(f"closed_dates: {value!r} is not a date like 2026-06-01") from None


def calendar_to_dict(calendar: ServiceCalendar) -> dict[str, Any]:
    """The JSON form (every key)."""
    def hhmm(t: time) -> str:
        return t.strftime("%H:%M")

    return {
        "weekdays": [WEEKDAY_NAMES[d - 1] for d in sorted(calendar.weekdays)],
        "holiday_rule": calendar.holiday_rule.value,
        "good_friday": calendar.good_friday,
        "liberation_day": calendar.liberation_day.value,
        "shift": {"start": hhmm(calendar.default_shift.start),
                  "end": hhmm(calendar.default_shift.end)},
        "shifts": {WEEKDAY_NAMES[d - 1]: {"start": hhmm(s.start), "end": hhmm(s.end)}
                   for d, s in calendar.shifts},
        "closed_dates": [d.isoformat() for d in sorted(calendar.closed_dates)],
    }
