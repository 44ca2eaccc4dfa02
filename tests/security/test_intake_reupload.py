"""Intake never loses a request: the same content uploaded again under the same name is a
new request with its own run key (S3's content etag used to repeat the run key, so Dagster
dropped the run request while the upload moved to ``launched/``), and an object replaced
between listing and reading is judged by what was read."""

import os
from pathlib import Path

from assets.sensors import UPLOAD_TAG
from quantumlayer_dagster.artifacts.limits import PROMPT_MAX_BYTES
from quantumlayer_dagster.intake.uploads import REASON_SUFFIX, scan_uploads
from quantumlayer_dagster.store.local_dir import LocalDirStore
from resources.artifact_store import ArtifactStoreResource
from tests.fixtures.upload_stores import sensor_tick as tick

PROMPT = b"Build a command-line tool that counts the words in a text file.\n"


def test_the_same_content_uploaded_again_under_the_same_name_gets_its_own_run(
    upload_stores: ArtifactStoreResource,
) -> None:
    stores = upload_stores
    inbox = stores.prompts()
    inbox.put_bytes("incoming/same.txt", PROMPT)
    first = tick(stores, None)
    moved = tick(stores, first.cursor)  # moves the first upload to launched/
    assert inbox.list_keys("incoming/") == []
    inbox.put_bytes("incoming/same.txt", PROMPT)
    again = tick(stores, moved.cursor)
    [run1] = first.run_requests or []
    [run2] = again.run_requests or []
    assert run2.tags[UPLOAD_TAG] == "incoming/same.txt"
    assert run2.run_key != run1.run_key
    assert run2.partition_key != run1.partition_key


def test_a_tick_evaluated_again_from_the_same_cursor_repeats_its_run_keys(
    upload_stores: ArtifactStoreResource,
) -> None:
    stores = upload_stores
    # The guard against double launches stays: a lost commit re-proposes the same keys.
    stores.prompts().put_bytes("incoming/a.txt", PROMPT)
    first = tick(stores, None)
    replay = tick(stores, None)
    assert [r.run_key for r in first.run_requests or []] == [
        r.run_key for r in replay.run_requests or []
    ]


class ReplacedWhileRead(LocalDirStore):
    """A prompts folder whose object is replaced by ``replacement`` between the listing
    and the read (another client uploading again at that moment)."""

    def __init__(self, root: Path, replacement: bytes):
        super().__init__(root)
        self.replacement = replacement

    def get_bytes(self, key: str) -> bytes:
        (self.root / key).write_bytes(self.replacement)
        return super().get_bytes(key)


def test_an_upload_replaced_by_an_oversized_one_while_read_is_rejected_by_its_read_size(
    tmp_path: Path,
) -> None:
    inbox = ReplacedWhileRead(tmp_path / "prompts", b"w " * PROMPT_MAX_BYTES)
    inbox.put_bytes("incoming/swap.txt", PROMPT)
    scan = scan_uploads(inbox, LocalDirStore(tmp_path / "artifacts"), None)
    assert scan.launches == []
    [rejection] = scan.rejections
    assert f"{2 * PROMPT_MAX_BYTES} bytes when read" in rejection.reason
    assert inbox.exists(f"{rejection.moved_to}{REASON_SUFFIX}")


def test_an_upload_replaced_by_another_size_while_read_waits_for_the_next_tick(
    tmp_path: Path,
) -> None:
    inbox = ReplacedWhileRead(tmp_path / "prompts", PROMPT + b"And count lines.\n")
    inbox.put_bytes("incoming/swap.txt", PROMPT)
    artifacts = LocalDirStore(tmp_path / "artifacts")
    scan = scan_uploads(inbox, artifacts, None)
    assert scan.launches == [] and scan.rejections == []
    assert scan.changed == ["incoming/swap.txt"]
    # The next tick lists the replacement with its own size and launches that.
    later = scan_uploads(LocalDirStore(tmp_path / "prompts"), artifacts, scan.cursor)
    assert [launch.upload_key for launch in later.launches] == ["incoming/swap.txt"]


def test_a_pending_upload_replaced_by_equal_content_is_not_moved_as_launched(
    tmp_path: Path,
) -> None:
    # Re-uploaded after its launch but before the move: a new upload, not the launched one.
    inbox = LocalDirStore(tmp_path / "prompts")
    artifacts = LocalDirStore(tmp_path / "artifacts")
    inbox.put_bytes("incoming/a.txt", PROMPT)
    first = scan_uploads(inbox, artifacts, None)
    path = tmp_path / "prompts" / "incoming" / "a.txt"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = scan_uploads(inbox, artifacts, first.cursor)
    assert second.moved_to_launched == []
    [launch] = second.launches
    assert launch.request_id != first.launches[0].request_id
