"""The prompt-upload sensor, evaluated with ``build_sensor_context`` against the real S3
server (moto on 127.0.0.1) and against the local prompts folder."""

import json
from pathlib import Path

import dagster as dg
import pytest

from assets.sensors import UPLOAD_TAG, build_prompt_upload_sensor
from quantumlayer_dagster.artifacts.limits import PROMPT_MAX_BYTES
from quantumlayer_dagster.artifacts.request import PromptSubmission
from quantumlayer_dagster.intake.uploads import REASON_SUFFIX
from quantumlayer_dagster.stages.registry import PARTITIONS
from quantumlayer_dagster.store.keys import submission_key
from resources.artifact_store import ArtifactStoreResource
from tests.fixtures.s3_server import S3Server, unused_endpoint

PROMPT = b"Build a command-line tool that counts the words in a text file.\n"


@pytest.fixture(params=["local", pytest.param("minio", marks=pytest.mark.server)])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStoreResource:
    """The artifact store resource, once per kind of store."""
    if request.param == "local":
        return ArtifactStoreResource(
            root=str(tmp_path / "artifacts"), prompts_root=str(tmp_path / "prompts")
        )
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = request.getfixturevalue("bucket_name")
    return minio_resource(server.endpoint, bucket)


def minio_resource(endpoint: str, bucket: str) -> ArtifactStoreResource:
    return ArtifactStoreResource(
        kind="minio",
        endpoint=endpoint,
        bucket=bucket,
        prompts_bucket=f"{bucket}-prompts",
        access_key="test-access",
        secret_key="test-secret",
    )


@pytest.fixture
def instance() -> dg.DagsterInstance:
    # In memory: the sensor only hands its requests back; the daemon would store them.
    return dg.DagsterInstance.ephemeral()


def tick(
    stores: ArtifactStoreResource,
    instance: dg.DagsterInstance,
    cursor: str | None = None,
    batch: int = 50,
) -> dg.SensorResult | dg.SkipReason:
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"artifact_store": stores}
    )
    return build_prompt_upload_sensor(batch=batch)(context)  # type: ignore[return-value]


def launched(result: dg.SensorResult | dg.SkipReason) -> list[dg.RunRequest]:
    assert isinstance(result, dg.SensorResult)
    return list(result.run_requests or [])


def added_partitions(result: dg.SensorResult | dg.SkipReason) -> list[str]:
    assert isinstance(result, dg.SensorResult)
    requests = result.dynamic_partitions_requests or []
    assert all(r.partitions_def_name == PARTITIONS for r in requests)
    return [key for r in requests for key in r.partition_keys]


def upload(stores: ArtifactStoreResource, name: str, data: bytes = PROMPT) -> None:
    stores.prompts().put_bytes(f"incoming/{name}", data)


def upload_raw(stores: ArtifactStoreResource, name: str, data: bytes) -> None:
    """Upload under a name our own writer would refuse (as another client could)."""
    if stores.kind == "local":
        path = Path(stores.prompts_root) / "incoming" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    else:
        store = stores.prompts()
        store.ensure_bucket()  # type: ignore[attr-defined]
        store._client.put_object(  # type: ignore[attr-defined]
            store.bucket, f"incoming/{name}", __import__("io").BytesIO(data), len(data)
        )


def test_one_upload_becomes_one_partition_and_one_run(stores, instance) -> None:
    upload(stores, "wordcount.txt")
    result = tick(stores, instance)
    [run] = launched(result)
    assert added_partitions(result) == [run.partition_key]
    assert run.run_key == run.partition_key  # unique per launch, never the bare etag
    assert run.tags[UPLOAD_TAG] == "incoming/wordcount.txt"
    submission = PromptSubmission.model_validate_json(
        stores.store().get_bytes(submission_key(run.partition_key))
    )
    assert submission.request_id == run.partition_key
    assert submission.prompt == PROMPT.decode()
    assert submission.source.startswith("upload ") and "incoming/wordcount.txt" in submission.source


