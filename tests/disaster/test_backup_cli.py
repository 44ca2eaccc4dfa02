"""``quantumlayer backup`` and ``restore`` on the local deployment (SQLite instance, local
folders): what goes in comes back byte for byte, a changed backup is refused before anything
is written, a deployment that is not empty is refused unless forced, old backups are pruned."""

import json
import shutil
import sqlite3
from pathlib import Path

import dagster as dg
import pytest

from quantumlayer_cli import main
from quantumlayer_dagster.backup.location import FolderLocation, backups_in
from quantumlayer_dagster.backup.manifest import sha256_file
from quantumlayer_dagster.backup.store_objects import archive_store
from quantumlayer_dagster.llm.spend_ledger import Spend
from quantumlayer_dagster.store.local_dir import LocalDirStore
from quantumlayer_dagster.store.spend_ledger_sql import SqlSpendLedger

ROOT = Path(__file__).resolve().parents[2]
LOCAL_CONFIG = ROOT / "quantumlayer_dagster" / "config" / "dagster.local.yaml"
pytestmark = pytest.mark.slow  # a Dagster instance and a run per test: seconds each
Capture = pytest.CaptureFixture[str]
UPLOAD = "incoming/20260101T120000Z-1a2b3c4d-my prompt.txt"
"""A name our own keys never have (a space), as another client may upload."""


@dg.op
def step() -> int:
    return 1


@dg.job
def trivial() -> None:
    step()


def use_deployment(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make ``home`` the local deployment the environment describes; its instance folder."""
    instance_folder = home / "dagster"
    instance_folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(LOCAL_CONFIG, instance_folder / "dagster.yaml")
    monkeypatch.setenv("QL_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(instance_folder))
    monkeypatch.setenv("QL_MEMORY", "off")
    monkeypatch.setenv("QL_STORE", "local")
    return instance_folder


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A local deployment with one run, artifacts, an upload and a spend-ledger entry."""
    home = tmp_path / "source"
    folder = use_deployment(home, monkeypatch)
    with dg.DagsterInstance.from_config(str(folder)) as instance:
        assert trivial.execute_in_process(instance=instance).success
    artifacts = LocalDirStore(home / "artifacts")
    artifacts.put_bytes("requests/r1/submission.json", b'{"prompt": "count words"}')
    artifacts.put_bytes("requests/r1/capsule.tar.gz", bytes(range(256)) * 64)
    LocalDirStore(home / "prompts").restore_bytes(UPLOAD, b"Build a word counter.\n")
    SqlSpendLedger(str(folder / "ql_llm_spend.db"), "r1").reserve(Spend(321, 0.25), None, None)
    # any other SQLite file kept beside the instance (the audit trail's, for one) comes along
    with sqlite3.connect(folder / "ql_audit.db") as audit:
        audit.execute("CREATE TABLE records (record TEXT)")
        audit.execute("INSERT INTO records VALUES ('submitted r1')")
    return home


def back_up(dest: Path) -> Path:
    assert main(["backup", str(dest)]) == 0
    return FolderLocation(dest).child(backups_in(FolderLocation(dest))[-1]).root


def test_a_local_deployment_comes_back_byte_for_byte(
    source: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with dg.DagsterInstance.from_config(str(source / "dagster")) as instance:
        runs = {r.run_id: r.status for r in instance.get_runs()}
    upload_etag = LocalDirStore(source / "prompts").list_objects("incoming/")[0].etag
    backup = back_up(tmp_path / "backups")

    target = tmp_path / "target"
    folder = use_deployment(target, monkeypatch)
    assert main(["restore", str(backup)]) == 0, capsys.readouterr().err
    with dg.DagsterInstance.from_config(str(folder)) as instance:
        assert {r.run_id: r.status for r in instance.get_runs()} == runs
    for store in ("artifacts", "prompts"):
        before, after = LocalDirStore(source / store), LocalDirStore(target / store)
        assert after.list_keys("") == before.list_keys("")
        for key in before.list_keys(""):
            assert after.get_bytes(key) == before.get_bytes(key)
    # the sensor's cursor remembers uploads by etag (mtime and size for a folder)
    assert LocalDirStore(target / "prompts").list_objects("incoming/")[0].etag == upload_etag
    assert SqlSpendLedger(str(folder / "ql_llm_spend.db"), "r1").total() == Spend(321, 0.25)
    with sqlite3.connect(folder / "ql_audit.db") as audit:
        assert audit.execute("SELECT record FROM records").fetchall() == [("submitted r1",)]


def test_a_changed_part_is_refused_before_anything_is_written(
    source: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backup = back_up(tmp_path / "backups")
    part = backup / "artifacts.tar.gz"
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF
    part.write_bytes(bytes(data))

    target = tmp_path / "target"
    use_deployment(target, monkeypatch)
    capsys.readouterr()
    assert main(["restore", str(backup)]) == 1
    error = capsys.readouterr().err
    assert "artifacts.tar.gz" in error and "sha256" in error, error
    assert not (target / "artifacts").exists() and not (target / "prompts").exists()


def test_a_manifest_edited_to_match_a_changed_archive_is_still_refused(
    source: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backup = back_up(tmp_path / "backups")
    # replace the prompts archive by one holding other bytes, and fix up the part's digest
    replacement = tmp_path / "other"
    LocalDirStore(replacement).restore_bytes(UPLOAD, b"rm -rf /\n")
    archive_store(LocalDirStore(replacement), backup / "prompts.tar.gz")
    manifest = json.loads((backup / "manifest.json").read_text())
    [part] = [p for p in manifest["parts"] if p["name"] == "prompts.tar.gz"]
    part["sha256"] = sha256_file(backup / "prompts.tar.gz")
    part["size"] = (backup / "prompts.tar.gz").stat().st_size
    (backup / "manifest.json").write_text(json.dumps(manifest))

    use_deployment(tmp_path / "target", monkeypatch)
    capsys.readouterr()
    assert main(["restore", str(backup)]) == 1
    assert "does not match its sha256" in capsys.readouterr().err


def test_a_deployment_that_is_not_empty_is_refused_unless_forced(
    source: Path, tmp_path: Path, capsys: Capture
) -> None:
    backup = back_up(tmp_path / "backups")
    capsys.readouterr()
    assert main(["restore", str(backup)]) == 1  # the source itself: it has runs and objects
    error = capsys.readouterr().err
    assert "not empty" in error and "1 runs" in error and "--force" in error, error
    assert main(["restore", str(backup), "--force"]) == 0


def test_a_folder_of_backups_is_not_one_backup(
    source: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    newest = back_up(tmp_path / "backups")
    use_deployment(tmp_path / "target", monkeypatch)
    capsys.readouterr()
    assert main(["restore", str(tmp_path / "backups")]) == 1
    assert f"restore {newest} (the newest)" in capsys.readouterr().err


def test_keep_leaves_the_newest_backups(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backups"
    made = [back_up(dest).name for _ in range(3)]
    assert main(["backup", str(dest), "--keep", "2"]) == 0
    left = backups_in(FolderLocation(dest))
    assert len(left) == 2 and made[0] not in left and made[1] not in left
