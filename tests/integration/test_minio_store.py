"""The MinIO artifact store against a real S3-compatible HTTP server (moto, 127.0.0.1)."""

import logging

import pytest

from quantumlayer_dagster.store import keys
from quantumlayer_dagster.store.artifact_store import ArtifactNotFound, ArtifactStoreUnavailable
from quantumlayer_dagster.store.minio_store import MinioStore, S3Connection
from tests.fixtures.s3_server import FAST_RETRY, FaultProxy, S3Server, unused_endpoint

pytestmark = pytest.mark.server

REQUEST_ID = "r20240309170542-0a1b2c3d"
FRD_KEY = keys.asset_key(REQUEST_ID, "frd")


def test_stored_bytes_come_back_unchanged(minio_store: MinioStore) -> None:
    minio_store.put_bytes(FRD_KEY, b'{"title": "Word counter"}')
    assert minio_store.get_bytes(FRD_KEY) == b'{"title": "Word counter"}'


def test_the_bucket_is_created_by_the_first_write(
    s3_server: S3Server, minio_store: MinioStore, bucket_name: str
) -> None:
    client = s3_server.connection().client()
    assert not client.bucket_exists(bucket_name)
    minio_store.put_bytes(FRD_KEY, b"{}")
    assert client.bucket_exists(bucket_name)


def test_a_second_store_on_an_existing_bucket_reads_what_the_first_wrote(
    s3_server: S3Server, minio_store: MinioStore, bucket_name: str
) -> None:
    minio_store.put_bytes(FRD_KEY, b"first")
    other = MinioStore(s3_server.connection(), bucket_name, retry=FAST_RETRY)
    other.put_bytes(keys.capsule_key(REQUEST_ID), b"\x1f\x8b blob")
    assert other.get_bytes(FRD_KEY) == b"first"
    assert minio_store.get_bytes(keys.capsule_key(REQUEST_ID)) == b"\x1f\x8b blob"


def test_put_returns_the_s3_location_of_the_object(minio_store: MinioStore) -> None:
    assert minio_store.put_bytes(FRD_KEY, b"{}") == f"s3://{minio_store.bucket}/{FRD_KEY}"


def test_a_second_put_replaces_the_object(minio_store: MinioStore) -> None:
    minio_store.put_bytes(FRD_KEY, b"old")
    minio_store.put_bytes(FRD_KEY, b"new")
    assert minio_store.get_bytes(FRD_KEY) == b"new"


def test_exists_is_true_only_for_stored_keys(minio_store: MinioStore) -> None:
    assert not minio_store.exists(FRD_KEY)  # bucket missing too
    minio_store.put_bytes(FRD_KEY, b"{}")
    assert minio_store.exists(FRD_KEY)
    assert not minio_store.exists(keys.asset_key(REQUEST_ID, "docs"))


def test_getting_a_missing_key_raises_artifact_not_found(minio_store: MinioStore) -> None:
    with pytest.raises(ArtifactNotFound, match=r"docs\.json"):
        minio_store.get_bytes(keys.asset_key(REQUEST_ID, "docs"))
    minio_store.put_bytes(FRD_KEY, b"{}")
    with pytest.raises(ArtifactNotFound, match=r"docs\.json"):
        minio_store.get_bytes(keys.asset_key(REQUEST_ID, "docs"))


def test_list_keys_gives_the_keys_under_a_prefix_sorted(minio_store: MinioStore) -> None:
    assert minio_store.list_keys(keys.request_prefix(REQUEST_ID)) == []
    for asset in ("frd", "code_tree", "docs"):
        minio_store.put_bytes(keys.asset_key(REQUEST_ID, asset), b"{}")
    minio_store.put_bytes(keys.asset_key("r20240309170543-ffffffff", "frd"), b"{}")
    assert minio_store.list_keys(keys.request_prefix(REQUEST_ID)) == [
        f"requests/{REQUEST_ID}/code_tree.json",
        f"requests/{REQUEST_ID}/docs.json",
        f"requests/{REQUEST_ID}/frd.json",
    ]


def test_list_objects_etag_changes_when_the_content_does(minio_store: MinioStore) -> None:
    minio_store.put_bytes("incoming/a.txt", b"one")
    [first] = minio_store.list_objects("incoming/")
    minio_store.put_bytes("incoming/a.txt", b"two!")
    [second] = minio_store.list_objects("incoming/")
    assert (first.key, first.size, second.size) == ("incoming/a.txt", 3, 4)
    assert first.etag and first.etag != second.etag


def test_move_puts_the_object_under_the_new_key_only(minio_store: MinioStore) -> None:
    minio_store.put_bytes("incoming/a.txt", b"prompt")
    minio_store.move("incoming/a.txt", "rejected/a.txt")
    assert minio_store.list_keys("") == ["rejected/a.txt"]
    assert minio_store.get_bytes("rejected/a.txt") == b"prompt"
    minio_store.move("incoming/a.txt", "rejected/a.txt")  # already moved: nothing to do
    assert minio_store.list_keys("") == ["rejected/a.txt"]


def test_a_503_slow_down_is_retried_and_logged(
    fault_proxy: FaultProxy, bucket_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = MinioStore(
        S3Connection(fault_proxy.endpoint, "k", "s", secure=False), bucket_name, FAST_RETRY
    )
    store.put_bytes(FRD_KEY, b"{}")
    fault_proxy.fail_next = 2
    with caplog.at_level(logging.WARNING):
        assert store.get_bytes(FRD_KEY) == b"{}"
    statuses = [s.rsplit(" ", 1)[1] for s in fault_proxy.seen if FRD_KEY in s]
    assert statuses[-3:] == ["503", "503", "200"]
    assert [r.getMessage().split(";")[0] for r in caplog.records] == [
        f"S3 get {FRD_KEY} on {fault_proxy.endpoint}/{bucket_name} failed (SlowDown (HTTP 503))"
    ] * 2


def test_a_write_failing_with_503_every_time_gives_up_and_leaves_no_object(
    fault_proxy: FaultProxy, s3_server: S3Server, bucket_name: str
) -> None:
    store = MinioStore(
        S3Connection(fault_proxy.endpoint, "k", "s", secure=False), bucket_name, FAST_RETRY
    )
    store.ensure_bucket()
    fault_proxy.fail_next = FAST_RETRY.attempts
    with pytest.raises(ArtifactStoreUnavailable, match=r"after 4 attempts.*QL_S3_ENDPOINT"):
        store.put_bytes(FRD_KEY, b"{}")
    assert sum(1 for s in fault_proxy.seen if s.endswith("-> 503")) == FAST_RETRY.attempts
    direct = MinioStore(s3_server.connection(), bucket_name, FAST_RETRY)
    assert not direct.exists(FRD_KEY)


def test_an_unreachable_server_is_reported_with_the_fix(bucket_name: str) -> None:
    store = MinioStore(S3Connection(unused_endpoint(), secure=False), bucket_name, FAST_RETRY)
    with pytest.raises(ArtifactStoreUnavailable, match=r"unavailable for list incoming/ after 4"):
        store.list_objects("incoming/")
    with pytest.raises(ArtifactStoreUnavailable):
        store.put_bytes(FRD_KEY, b"{}")


def test_the_keys_never_appear_in_the_store_repr(s3_server: S3Server) -> None:
    store = MinioStore(S3Connection(s3_server.endpoint, "AKIDSECRET", "VERYSECRET"), "b")
    assert "SECRET" not in repr(store) + repr(store.connection)
