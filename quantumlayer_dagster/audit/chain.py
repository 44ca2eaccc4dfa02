"""Re-walking the chain: the first record that was altered, removed or reordered.

Each stored row is checked in sequence order: its digest must be the sha256 of its own
columns and the previous digest it names (else it was altered), and the previous digest it
names must be the digest of the row before it (else something was removed or reordered:
a gap in the sequence numbers means removed rows; a predecessor that exists elsewhere in
the table means the row was moved; a predecessor no row has, with no gap, means the row
before it was altered together with its digest). Removing the newest records leaves a
shorter chain that is intact: only a head digest kept elsewhere (``expect_head``) shows it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from quantumlayer_dagster.audit.record import GENESIS, record_digest


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    """The sequence number of the first record found altered, removed or moved."""
    kind: str
    """``altered``, ``removed``, ``reordered`` or ``truncated``."""
    message: str


@dataclass(frozen=True)
class ChainVerdict:
    count: int
    """Records checked (up to the break, if any)."""
    head: str
    """The digest of the last intact record (GENESIS for an empty table)."""
    broken: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def describe(row: dict[str, Any]) -> str:
    """``record 7 (launch r20261206093000-1a2b3c4d, 2026-12-06T09:30:00.000000Z)``."""
    what = str(row.get("action"))
    if row.get("request_id"):
        what += f" {row['request_id']}"
    return f"record {row.get('seq')} ({what}, {row.get('at')})"


def verify_chain(
    rows: Iterable[dict[str, Any]],
    seq_of: Callable[[str], int | None],
    expect_head: str | None = None,
) -> ChainVerdict:
    """Walk ``rows`` (every stored row, in sequence order, as raw column values); ``seq_of``
    finds the row holding a digest. With ``expect_head`` (a digest printed by an earlier
    verify and kept elsewhere), a chain that no longer contains it was cut short."""
    prev, prev_seq, count, seen_head = GENESIS, 0, 0, expect_head is None
    for row in rows:
        seq = int(row["seq"])
        broken = _check(row, seq, prev, prev_seq, seq_of)
        if broken is not None:
            return ChainVerdict(count, prev, broken)
        prev, prev_seq, count = str(row["digest"]), seq, count + 1
        seen_head = seen_head or prev == expect_head
    if not seen_head:
        broken = ChainBreak(
            prev_seq + 1,
            "truncated",
            f"the kept head digest {expect_head} is not in the chain, which ends at record "
            f"{prev_seq}: records after it were removed (or the chain was rewritten); "
            "restore the audit table from a backup",
        )
        return ChainVerdict(count, prev, broken)
    return ChainVerdict(count, prev)


def _check(
    row: dict[str, Any], seq: int, prev: str, prev_seq: int, seq_of: Callable[[str], int | None]
) -> ChainBreak | None:
    named = str(row["prev_digest"])
    if record_digest(row, named) != row["digest"]:
        return ChainBreak(
            seq, "altered", f"{describe(row)} was altered: its content does not match its digest"
        )
    if named == prev:
        return None
    if seq != prev_seq + 1:
        missing = (
            f"record {prev_seq + 1}" if seq == prev_seq + 2 else f"records {prev_seq + 1}-{seq - 1}"
        )
        return ChainBreak(
            prev_seq + 1, "removed", f"{missing} removed: the chain breaks before {describe(row)}"
        )
    if named == GENESIS:
        return ChainBreak(
            seq, "reordered", f"{describe(row)} was moved: it was the first record appended"
        )
    found = seq_of(named)
    if found is not None:
        return ChainBreak(
            seq,
            "reordered",
            f"{describe(row)} was moved: it was appended after the record now numbered "
            f"{found}, not after record {prev_seq}",
        )
    if prev_seq == 0:
        return ChainBreak(
            seq, "removed", f"{describe(row)} does not start the chain: records before it removed"
        )
    return ChainBreak(
        prev_seq,
        "altered",
        f"record {prev_seq} was altered and its digest rewritten: {describe(row)} names a "
        "predecessor digest no record has",
    )
