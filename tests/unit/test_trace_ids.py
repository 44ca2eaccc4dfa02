"""A run's trace is named by its run id: every process of the run derives the same trace
and root span ids without asking, and a launcher's W3C traceparent tag makes the run part
of the launcher's trace."""

import uuid

from quantumlayer_dagster.observability.trace_ids import (
    TRACEPARENT_TAG,
    parse_traceparent,
    run_trace,
    traceparent,
)

RUN_ID = "daf4e571-ad05-479e-b784-bae0f0abf149"


def test_the_trace_id_is_the_run_ids_128_bits() -> None:
    ids = run_trace(RUN_ID)
    assert ids.trace_id == uuid.UUID(RUN_ID).int
    assert ids.trace_id_hex == "daf4e571ad05479eb784bae0f0abf149"
    assert ids.parent_span_id is None and ids.sampled is None


def test_every_process_derives_the_same_root_span_id_and_runs_differ() -> None:
    assert run_trace(RUN_ID).span_id == run_trace(RUN_ID).span_id != 0
    other = str(uuid.uuid4())
    assert run_trace(other).span_id != run_trace(RUN_ID).span_id


def test_a_run_id_that_is_not_a_uuid_still_names_a_trace() -> None:
    ids = run_trace("not-a-uuid")
    assert ids.trace_id != 0 and ids.trace_id == run_trace("not-a-uuid").trace_id


def test_a_launchers_traceparent_makes_the_run_part_of_its_trace() -> None:
    parent = traceparent(0x1234, 0xABCD, sampled=False)
    ids = run_trace(RUN_ID, {TRACEPARENT_TAG: parent})
    assert (ids.trace_id, ids.parent_span_id, ids.sampled) == (0x1234, 0xABCD, False)
    assert ids.span_id == run_trace(RUN_ID).span_id


def test_a_malformed_traceparent_is_ignored() -> None:
    for bad in ("", "00-xyz", f"01-{'a' * 32}-{'b' * 16}-01", f"00-{'0' * 32}-{'b' * 16}-01"):
        assert parse_traceparent(bad) is None
        assert run_trace(RUN_ID, {TRACEPARENT_TAG: bad}).trace_id == uuid.UUID(RUN_ID).int


def test_traceparent_text_round_trips() -> None:
    text = traceparent(uuid.UUID(RUN_ID).int, 0x00F067AA0BA902B7, sampled=True)
    assert text == "00-daf4e571ad05479eb784bae0f0abf149-00f067aa0ba902b7-01"
    assert parse_traceparent(text) == (uuid.UUID(RUN_ID).int, 0x00F067AA0BA902B7, True)
