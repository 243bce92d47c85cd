"""The charity's clock: dates and times in its own zone, never the machine's."""

from datetime import date, datetime, timezone

import pytest

from referrals import clock
from referrals.settings import SettingsError, from_env

LONDON = clock.zone("Europe/London")


@pytest.mark.parametrize(
    "utc, expected",
    [
        (datetime(2026, 7, 15, 22, 59, tzinfo=timezone.utc), date(2026, 7, 15)),  # 23:59 BST
        (datetime(2026, 7, 15, 23, 30, tzinfo=timezone.utc), date(2026, 7, 16)),  # 00:30 BST
        (datetime(2026, 1, 15, 23, 30, tzinfo=timezone.utc), date(2026, 1, 15)),  # 23:30 GMT
        (datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc), date(2026, 3, 29)),  # clocks go forward at 01:00 UTC
        (datetime(2026, 10, 24, 23, 30, tzinfo=timezone.utc), date(2026, 10, 25)),  # BST, day the clocks go back
    ],
)
def test_today_is_the_charitys_date_either_side_of_midnight(utc, expected):
    assert clock.today(LONDON, utc) == expected


def test_local_time_follows_the_clock_changes():
    assert clock.local(datetime(2026, 3, 29, 0, 59, tzinfo=timezone.utc), LONDON).strftime("%H:%M") == "00:59"
    assert clock.local(datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc), LONDON).strftime("%H:%M") == "02:00"
    assert clock.local(datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc), LONDON).strftime("%H:%M %Z") == "01:30 BST"
    assert clock.local(datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc), LONDON).strftime("%H:%M %Z") == "01:30 GMT"


def test_timezone_setting_defaults_to_london_and_refuses_nonsense():
    assert from_env({}).timezone == "Europe/London"
    assert from_env({"REFERRALS_TIMEZONE": "Europe/Warsaw"}).zone.key == "Europe/Warsaw"
    with pytest.raises(SettingsError, match="REFERRALS_TIMEZONE.*Europe/London"):
        from_env({"REFERRALS_TIMEZONE": "Oxford"})
