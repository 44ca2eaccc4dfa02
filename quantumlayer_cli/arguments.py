"""Typed command-line numbers: each option's value is checked against its range when the
command line is read, and a bad one is refused in one line naming the option and the range
(never a traceback, never a NaN or infinity passed on)."""

import argparse
import math
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NoReturn


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``error: <what>; see <prog> --help``."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message}; see `{self.prog} --help`", file=sys.stderr)
        raise SystemExit(2)


def int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high`` inclusive."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number; give one from {low} to {high}"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low} to {high}")
        return value

    parse.__name__ = "integer"
    return parse


def seconds_in(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a finite number of seconds, more than ``low``, at most ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a number of seconds; give one above {low:g} and at most {high:g}"
            ) from None
        if not math.isfinite(value) or not low < value <= high:
            raise argparse.ArgumentTypeError(
                f"{text} is outside the range: more than {low:g} and at most {high:g} seconds"
            )
        return value

    parse.__name__ = "seconds"
    return parse


def tenant_name(text: str) -> str:
    """An argparse type: a tenant name as ``check_tenant`` (and so every other way in)
    accepts it."""
    from quantumlayer_dagster.tenants import check_tenant

    try:
        return check_tenant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_language_option(parser: argparse.ArgumentParser) -> None:
    """``--language python|typescript|javascript``: it wins over the prompt file's
    front-matter ``language:`` line; neither given means Python."""
    from quantumlayer_dagster.artifacts.request import LANGUAGES

    parser.add_argument(
        "--language",
        default=None,
        choices=LANGUAGES,
        help="the project's language (default: the prompt file's `language:` line, else python)",
    )


_DURATION = re.compile(r"([0-9]{1,6})([smhdw])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def since_time(text: str) -> datetime:
    """An argparse type: a UTC time given as ISO 8601 (``2026-12-06``, ``2026-12-06T09:30``,
    with an offset or ``Z``; none means UTC) or as a duration back from now (``90s``,
    ``30m``, ``12h``, ``7d``, ``2w``)."""
    found = _DURATION.fullmatch(text.strip())
    if found:
        return datetime.now(UTC) - timedelta(seconds=int(found[1]) * _UNIT_S[found[2]])
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither an ISO time (2026-12-06T09:30Z) nor a duration (30m, 12h, 7d)"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def sha256_digest(text: str) -> str:
    """An argparse type: a sha256 digest as 64 hex digits (as ``audit verify`` prints it)."""
    value = text.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise argparse.ArgumentTypeError(
            f"{text[:80]!r} is not a sha256 digest: give the 64 hex digits `audit verify` printed"
        )
    return value
