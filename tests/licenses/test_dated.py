from datetime import UTC, datetime, timedelta

import pytest

from licenses.dated import Schedule

SWITCHES = ((datetime(2011, 4, 8, tzinfo=UTC), "CC-BY-SA-3.0"), (datetime(2018, 5, 2, tzinfo=UTC), "CC-BY-SA-4.0"))
SCHEDULE = Schedule("CC-BY-SA-2.5", SWITCHES)


def test_an_instant_belongs_to_the_licence_that_starts_at_it():
    tick = timedelta(microseconds=1)
    previous = SCHEDULE.first
    for instant, licence in SWITCHES:
        assert SCHEDULE.at(instant - tick) == previous
        assert SCHEDULE.at(instant) == SCHEDULE.at(instant + tick) == licence
        previous = licence


def test_a_naive_datetime_is_read_as_utc():
    instant = SWITCHES[0][0]
    assert SCHEDULE.at(instant.replace(tzinfo=None)) == SWITCHES[0][1]
    assert SCHEDULE.at(instant.replace(tzinfo=None) - timedelta(seconds=1)) == SCHEDULE.first


def test_newest_is_the_latest_in_the_schedule_not_in_the_alphabet():
    schedule = Schedule("B", ((datetime(2000, 1, 1, tzinfo=UTC), "A"),))
    assert schedule.newest(["B", "A", "B"]) == "A"
    assert SCHEDULE.newest([SCHEDULE.first]) == SCHEDULE.first


def test_a_licence_outside_the_schedule_or_switches_out_of_order_are_refused():
    with pytest.raises(ValueError, match="MIT"):
        SCHEDULE.newest(["CC-BY-SA-3.0", "MIT"])
    with pytest.raises(ValueError, match="time order"):
        Schedule("X", tuple(reversed(SWITCHES)))
    with pytest.raises(ValueError, match="aware"):
        Schedule("X", ((datetime(2011, 4, 8), "Y"),))
