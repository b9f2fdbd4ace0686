"""The service calendar: holidays from Easter, the holiday rules, Saturday service, shifts."""

from __future__ import annotations

from datetime import date, time

import pytest

from domain.service_calendar import (
    DEFAULT_CALENDAR,
    CalendarError,
    HolidayRule,
    ServiceCalendar,
    Shift,
    calendar_from_dict,
    calendar_to_dict,
    collection_day,
    dutch_holidays,
    easter,
    is_service_day,
    next_chance,
    parse_weekdays,
    service_days,
    shift_on,
)

KINGS_DAY_2026 = date(2026, 4, 27)  # a Monday
ASCENSION_2026 = date(2026, 5, 14)  # a Thursday


def test_easter_and_the_holidays_that_hang_on_it():
    """Easter is computed, not looked up; Ascension and Whit Monday follow from it."""
    assert easter(2026) == date(2026, 4, 5)
    assert easter(2027) == date(2027, 3, 28)
    names = {v: k for k, v in dutch_holidays(2026).items()}
    assert names["Easter Monday"] == date(2026, 4, 6)
    assert names["Ascension Day"] == ASCENSION_2026
    assert names["Whit Monday"] == date(2026, 5, 25)


def test_kings_day_on_a_sunday_moves_to_saturday():
    """27 April 2025 is a Sunday: King's Day is the 26th."""
    assert date(2025, 4, 26) in dutch_holidays(2025)
    assert date(2025, 4, 27) not in dutch_holidays(2025)


def test_liberation_day_and_good_friday_are_choices():
    """Bevrijdingsdag: every year, lustrum years only (the default), or never."""
    assert date(2025, 5, 5) in dutch_holidays(2025)
    assert date(2026, 5, 5) not in dutch_holidays(2026)
    assert date(2026, 5, 5) in dutch_holidays(2026, liberation_day="every_year")
    assert date(2025, 5, 5) not in dutch_holidays(2025, liberation_day="never")
    assert date(2026, 4, 3) in dutch_holidays(2026, good_friday=True)
    assert date(2026, 4, 3) not in dutch_holidays(2026)


@pytest.mark.parametrize(("rule", "moved_to", "extra_day"), [
    (HolidayRule.CATCH_UP_SATURDAY, date(2026, 4, 25), date(2026, 4, 25)),
    (HolidayRule.SATURDAY_BEFORE, date(2026, 4, 25), date(2026, 4, 25)),
    (HolidayRule.DAY_BEFORE, date(2026, 4, 25), date(2026, 4, 25)),  # Sunday not served
    (HolidayRule.NEXT_SERVICE_DAY, date(2026, 4, 28), None),
    (HolidayRule.SKIP, None, None),
])
def test_a_monday_holiday_moves_the_collection_as_the_rule_says(rule, moved_to, extra_day):
    """King's Day 2026 (a Monday): where its collection goes, and which extra day is worked."""
    cal = ServiceCalendar(holiday_rule=rule)
    assert not is_service_day(cal, KINGS_DAY_2026)
    assert collection_day(cal, KINGS_DAY_2026) == moved_to
    saturday = date(2026, 4, 25)
    assert is_service_day(cal, saturday) == (extra_day == saturday)


def test_a_thursday_holiday_under_each_rule():
    """Ascension 2026: catch-up Saturday after it; day before is Wednesday (already served)."""
    catch_up = ServiceCalendar()
    assert collection_day(catch_up, ASCENSION_2026) == date(2026, 5, 15)
    assert is_service_day(catch_up, date(2026, 5, 16))
    before = ServiceCalendar(holiday_rule="day_before")
    assert collection_day(before, ASCENSION_2026) == date(2026, 5, 13)
    assert not is_service_day(before, date(2026, 5, 16))
    serve = ServiceCalendar(holiday_rule="serve")
    assert is_service_day(serve, ASCENSION_2026)
    assert collection_day(serve, ASCENSION_2026) == ASCENSION_2026


def test_christmas_day_before_steps_over_boxing_day():
    """25 and 26 Dec 2025 (Thu, Fri): under day_before both collections go to the 24th."""
    cal = ServiceCalendar(holiday_rule="day_before")
    assert collection_day(cal, date(2025, 12, 25)) == date(2025, 12, 24)
    assert collection_day(cal, date(2025, 12, 26)) == date(2025, 12, 24)


def test_a_saturday_serving_tenant_gets_saturday_chances():
    """Monday to Saturday: Friday's next chance is Saturday; Monday to Friday: Monday."""
    friday = date(2026, 6, 5)
    mon_sat = ServiceCalendar(weekdays=parse_weekdays("mon-sat"))
    assert next_chance(mon_sat, friday) == date(2026, 6, 6)
    assert next_chance(DEFAULT_CALENDAR, friday) == date(2026, 6, 8)
    # before Whit Monday even Monday to Friday works the catch-up Saturday
    assert next_chance(DEFAULT_CALENDAR, date(2026, 5, 22)) == date(2026, 5, 23)
    week = service_days(mon_sat, date(2026, 6, 1), date(2026, 6, 7))
    assert [d.isoweekday() for d in week] == [1, 2, 3, 4, 5, 6]


def test_shift_times_per_weekday():
    """A short Saturday shift; no shift on a day without service."""
    cal = calendar_from_dict({"weekdays": "mon-sat",
                              "shifts": {"sat": {"start": "07:00", "end": "12:00"}}})
    assert shift_on(cal, date(2026, 6, 6)) == Shift(time(7), time(12))
    assert shift_on(cal, date(2026, 6, 5)) == Shift(time(7), time(15, 30))
    assert shift_on(cal, date(2026, 6, 7)) is None
    assert shift_on(cal, date(2026, 6, 6)).end_s == 12 * 3600


def test_json_round_trip_and_closed_dates():
    """The JSON form gives the same calendar back; a tenant's own closed date is a day off."""
    cal = calendar_from_dict({"weekdays": [1, 2, 3, 4, 5, 6], "holiday_rule": "skip",
                              "good_friday": True, "liberation_day": "every_year",
                              "shift": {"start": "06:30", "end": "15:00"},
                              "closed_dates": ["2026-06-03"]})
    assert calendar_from_dict(calendar_to_dict(cal)) == cal
    assert not is_service_day(cal, date(2026, 6, 3))
    assert collection_day(cal, date(2026, 6, 3)) is None


@pytest.mark.parametrize(("data", "field"), [
    ({"weekdays": []}, "weekdays"),
    ({"weekdays": "mon-funday"}, "weekdays"),
    ({"holiday_rule": "pray"}, "holiday_rule"),
    ({"shift": {"start": "16:00", "end": "08:00"}}, "shift"),
    ({"shifts": {"sat": {"start": "7"}}}, "shifts.sat"),
    ({"closed_dates": ["tomorrow"]}, "closed_dates"),
    ({"good_friday": "yes"}, "good_friday"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_names_the_field(data, field):
    """Every bad calendar raises CalendarError whose message starts with the field."""
    with pytest.raises(CalendarError) as err:
        calendar_from_dict(data)
    assert str(err.value).startswith(field)


def test_next_chances_skip_holidays_and_take_catch_up_saturdays():
    """From the Thursday before King's Day 2026 (Monday): Friday, catch-up Saturday, Tuesday."""
    from domain.service_calendar import next_chances

    assert next_chances(DEFAULT_CALENDAR, date(2026, 4, 23), 3) == [
        date(2026, 4, 24), date(2026, 4, 25), date(2026, 4, 28)]