def test_many_uploads_in_one_tick_each_get_their_own_request(stores, instance) -> None:
    for i in range(7):
        upload(stores, f"p{i}.txt", PROMPT + f"Variant {i}.\n".encode())
    result = tick(stores, instance)
    runs = launched(result)
    assert sorted(r.tags[UPLOAD_TAG] for r in runs) == [f"incoming/p{i}.txt" for i in range(7)]
    assert len({r.partition_key for r in runs}) == 7
    assert sorted(added_partitions(result)) == sorted(r.partition_key for r in runs)


def test_a_second_tick_with_the_cursor_launches_nothing_and_moves_uploads_to_launched(
    stores, instance
) -> None:
    upload(stores, "wordcount.txt")
    first = tick(stores, instance)
    [run] = launched(first)
    assert isinstance(first, dg.SensorResult)
    second = tick(stores, instance, first.cursor)
    assert launched(second) == []
    assert stores.prompts().list_keys("") == [f"launched/{run.partition_key}/wordcount.txt"]
    assert isinstance(second, dg.SensorResult)
    assert launched(tick(stores, instance, second.cursor)) == []


def test_a_restarted_daemon_with_the_stored_cursor_launches_nothing_twice(stores, instance) -> None:
    upload(stores, "a.txt")
    first = tick(stores, instance)
    assert isinstance(first, dg.SensorResult)
    stored_cursor = first.cursor
    upload(stores, "b.txt", PROMPT + b"Second.\n")
    after = tick(stores, dg.DagsterInstance.ephemeral(), stored_cursor)
    assert [r.tags[UPLOAD_TAG] for r in launched(after)] == ["incoming/b.txt"]


def test_a_tick_evaluated_again_after_a_lost_commit_proposes_the_same_runs(
    stores, instance
) -> None:
    # The daemon died before storing the tick: the same cursor gives the same run keys,
    # which Dagster launches once per sensor.
    upload(stores, "a.txt")
    again = tick(stores, instance)
    first = tick(stores, instance)
    assert [(r.run_key, r.partition_key) for r in launched(again)] == [
        (r.run_key, r.partition_key) for r in launched(first)
    ]


def test_a_flood_is_taken_in_bounded_batches_each_upload_once(stores, instance) -> None:
    for i in range(7):
        upload(stores, f"p{i}.txt", PROMPT + f"Variant {i}.\n".encode())
    cursor, seen = None, []
    for _ in range(4):
        result = tick(stores, instance, cursor, batch=3)
        assert isinstance(result, dg.SensorResult)
        runs = launched(result)
        assert len(runs) <= 3
        seen += [r.run_key for r in runs]
        cursor = result.cursor
    assert len(seen) == len(set(seen)) == 7


def test_an_upload_replaced_under_the_same_name_is_launched_again(stores, instance) -> None:
    upload(stores, "a.txt")
    first = tick(stores, instance)
    assert isinstance(first, dg.SensorResult)
    second = tick(stores, instance, first.cursor)  # moves a.txt to launched/
    assert isinstance(second, dg.SensorResult)
    upload(stores, "a.txt", PROMPT + b"Now with totals.\n")
    [run] = launched(tick(stores, instance, second.cursor))
    assert run.tags[UPLOAD_TAG] == "incoming/a.txt"
    assert run.partition_key != launched(first)[0].partition_key


