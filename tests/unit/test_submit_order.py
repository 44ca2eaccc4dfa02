"""Uploads made one after another sort in that order, so the sensor (taking keys in order)
launches them, and the queue starts them, in submission order, even within one second."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from quantumlayer_cli.submit_command import upload_key


def test_uploads_within_one_second_sort_in_submission_order():
    start = datetime(2026, 11, 30, 14, 3, 18, 999_000, tzinfo=UTC)
    times = [start + timedelta(microseconds=250 * i) for i in range(8)]
    # Names sorting the other way round: the time, not the name, decides the order.
    keys = [upload_key(Path(f"{chr(ord('z') - i)}.txt"), now=t) for i, t in enumerate(times)]
    assert sorted(keys) == keys
