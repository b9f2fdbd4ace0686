"""The calendar of a simulated city: service days, Dutch public holidays and deposit patterns.

Which days trucks drive is the tenant's service calendar (`domain.service_calendar`): the
functions here take one (default: Monday to Friday, Dutch holidays, catch-up Saturdays) and
ask it; nothing here decides service days on its own.

Deposit patterns are multipliers around 1.0: a weekday profile per fraction (more residual
waste after the weekend, more glass after it), a seasonal swing (organic waste peaks in
summer, glass and paper in December) and holiday peaks (the days after Christmas, King's Day).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from domain import Fraction, service_calendar
from domain.service_calendar import DEFAULT_CALENDAR, ServiceCalendar, dutch_holidays, easter

__all__ = ["DEFAULT_CALENDAR", "ServiceCalendar", "area_weekday", "closed_weekdays",
           "collection_day", "day_factor", "dutch_holidays", "easter", "holiday_peak",
           "is_service_day", "next_service_day"]

#: Monday..Sunday multipliers of the mean daily deposit, per fraction (each averages 1.0).
WEEKDAY_PROFILE: dict[Fraction, tuple[float, ...]] = {
    Fraction.RESIDUAL: (1.18, 1.00, 0.95, 0.95, 0.97, 1.00, 0.95),
    Fraction.PAPER: (1.10, 1.05, 1.00, 0.95, 0.95, 1.00, 0.95),
    Fraction.GLASS: (0.90, 0.85, 0.85, 0.90, 1.00, 1.35, 1.15),
    Fraction.PLASTIC: (1.12, 1.00, 0.97, 0.95, 0.96, 1.00, 1.00),
    Fraction.ORGANIC: (1.15, 1.00, 0.95, 0.95, 0.95, 1.05, 0.95),
    Fraction.TEXTILE: (0.90, 0.90, 0.90, 0.90, 1.00, 1.30, 1.10),
}

#: Amplitude of the seasonal swing and the day of the year of its peak.
SEASON: dict[Fraction, tuple[float, int]] = {
    Fraction.RESIDUAL: (0.05, 350),
    Fraction.PAPER: (0.12, 355),
    Fraction.GLASS: (0.15, 360),
    Fraction.PLASTIC: (0.06, 200),
    Fraction.ORGANIC: (0.30, 190),
    Fraction.TEXTILE: (0.10, 100),
}


def is_service_day(day: date, calendar: ServiceCalendar = DEFAULT_CALENDAR) -> bool:
    """Do trucks drive on `day`? By default Monday to Friday except on public holidays, and on
    a catch-up Saturday ("inhaalzaterdag"): the Saturday before a Monday holiday, or after a
    Tuesday-Friday one (`domain.service_calendar`, the one place that decides)."""
    return service_calendar.is_service_day(calendar, day)


def holiday_peak(day: date, fraction: Fraction) -> float:
    """Extra deposits around holidays: the Christmas week, King's Day, New Year."""
    peak = 1.0
    year_days = dutch_holidays(day.year)
    if date(day.year, 12, 24) <= day <= date(day.year, 12, 31):
        peak *= {Fraction.PAPER: 1.8, Fraction.GLASS: 1.7,
                 Fraction.RESIDUAL: 1.25}.get(fraction, 1.1)
    if day == date(day.year, 1, 1) or day == date(day.year, 1, 2):
        peak *= {Fraction.GLASS: 2.0, Fraction.PAPER: 1.3}.get(fraction, 1.15)
    name = year_days.get(day) or year_days.get(day - timedelta(days=1))
    if name == "King's Day":
        peak *= {Fraction.GLASS: 1.8, Fraction.RESIDUAL: 1.3,
                 Fraction.PLASTIC: 1.4}.get(fraction, 1.1)
    return peak


def day_factor(day: date, fraction: Fraction) -> float:
    """The deposit multiplier of one day for one fraction (weekday × season × holiday)."""
    amplitude, peak_doy = SEASON[fraction]
    doy = day.timetuple().tm_yday
    season = 1.0 + amplitude * math.cos(2 * math.pi * (doy - peak_doy) / 365.25)
    return WEEKDAY_PROFILE[fraction][day.weekday()] * season * holiday_peak(day, fraction)


def collection_day(day: date, calendar: ServiceCalendar = DEFAULT_CALENDAR) -> date:
    """Where a collection scheduled on `day` happens: that day if trucks drive, else where the
    calendar's holiday rule sends it (by default the catch-up Saturday before a Monday holiday,
    else the next service day). A collection the rule drops (`skip`) is taken on the next
    service day, as a fixed round would."""
    moved = service_calendar.collection_day(calendar, day)
    return service_calendar.next_chance(calendar, day) if moved is None else moved


def next_service_day(day: date, calendar: ServiceCalendar = DEFAULT_CALENDAR) -> date:
    """The first service day after `day` (the next chance to collect)."""
    return service_calendar.next_chance(calendar, day)


def closed_weekdays(day: date, calendar: ServiceCalendar = DEFAULT_CALENDAR,
                    days: int = 21) -> frozenset[date]:
    """Days on a served weekday without service in the `days` after `day` (holidays)."""
    ahead = (day + timedelta(days=k) for k in range(1, days + 1))
    return frozenset(d for d in ahead if d.isoweekday() in calendar.weekdays
                     and not is_service_day(d, calendar))


def area_weekday(day: date, calendar: ServiceCalendar = DEFAULT_CALENDAR) -> int:
    """The weekday (0 = Monday) whose area (sector) is served on `day`: its own on a served
    weekday, else that of the collection moved to it (a catch-up Saturday takes the holiday's
    weekday), else Monday's."""
    if day.isoweekday() in calendar.weekdays:
        return day.weekday()
    for k in (2, -1, -2, -3, -4, 1, -5, -6):
        cand = day + timedelta(days=k)
        if cand.isoweekday() in calendar.weekdays and collection_day(cand, calendar) == day \
                and cand != day:
            return cand.weekday()
    return 0
