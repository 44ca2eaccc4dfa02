"""Intake: a prompt is refused with a one-line reason before any run starts."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from quantumlayer_dagster.artifacts.limits import PROMPT_MAX_BYTES
from quantumlayer_dagster.artifacts.request import (
    REQUEST_ID_PATTERN,
    PromptSubmission,
    new_request_id,
)
from quantumlayer_dagster.intake.prompt_checks import (
    PromptRejected,
    decode_prompt,
    read_prompt_file,
)
from tests.fixtures import wordcount

PROMPT = wordcount.PROMPT.encode()


def rejection(data: bytes) -> str:
    with pytest.raises(PromptRejected) as caught:
        decode_prompt(data, "prompt.txt")
    message = str(caught.value)
    assert "\n" not in message, message
    return message


def test_a_plain_utf8_prompt_is_returned_as_text() -> None:
    assert decode_prompt(PROMPT) == wordcount.PROMPT


def test_an_empty_prompt_is_rejected_as_empty() -> None:
    assert rejection(b"") == "prompt.txt is empty: write the software request into it"


def test_a_whitespace_only_prompt_is_rejected_as_empty() -> None:
    assert "is empty" in rejection(b" \n\t\r\n  ")


def test_a_prompt_over_the_size_limit_is_rejected_with_its_size() -> None:
    message = rejection(b"a" * (PROMPT_MAX_BYTES + 1))
    assert f"{PROMPT_MAX_BYTES + 1} bytes, over the {PROMPT_MAX_BYTES}-byte limit" in message


def test_a_prompt_of_exactly_the_size_limit_is_accepted() -> None:
    assert len(decode_prompt(b"a" * PROMPT_MAX_BYTES)) == PROMPT_MAX_BYTES


def test_a_prompt_with_nul_bytes_is_rejected_as_binary() -> None:
    assert "binary file" in rejection(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_a_prompt_that_is_not_utf8_is_rejected_with_the_offset() -> None:
    message = rejection("Zähle Wörter".encode("latin-1"))
    assert "not UTF-8" in message
    assert "bad byte at offset 1" in message


@pytest.mark.parametrize(
    "control",
    ["\x1b[31m", "\x07", "\x7f", "\x9b31m"],
    ids=["escape", "bell", "delete", "c1-csi"],
)
def test_a_prompt_with_control_characters_is_rejected(control: str) -> None:
    message = rejection(f"count words {control}in a text".encode())
    assert "1 control characters" in message


def test_tabs_and_windows_line_endings_are_not_control_characters() -> None:
    text = "Count words.\r\n\tIgnore case.\r\n"
    assert decode_prompt(text.encode()) == text


def test_a_utf8_byte_order_mark_is_accepted_and_removed() -> None:
    assert decode_prompt(b"\xef\xbb\xbf" + PROMPT) == wordcount.PROMPT


def test_a_file_holding_only_a_byte_order_mark_is_rejected_as_empty() -> None:
    assert "empty" in rejection(b"\xef\xbb\xbf")


def test_a_prompt_file_is_read_and_validated(tmp_path: Path) -> None:
    path = tmp_path / "prompt.txt"
    path.write_bytes(PROMPT)
    assert read_prompt_file(path) == wordcount.PROMPT


def test_a_missing_prompt_file_is_rejected_as_missing(tmp_path: Path) -> None:
    with pytest.raises(PromptRejected, match=r"^\S+/nowhere\.txt does not exist$"):
        read_prompt_file(tmp_path / "nowhere.txt")


def test_a_directory_is_rejected_as_not_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(PromptRejected, match=r"is not a regular file$"):
        read_prompt_file(tmp_path)


def test_an_oversized_prompt_file_is_rejected_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"a" * (PROMPT_MAX_BYTES + 10))
    with pytest.raises(PromptRejected, match=r"over the \d+-byte limit: shorten it$"):
        read_prompt_file(path)


def test_a_binary_prompt_file_is_rejected_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\x00\x00")
    with pytest.raises(PromptRejected, match=r"image\.png is a binary file"):
        read_prompt_file(path)


def test_a_request_id_is_r_then_the_utc_timestamp_then_8_hex_digits() -> None:
    request_id = new_request_id(datetime(2024, 3, 9, 17, 5, 42, tzinfo=UTC))
    assert REQUEST_ID_PATTERN.match(request_id)
    assert request_id.startswith("r20240309170542-")


def test_request_ids_made_in_the_same_second_differ() -> None:
    now = datetime(2024, 3, 9, 17, 5, 42, tzinfo=UTC)
    assert len({new_request_id(now) for _ in range(500)}) == 500


def test_a_submission_keeps_a_well_formed_request_id() -> None:
    request_id = new_request_id()
    assert PromptSubmission(request_id=request_id, prompt="count words").request_id == request_id


@pytest.mark.parametrize(
    "request_id",
    [
        "20240309170542-0a1b2c3d",
        "r2024030917054-0a1b2c3d",
        "r20240309170542-0A1B2C3D",
        "r20240309170542-0a1b2c3d/../x",
        "r20240309170542-0a1b2c3d\n",
        "r" + "".join(chr(0x660 + int(d)) for d in "20240309170542") + "-0a1b2c3d",
    ],
    ids=["no-r", "short-stamp", "upper-hex", "path", "trailing-newline", "non-ascii-digits"],
)
def test_a_submission_rejects_a_malformed_request_id(request_id: str) -> None:
    with pytest.raises(ValidationError, match="does not look like r<14 digits>-<8 hex>"):
        PromptSubmission(request_id=request_id, prompt="count words")
