"""The calendar of a simulated city: service days, Dutch public holidays and deposit patterns.

Deposit patterns are multipliers around 1.0: a weekday profile per fraction (more residual
waste after the weekend, more glass after it), a seasonal swing (organic waste peaks in
summer, glass and paper in December) and holiday peaks (the days after Christmas, King's Day).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from domain import Fraction

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


def easter(year: int) -> date:
    """Easter Sunday (Gregorian, anonymous algorithm)."""
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


def dutch_holidays(year: int) -> dict[date, str]:
    """Public holidays in the Netherlands on which waste is usually not collected."""
    e = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:
        kings_day = date(year, 4, 26)
    return {
        date(year, 1, 1): "New Year's Day",
        e + timedelta(days=1): "Easter Monday",
        kings_day: "King's Day",
        e + timedelta(days=39): "Ascension Day",
        e + timedelta(days=50): "Whit Monday",
        date(year, 12, 25): "Christmas Day",
        date(year, 12, 26): "Boxing Day",
    }


def is_service_day(day: date) -> bool:
    """Trucks drive Monday to Friday except on public holidays, and on a catch-up Saturday
    ("inhaalzaterdag"): the Saturday before a Monday holiday, or after a Tuesday-Friday one."""
    holidays = dutch_holidays(day.year) | dutch_holidays(day.year + 1)
    if day.weekday() < 5:
        return day not in holidays
    if day.weekday() == 5:
        if day + timedelta(days=2) in holidays:
            return True
        return any(day - timedelta(days=k) in holidays for k in range(1, 5))
    return False


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


def collection_day(day: date) -> date:
    """Where a collection scheduled on `day` happens: that day if trucks drive, else the
    catch-up Saturday before a Monday holiday, else the next service day."""
    if is_service_day(day):
        return day
    saturday = day - timedelta(days=2)
    if day.weekday() == 0 and is_service_day(saturday):
        return saturday
    nxt = day + timedelta(days=1)
    while not is_service_day(nxt):
        nxt += timedelta(days=1)
    return nxt
