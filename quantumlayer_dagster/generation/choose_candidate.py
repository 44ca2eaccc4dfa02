"""Choosing among candidate bodies by what they pass.

A candidate that could not be spliced or fails a blocking check is never chosen. Among the
rest, the one passing the most examples wins; a tie goes to the one that came first (an
earlier round, then a lower candidate number), so a repair replaces the kept body only when
it does strictly better (or as well, when the kept one is known wrong otherwise)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """What is known of one candidate: usable (spliced and checked clean), examples passed,
    and its order of arrival (round, candidate number)."""

    usable: bool
    passed: int
    order: tuple[int, int]
    complained: bool = False
    """Something outside its examples showed it wrong (a server error the body caused): on
    a tie it ranks after the others."""


def choose_candidate(verdicts: list[Verdict]) -> int | None:
    """The index of the candidate to keep, or None when none is usable."""
    usable = [(i, v) for i, v in enumerate(verdicts) if v.usable]
    if not usable:
        return None
    return min(usable, key=lambda item: (-item[1].passed, item[1].complained, item[1].order))[0]
