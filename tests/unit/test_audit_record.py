"""An audit record holds names, ids, digests and one bounded line of reason: never prompt
text, never a secret; its digest covers every stored column."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from quantumlayer_dagster.audit.content import reason_text, sha256_hex
from quantumlayer_dagster.audit.record import COLUMNS, GENESIS, AuditEvent, record_digest

PROMPT = "Build a CLI that counts words in the secret Project Bluebird files"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


def event(**fields: object) -> AuditEvent:
    return AuditEvent.model_validate({"action": "submission", "actor": "cli", **fields})


def test_a_record_holds_the_prompt_only_as_its_digest():
    record = event(digests={"prompt": sha256_hex(PROMPT)})
    assert PROMPT not in str(record.row())
    with pytest.raises(ValidationError, match="not a sha256 hex digest"):
        event(digests={"prompt": PROMPT})


def test_a_record_has_no_field_for_prompt_text():
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        event(prompt=PROMPT)


def test_a_reason_quoting_user_content_is_refused_and_reason_text_cuts_the_quote_out():
    message = f"prompt.txt line 2: {PROMPT[:60]!r} is not a known front-matter setting"
    with pytest.raises(ValidationError, match="quote characters"):
        event(action="rejection", reason=message)
    cleaned = reason_text(message)
    assert PROMPT[:20] not in cleaned and "<quoted>" in cleaned
    assert event(action="rejection", reason=cleaned).reason == cleaned


@pytest.mark.parametrize(
    "text",
    [f"key {AWS_KEY} refused", "store at https://admin:hunter2@minio:9000 refused"],
    ids=["token", "url-credentials"],
)
def test_a_secret_in_a_reason_or_subject_is_refused_and_reason_text_masks_it(text: str):
    with pytest.raises(ValidationError, match="looks like a secret"):
        event(reason=text)
    with pytest.raises(ValidationError, match="looks like a secret"):
        event(subject=text)
    cleaned = reason_text(text)
    assert AWS_KEY not in cleaned and "hunter2" not in cleaned
    assert event(reason=cleaned).reason == cleaned


def test_a_long_or_multi_line_reason_is_refused_and_reason_text_makes_it_one_short_line():
    with pytest.raises(ValidationError, match="one line only"):
        event(reason="first line\nsecond line")
    with pytest.raises(ValidationError, match="over 300"):
        event(reason="x" * 301)
    assert reason_text("a\nb " + "y" * 400).startswith("a b ")
    assert len(reason_text("y" * 400)) == 300
    hostile = "big rtl\u202eoverride zero\u200bwidth.txt is over the limit"
    assert (
        event(reason=reason_text(hostile)).reason
        == "big rtl?override zero?width.txt is over the limit"
    )


def test_a_credential_is_kept_as_a_fingerprint_only():
    with pytest.raises(ValidationError, match="credential"):
        event(credential=AWS_KEY)
    assert event(credential="s3-access-key:0123456789abcdef").credential


def test_a_request_id_must_look_like_one():
    with pytest.raises(ValidationError, match="not a request id"):
        event(request_id="../../etc/passwd")


def test_a_time_without_a_zone_is_refused():
    with pytest.raises(ValidationError, match="time zone"):
        event(at=datetime(2026, 12, 6, 9, 30))


@pytest.mark.parametrize("column", [c for c in COLUMNS if c != "version"])
def test_the_digest_covers_every_stored_column(column: str):
    row = event(
        at=datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
        request_id="r20261206093000-0a1b2c3d",
        digests={"prompt": sha256_hex(PROMPT)},
    ).row()
    changed = {**row, column: f"{row[column]}x"}
    assert record_digest(changed, GENESIS) != record_digest(row, GENESIS)


def test_the_digest_covers_the_previous_digest():
    row = event().row()
    assert record_digest(row, GENESIS) != record_digest(row, "1" * 64)