INVALID = {
    "empty.txt": (b"", "is empty"),
    "binary.bin": (b"\x00\x01\x02PK", "binary file"),
    "latin1.txt": ("Zähle Wörter".encode("latin-1"), "not UTF-8"),
    "huge.txt": (b"word " * (PROMPT_MAX_BYTES // 5 + 10), "over the 16384-byte limit"),
    "a..b.txt": (PROMPT, "contains '..'"),
    "bell\x07name.txt": (PROMPT, "control characters"),
}
REJECTED_AS = {
    "empty.txt": "empty.txt",
    "binary.bin": "binary.bin",
    "latin1.txt": "latin1.txt",
    "huge.txt": "huge.txt",
    "a..b.txt": "a_b.txt",
    "bell\x07name.txt": "bell_name.txt",
}


def test_invalid_uploads_go_to_rejected_with_a_reason_and_valid_ones_still_launch(
    stores, instance
) -> None:
    upload(stores, "good-1.txt")
    for name, (data, _) in INVALID.items():
        upload_raw(stores, name, data)
    upload(stores, "good-2.txt", PROMPT + b"Also lines.\n")
    result = tick(stores, instance)
    assert sorted(r.tags[UPLOAD_TAG] for r in launched(result)) == [
        "incoming/good-1.txt",
        "incoming/good-2.txt",
    ]
    inbox = stores.prompts()
    assert inbox.list_keys("incoming/") == ["incoming/good-1.txt", "incoming/good-2.txt"]
    for name, (data, why) in INVALID.items():
        moved = f"rejected/{REJECTED_AS[name]}"
        assert inbox.get_bytes(moved) == data
        reason = inbox.get_bytes(moved + REASON_SUFFIX).decode()
        assert why in reason, (name, reason)
        assert "upload it under incoming/" in reason


def test_a_rejected_name_already_taken_keeps_both_uploads(stores, instance) -> None:
    upload(stores, "empty.txt", b"")
    first = tick(stores, instance)
    assert isinstance(first, dg.SensorResult)
    upload(stores, "empty.txt", b"   \n")
    tick(stores, instance, first.cursor)
    rejected = [k for k in stores.prompts().list_keys("rejected/") if k.endswith(".txt")]
    assert len([k for k in rejected if not k.endswith(REASON_SUFFIX)]) == 2


@pytest.mark.server
def test_an_unreachable_bucket_skips_the_tick_and_keeps_the_cursor(
    s3_server: S3Server, bucket_name: str, instance
) -> None:
    reachable = minio_resource(s3_server.endpoint, bucket_name)
    upload(reachable, "a.txt")
    first = tick(reachable, instance)
    assert isinstance(first, dg.SensorResult)
    down = minio_resource(unused_endpoint(), bucket_name)
    context = dg.build_sensor_context(
        instance=instance, cursor=first.cursor, resources={"artifact_store": down}
    )
    result = build_prompt_upload_sensor()(context)
    assert isinstance(result, dg.SkipReason)
    assert "unreachable" in (result.skip_message or "")
    assert context.cursor == first.cursor
    # Back up: the pending upload is moved aside, nothing is launched twice.
    assert launched(tick(reachable, instance, first.cursor)) == []
    assert reachable.prompts().list_keys("incoming/") == []


def test_no_uploads_is_a_skipped_tick_with_a_reason(stores, instance) -> None:
    result = tick(stores, instance)
    assert isinstance(result, dg.SensorResult)
    assert launched(result) == []
    assert result.skip_reason is not None
    assert "no new uploads" in (result.skip_reason.skip_message or "")
    assert json.loads(result.cursor or "{}")["pending"] == {}


def test_a_front_matter_language_line_chooses_the_request_language(stores, instance) -> None:
    upload(stores, "strings.ts.txt", b"---\nlanguage: typescript\n---\n" + PROMPT)
    [run] = launched(tick(stores, instance))
    submission = PromptSubmission.model_validate_json(
        stores.store().get_bytes(submission_key(run.partition_key))
    )
    assert submission.options.language == "typescript"
    assert submission.prompt == PROMPT.decode()  # the block is not part of the prompt


def test_an_unknown_front_matter_setting_is_rejected_with_its_line(stores, instance) -> None:
    data = b"---\nlanguage: cobol\n---\n" + PROMPT
    upload(stores, "old.txt", data)
    assert launched(tick(stores, instance)) == []
    inbox = stores.prompts()
    assert inbox.get_bytes("rejected/old.txt") == data  # nothing lost
    reason = inbox.get_bytes("rejected/old.txt" + REASON_SUFFIX).decode()
    assert "old.txt line 2: language 'cobol' is not one of python, typescript, javascript" in reason
