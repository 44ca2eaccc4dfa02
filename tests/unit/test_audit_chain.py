"""The chain re-walk over stored rows: an intact chain verifies with its count and head; an
altered, removed or moved record is named, first break first; a cut end is caught only
against a head digest kept elsewhere."""

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from quantumlayer_dagster import audit
from quantumlayer_dagster.audit.chain import verify_chain
from quantumlayer_dagster.audit.record import GENESIS, AuditEvent, record_digest

START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def chain(n: int) -> list[dict[str, Any]]:
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        row = AuditEvent(action="launch", actor="cli", at=START + timedelta(seconds=seq)).row()
        digest = record_digest(row, prev)
        rows.append({"seq": seq, **row, "prev_digest": prev, "digest": digest})
        prev = digest
    return rows


def walk(rows: list[dict[str, Any]], head: str | None = None):  # type: ignore[no-untyped-def]
    def seq_of(digest: str) -> int | None:
        return next((r["seq"] for r in rows if r["digest"] == digest), None)

    return verify_chain(sorted(rows, key=lambda r: r["seq"]), seq_of, expect_head=head)


def test_an_intact_chain_verifies_with_its_count_and_head():
    rows = chain(5)
    verdict = walk(rows)
    assert verdict.ok and verdict.count == 5 and verdict.head == rows[-1]["digest"]


def test_an_empty_trail_verifies():
    verdict = walk([])
    assert verdict.ok and verdict.count == 0 and verdict.head == GENESIS


def test_an_altered_field_is_named():
    rows = chain(5)
    rows[2]["tenant"] = "someone-else"
    verdict = walk(rows)
    assert verdict.broken is not None
    assert (verdict.broken.seq, verdict.broken.kind) == (3, "altered")
    assert verdict.broken.message.startswith("record 3 (launch")


def test_an_altered_record_with_a_recomputed_digest_is_named_by_its_successor():
    rows = chain(5)
    rows[1]["tenant"] = "someone-else"
    rows[1]["digest"] = record_digest(rows[1], rows[1]["prev_digest"])
    verdict = walk(rows)
    assert verdict.broken is not None
    assert (verdict.broken.seq, verdict.broken.kind) == (2, "altered")
    assert "digest rewritten" in verdict.broken.message


def test_a_removed_record_is_named():
    rows = chain(5)
    del rows[2]
    verdict = walk(rows)
    assert verdict.broken is not None
    assert (verdict.broken.seq, verdict.broken.kind) == (3, "removed")
    assert verdict.broken.message.startswith("record 3 removed")


def test_removing_the_first_record_is_caught():
    rows = chain(3)
    del rows[0]
    verdict = walk(rows)
    assert verdict.broken is not None and verdict.broken.kind == "removed"
    assert "record 1 removed" in verdict.broken.message


def test_two_swapped_records_are_named_at_the_first_of_them():
    rows = chain(5)
    rows[1]["seq"], rows[3]["seq"] = 4, 2
    verdict = walk(rows)
    assert verdict.broken is not None
    assert (verdict.broken.seq, verdict.broken.kind) == (2, "reordered")


def test_a_cut_end_is_caught_only_against_a_kept_head():
    rows = chain(5)
    kept = rows[-1]["digest"]
    del rows[-1]
    assert walk(rows).ok
    verdict = walk(rows, head=kept)
    assert verdict.broken is not None and verdict.broken.kind == "truncated"
    assert kept in verdict.broken.message


def test_a_kept_head_from_earlier_still_verifies_after_more_records():
    rows = chain(5)
    assert walk(rows, head=rows[2]["digest"]).ok


def test_the_audit_package_has_no_update_or_delete_statement():
    """No string the code holds (docstrings aside) is an UPDATE, DELETE, TRUNCATE or DROP."""
    for source in Path(audit.__file__).parent.glob("*.py"):
        tree = ast.parse(source.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        strings = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ]
        found = [s for s in strings if re.search(r"\b(UPDATE|DELETE|TRUNCATE|DROP)\b", s)]
        assert found == [], f"{source.name} holds {found}"
        assert any("INSERT INTO" in s for s in strings) or source.name != "sql_log.py"
