"""Intake never stalls: upload names a store accepts but a local path check does not are
launched under a safe derived key or rejected with a reason, and the uploads after them in
the same tick still go through. Run against both stores (a local folder; moto's S3 server)."""

from pathlib import Path

from assets.sensors import UPLOAD_TAG
from quantumlayer_dagster.artifacts.paths import check_relative_path
from quantumlayer_dagster.intake.uploads import REASON_SUFFIX
from resources.artifact_store import ArtifactStoreResource
from tests.fixtures.upload_stores import sensor_tick as tick
from tests.fixtures.upload_stores import upload_raw

PROMPT = b"Build a command-line tool that counts the words in a text file.\n"

# Names every store can hold; each must be launched or rejected, never stop the tick.
HOSTILE_NAMES = [
    "my prompt (v2).txt",
    "Zähle Wörter.txt",
    "日本語のプロンプト.txt",
    "emoji 🎉.txt",
    "-rf.txt",
    "--help",
    "-",
    ".hidden.txt",
    "..txt",
    "trailing space .txt",
    "trailing.dot.",
    "x" * 200 + ".txt",
    "$(touch pwned).txt",
    "`id`.txt",
    "semi;colon|pipe&.txt",
    "quote'double\".txt",
    "back\\slash.txt",
    "percent%2e%2e%2f.txt",
    "colon:name.txt",
    "C:evil.txt",
    "CON",
    "nested/dir/prompt.txt",
    "nested/-dash/x.txt",
    "a.b.c.d.txt",
    "\uff21\uff42\uff43 fullwidth.txt",
    "zero\u200bwidth.txt",
    "rtl\u202eoverride.txt",
    "combining e\u0301.txt",
]
# Names only S3 can hold (a POSIX folder cannot): very long, or odd segments. (A newline
# is legal in an S3 key, but moto's server cannot store one.)
S3_ONLY_NAMES = [
    "y" * 900 + ".txt",
    "a//double-slash.txt",
    "tab\there.txt",
    "z" * 1100,
]


def names_for(stores: ArtifactStoreResource) -> list[str]:
    return HOSTILE_NAMES + (S3_ONLY_NAMES if stores.kind == "minio" else [])


def test_hostile_upload_names_never_stop_the_sensor_and_later_uploads_launch(
    upload_stores: ArtifactStoreResource,
) -> None:
    stores = upload_stores
    names = names_for(stores)
    for i, name in enumerate(names):
        upload_raw(stores, name, PROMPT + f"Variant {i}.\n".encode())
    upload_raw(stores, "zzz-plain-last.txt", PROMPT)  # sorted after every hostile name
    first = tick(stores, None)
    launched = {r.tags[UPLOAD_TAG] for r in first.run_requests or []}
    inbox = stores.prompts()
    rejected = inbox.list_keys("rejected/")
    assert "incoming/zzz-plain-last.txt" in launched
    # Each hostile upload was launched, or moved aside with a reason beside it.
    reasons = [k for k in rejected if k.endswith(REASON_SUFFIX)]
    assert len(launched) + len(reasons) == len(names) + 1, (launched, rejected)

    second = tick(stores, first.cursor)
    assert not second.run_requests
    assert inbox.list_keys("incoming/") == []
    # Everything moved out sits under one plain, path-checked key segment per name.
    for key in inbox.list_keys(""):
        check_relative_path(key)
    moved = [k for k in inbox.list_keys("launched/")]
    assert len(moved) == len(launched)
    assert {k.split("/")[1] for k in moved} == {r.partition_key for r in first.run_requests or []}


def test_an_upload_named_with_a_leading_dash_is_moved_to_launched_on_the_next_tick(
    upload_stores: ArtifactStoreResource,
) -> None:
    stores = upload_stores
    # Used to raise in the store's path check on every later tick: the sensor stalled.
    upload_raw(stores, "-rf.txt", PROMPT)
    first = tick(stores, None)
    [run] = first.run_requests or []
    tick(stores, first.cursor)
    assert stores.prompts().list_keys("") == [f"launched/{run.partition_key}/rf.txt"]


def test_an_upload_that_cannot_be_moved_aside_is_skipped_not_retried_every_tick(
    tmp_path: Path,
) -> None:
    stores = ArtifactStoreResource(
        root=str(tmp_path / "artifacts"), prompts_root=str(tmp_path / "prompts")
    )
    upload_raw(stores, "bad\x07name.txt", PROMPT)  # rejected for its control character
    upload_raw(stores, "ok.txt", PROMPT)
    rejected_dir = Path(stores.prompts_root) / "rejected"
    rejected_dir.parent.mkdir(parents=True, exist_ok=True)
    rejected_dir.write_text("a file where the rejected/ folder should be")
    first = tick(stores, None)
    assert [r.tags[UPLOAD_TAG] for r in first.run_requests or []] == ["incoming/ok.txt"]
    later = tick(stores, first.cursor)
    assert not later.run_requests
    assert "bad\x07name.txt" in later.cursor or "bad\\u0007name.txt" in (later.cursor or "")
