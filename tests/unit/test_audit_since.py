"""``audit show --since`` takes an ISO time or a duration back from now, and refuses
anything else in one line."""

import argparse
from datetime import UTC, datetime, timedelta

import pytest

from quantumlayer_cli.arguments import since_time


def test_an_iso_time_without_a_zone_is_utc():
    assert since_time("2026-12-06T09:30") == datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


def test_an_iso_time_with_an_offset_is_converted_to_utc():
    assert since_time("2026-12-06T10:30+01:00") == datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    assert since_time("2026-12-06T09:30Z") == datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "back"), [("90s", 90), ("30m", 1800), ("12h", 43200), ("7d", 604800)]
)
def test_a_duration_counts_back_from_now(text: str, back: int):
    expected = datetime.now(UTC) - timedelta(seconds=back)
    assert abs((since_time(text) - expected).total_seconds()) < 5


@pytest.mark.parametrize("text", ["yesterday", "-5m", "12 h", "5y"])
def test_anything_else_is_refused_naming_both_forms(text: str):
    with pytest.raises(argparse.ArgumentTypeError, match=r"ISO time .* duration"):
        since_time(text)
