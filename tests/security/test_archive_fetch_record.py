"""``quantumlayer fetch`` finds a capsule through its record (``requests/<id>/capsule.json``,
holding the tenant, the key under ``tenants/<tenant>/capsules/`` and the sha256 the run
wrote) and refuses one whose record is missing, invalid or names another key, instead of
skipping the checksum: an attacker able to replace the archive and delete the record, or
point the record elsewhere, gets nothing saved."""

import hashlib
from pathlib import Path

import pytest

from quantumlayer_cli import EXIT_FAILED, main
from quantumlayer_dagster.artifacts.capsule import Capsule
from quantumlayer_dagster.packaging.archive import build_capsule, verify_capsule
from quantumlayer_dagster.store.keys import (
    asset_key,
    capsule_key,
    legacy_capsule_key,
    tenant_capsule_record_key,
)
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


def record_for(store: LocalDirStore, key: str, tenant: str, data: bytes) -> None:
    """The capsule record the capsule asset writes: the archive's tenant, key and sha256."""
    verification = verify_capsule(data)
    record = Capsule(
        request_id=REQUEST_ID,
        tenant=tenant,
        key=key,
        location=store.location(key),
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        manifest=verification.manifest or MANIFEST,
        verification=verification,
    )
    store.put_bytes(asset_key(REQUEST_ID, "capsule"), record.model_dump_json().encode())


@pytest.mark.parametrize(
    ("tenant", "key"),
    [
        ("acme", capsule_key(REQUEST_ID, "acme")),
        ("shared", legacy_capsule_key(REQUEST_ID)),  # written before tenants had prefixes
    ],
)
def test_fetch_finds_the_capsule_through_its_record(
    tenant: str, key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("QL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QL_STORE", "local")
    artifacts = LocalDirStore(tmp_path / "home" / "artifacts")
    data = build_capsule(ENTRIES, MANIFEST)
    artifacts.put_bytes(key, data)
    record_for(artifacts, key, tenant, data)
    assert main(["fetch", REQUEST_ID, "-o", str(tmp_path / "out")]) == 0, capsys.readouterr()
    assert (tmp_path / "out" / f"{REQUEST_ID}.tar.gz").read_bytes() == data


def test_fetch_refuses_a_record_naming_a_key_outside_its_tenants_capsules(
    store, tmp_path, capsys
) -> None:
    data = build_capsule(ENTRIES, MANIFEST)
    elsewhere = capsule_key("r20260101000000-ffffffff", "globex")  # another tenant's capsule
    store.put_bytes(elsewhere, data)
    record_for(store, elsewhere, "acme", data)
    err = fetch_error(tmp_path, capsys)
    assert "not this request's capsule key" in err


def test_a_tenant_fetches_through_the_record_beside_its_capsule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # All a tenant's object-store credential may read is tenants/<tenant>/capsules/: the
    # record under requests/ is out of its reach, the copy beside the archive is not.
    monkeypatch.setenv("QL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QL_STORE", "local")
    artifacts = LocalDirStore(tmp_path / "home" / "artifacts")
    data = build_capsule(ENTRIES, MANIFEST)
    artifacts.put_bytes(capsule_key(REQUEST_ID, "acme"), data)
    record_for(artifacts, capsule_key(REQUEST_ID, "acme"), "acme", data)
    copy = tenant_capsule_record_key(REQUEST_ID, "acme")
    artifacts.put_bytes(copy, artifacts.get_bytes(asset_key(REQUEST_ID, "capsule")))
    (tmp_path / "home" / "artifacts" / asset_key(REQUEST_ID, "capsule")).unlink()
    out = tmp_path / "out"
    assert main(["fetch", REQUEST_ID, "-o", str(out), "--tenant", "acme"]) == 0, capsys.readouterr()
    assert (out / f"{REQUEST_ID}.tar.gz").read_bytes() == data

    assert main(["fetch", REQUEST_ID, "-o", str(tmp_path / "o2"), "--tenant", "globex"]) == 1
    err = capsys.readouterr().err
    assert "tenant globex has no capsule record" in err and err.count("\n") == 1
