"""``quantumlayer fetch`` refuses a capsule whose record (``requests/<id>/capsule.json``,
holding the sha256 the run wrote) is missing or invalid, instead of skipping the checksum:
an attacker able to replace the archive and delete the record gets nothing saved."""

from pathlib import Path

import pytest

from quantumlayer_cli import EXIT_FAILED, main
from quantumlayer_dagster.packaging.archive import build_capsule
from quantumlayer_dagster.store.keys import asset_key, capsule_key
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.unit.test_capsule import ENTRIES, MANIFEST

REQUEST_ID = "r20260101000000-0a1b2c3d"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalDirStore:
    monkeypatch.setenv("QL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QL_STORE", "local")
    artifacts = LocalDirStore(tmp_path / "home" / "artifacts")
    # A capsule that verifies on its own: only the record can tell it is not the run's.
    artifacts.put_bytes(capsule_key(REQUEST_ID), build_capsule(ENTRIES, MANIFEST))
    return artifacts


def fetch_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["fetch", REQUEST_ID, "-o", str(tmp_path / "out")]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert not (tmp_path / "out" / f"{REQUEST_ID}.tar.gz").exists()
    return err


def test_fetch_refuses_a_capsule_whose_record_is_missing(store, tmp_path, capsys) -> None:
    err = fetch_error(tmp_path, capsys)
    assert "capsule.json is missing" in err and "cannot be checked" in err


def test_fetch_refuses_a_capsule_whose_record_is_invalid(store, tmp_path, capsys) -> None:
    store.put_bytes(asset_key(REQUEST_ID, "capsule"), b'{"sha256": 12}')
    err = fetch_error(tmp_path, capsys)
    assert "capsule.json is invalid" in err
