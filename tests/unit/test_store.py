"""The local-directory artifact store and the one artifact-key scheme."""

import os
from pathlib import Path

import pytest

from quantumlayer_dagster.store import keys
from quantumlayer_dagster.store.artifact_store import ArtifactNotFound
from quantumlayer_dagster.store.local_dir import LocalDirStore

REQUEST_ID = "r20240309170542-0a1b2c3d"
FRD_KEY = f"requests/{REQUEST_ID}/frd.json"


@pytest.fixture
def store(tmp_path: Path) -> LocalDirStore:
    return LocalDirStore(tmp_path / "artifacts")


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_stored_bytes_come_back_unchanged(store: LocalDirStore) -> None:
    store.put_bytes(FRD_KEY, b'{"title": "Word counter"}')
    assert store.get_bytes(FRD_KEY) == b'{"title": "Word counter"}'


def test_put_returns_the_path_of_the_object_under_the_root(
    store: LocalDirStore, tmp_path: Path
) -> None:
    location = store.put_bytes(FRD_KEY, b"{}")
    assert Path(location) == (tmp_path / "artifacts" / FRD_KEY).resolve()
    assert Path(location).read_bytes() == b"{}"


def test_a_second_put_replaces_the_object(store: LocalDirStore) -> None:
    store.put_bytes(FRD_KEY, b"old")
    store.put_bytes(FRD_KEY, b"new")
    assert store.get_bytes(FRD_KEY) == b"new"


def test_exists_is_true_only_for_stored_keys(store: LocalDirStore) -> None:
    store.put_bytes(FRD_KEY, b"{}")
    assert store.exists(FRD_KEY)
    assert not store.exists(f"requests/{REQUEST_ID}/docs.json")


def test_getting_a_missing_key_raises_artifact_not_found(store: LocalDirStore) -> None:
    with pytest.raises(ArtifactNotFound, match=r"docs\.json"):
        store.get_bytes(f"requests/{REQUEST_ID}/docs.json")


def test_list_keys_gives_the_keys_under_a_prefix_sorted(store: LocalDirStore) -> None:
    for asset in ("frd", "code_tree", "docs"):
        store.put_bytes(keys.asset_key(REQUEST_ID, asset), b"{}")
    store.put_bytes(keys.asset_key("r20240309170543-ffffffff", "frd"), b"{}")
    assert store.list_keys(keys.request_prefix(REQUEST_ID)) == [
        f"requests/{REQUEST_ID}/code_tree.json",
        f"requests/{REQUEST_ID}/docs.json",
        f"requests/{REQUEST_ID}/frd.json",
    ]


def test_list_keys_of_an_unknown_prefix_is_empty(store: LocalDirStore) -> None:
    assert store.list_keys("requests/r20000101000000-00000000/") == []


@pytest.mark.parametrize(
    "key",
    ["../outside.json", f"requests/{REQUEST_ID}/../../escape.json", "/etc/passwd", "C:/x.json"],
)
def test_a_key_leaving_the_root_is_refused(store: LocalDirStore, tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError):
        store.put_bytes(key, b"x")
    with pytest.raises(ValueError):
        store.get_bytes(key)
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("prefix", ["..", "../", "/etc/", f"requests/{REQUEST_ID}/../.."])
def test_a_prefix_leaving_the_root_is_refused(
    store: LocalDirStore, tmp_path: Path, prefix: str
) -> None:
    (tmp_path / "secret.txt").write_text("not an artifact")
    store.put_bytes(FRD_KEY, b"{}")
    with pytest.raises(ValueError):
        store.list_keys(prefix)


def test_a_failed_write_leaves_neither_the_object_nor_a_part_file(
    store: LocalDirStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        store.put_bytes(FRD_KEY, b'{"title": "Word counter"}')
    monkeypatch.undo()
    assert not store.exists(FRD_KEY)
    assert files_under(store.root) == []


def test_a_failed_replace_keeps_the_previous_object(
    store: LocalDirStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put_bytes(FRD_KEY, b"old")

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        store.put_bytes(FRD_KEY, b"new")
    monkeypatch.undo()
    assert store.get_bytes(FRD_KEY) == b"old"
    assert files_under(store.root) == [FRD_KEY]


def test_an_asset_artifact_lives_at_requests_id_asset_json() -> None:
    assert keys.asset_key(REQUEST_ID, "code_tree") == f"requests/{REQUEST_ID}/code_tree.json"


def test_the_submission_lives_beside_the_assets() -> None:
    assert keys.submission_key(REQUEST_ID) == f"requests/{REQUEST_ID}/submission.json"
    assert keys.request_prefix(REQUEST_ID) == f"requests/{REQUEST_ID}/"


def test_the_capsule_lives_under_its_tenants_prefix() -> None:
    assert keys.capsule_key(REQUEST_ID, "acme") == f"tenants/acme/capsules/{REQUEST_ID}.tar.gz"
    assert keys.capsule_key(REQUEST_ID) == f"tenants/shared/capsules/{REQUEST_ID}.tar.gz"


@pytest.mark.parametrize("tenant", ["../acme", "", "Acme", "a/b", "x" * 64])
def test_a_capsule_key_for_a_bad_tenant_is_refused(tenant: str) -> None:
    with pytest.raises(ValueError, match="tenant"):
        keys.capsule_key(REQUEST_ID, tenant)


@pytest.mark.parametrize("asset", ["../frd", "Code Tree", "frd.json", "", "1frd", "frd\n"])
def test_an_asset_name_that_is_not_a_plain_identifier_is_refused(asset: str) -> None:
    with pytest.raises(ValueError, match="not a plain identifier"):
        keys.asset_key(REQUEST_ID, asset)


def test_list_objects_gives_size_and_an_etag_that_changes_with_the_content(
    store: LocalDirStore,
) -> None:
    store.put_bytes("incoming/a.txt", b"one")
    [first] = store.list_objects("incoming/")
    store.put_bytes("incoming/a.txt", b"two!")
    [second] = store.list_objects("incoming/")
    assert (first.key, first.size, second.size) == ("incoming/a.txt", 3, 4)
    assert first.etag != second.etag


def test_an_upload_with_a_name_keys_we_write_never_have_can_be_read_and_moved(
    store: LocalDirStore,
) -> None:
    (store.root / "incoming").mkdir(parents=True)
    (store.root / "incoming" / "my prompt\x1b.txt").write_bytes(b"x")
    [listed] = store.list_objects("incoming/")
    assert store.get_bytes(listed.key) == b"x"
    store.move(listed.key, "rejected/my_prompt_.txt")
    assert store.list_keys("") == ["rejected/my_prompt_.txt"]


def test_moving_an_already_moved_object_is_not_an_error(store: LocalDirStore) -> None:
    store.put_bytes("incoming/a.txt", b"x")
    store.move("incoming/a.txt", "launched/a.txt")
    store.move("incoming/a.txt", "launched/a.txt")
    assert store.list_keys("") == ["launched/a.txt"]
