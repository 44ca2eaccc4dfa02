"""How an upload is named and identified: stable request ids, safe names for moved copies."""

from datetime import UTC, datetime

import pytest

from quantumlayer_dagster.artifacts.request import REQUEST_ID_PATTERN
from quantumlayer_dagster.intake.uploads import (
    UploadCursor,
    name_problem,
    safe_name,
    upload_request_id,
)
from quantumlayer_dagster.store.artifact_store import StoredObject

UPLOAD = StoredObject(
    key="incoming/wordcount.txt",
    etag="9b2cf535f27731c974343645a3985328",
    size=64,
    last_modified=datetime(2026, 11, 26, 14, 30, 5, tzinfo=UTC),
)


def test_the_same_upload_always_gets_the_same_request_id() -> None:
    rid = upload_request_id(UPLOAD)
    assert REQUEST_ID_PATTERN.match(rid)
    assert rid.startswith("r20261126143005-")
    assert upload_request_id(UPLOAD) == rid


def test_a_replaced_upload_under_the_same_name_gets_a_new_request_id() -> None:
    replaced = StoredObject(UPLOAD.key, "0" * 32, UPLOAD.size, UPLOAD.last_modified)
    assert upload_request_id(replaced) != upload_request_id(UPLOAD)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("wordcount.txt", "wordcount.txt"),
        ("my prompt (v2).txt", "my_prompt__v2_.txt"),
        ("a..b.txt", "a_b.txt"),
        ("....", "__"),
        ("sub/dir/x.txt", "sub_dir_x.txt"),
        (".hidden", "hidden"),
        ("bell\x07.txt", "bell_.txt"),
        ("", "upload"),
    ],
)
def test_safe_name_is_one_plain_key_segment(name: str, safe: str) -> None:
    assert safe_name(name) == safe


@pytest.mark.parametrize(
    ("name", "problem"),
    [("ok name.txt", None), ("a..b", "contains '..'"), ("x\ty", "control"), (" ", "empty")],
)
def test_name_problem_names_what_is_wrong(name: str, problem: str | None) -> None:
    found = name_problem(name)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_a_damaged_cursor_starts_empty() -> None:
    assert UploadCursor.parse("{not json").pending == {}
    assert UploadCursor.parse(None).pending == {}
