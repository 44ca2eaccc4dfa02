"""The whole flow on MinIO storage: `quantumlayer submit` uploads a prompt, the sensor turns
it into a partition and a run request, the run materializes every asset into the bucket
(moto's S3 server on 127.0.0.1), and `quantumlayer fetch` downloads and verifies the
capsule. The LLM is the scripted provider (the hosted-provider edge)."""

import hashlib
import json
from pathlib import Path

import dagster as dg
import pytest

from assets.sensors import UPLOAD_TAG, build_prompt_upload_sensor
from quantumlayer_cli import EXIT_FAILED, EXIT_OK, main
from quantumlayer_cli.local_run import local_instance
from quantumlayer_dagster.artifacts.capsule import Capsule
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.packaging.archive import verify_capsule
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages.registry import ASSET_NAMES, JOB_NAME
from quantumlayer_dagster.store.keys import (
    asset_key,
    capsule_key,
    request_prefix,
    tenant_capsule_record_key,
)
from resources.artifact_store import open_artifact_store
from tests.fixtures import wordcount
from tests.fixtures.s3_server import S3Server
from tests.integration.test_minio_cli import use_minio

pytestmark = [pytest.mark.sandbox, pytest.mark.server, pytest.mark.slow]


def test_an_uploaded_prompt_runs_with_every_artifact_and_the_capsule_in_the_bucket(
    s3_server: S3Server,
    bucket_name: str,
    tmp_path: Path,
    scripted_config: Path,
    register_script,
    monkeypatch,
    capsys,
) -> None:
    register_script()
    use_minio(monkeypatch, s3_server.endpoint, bucket_name, tmp_path / "home")
    monkeypatch.setenv("QL_LLM_CONFIG", str(scripted_config))
    settings = Settings.from_env()
    prompt = tmp_path / "wordcount.txt"
    prompt.write_text(wordcount.PROMPT)
    assert main(["submit", str(prompt)]) == EXIT_OK
    upload_key = capsys.readouterr().out.strip()

    instance = local_instance(settings)
    try:
        stores = open_artifact_store(settings)
        context = dg.build_sensor_context(instance=instance, resources={"artifact_store": stores})
        result = build_prompt_upload_sensor()(context)
        assert isinstance(result, dg.SensorResult)
        [run_request] = result.run_requests or []
        rid = run_request.partition_key
        # One run per upload, keyed by its request id; the upload it came from is a tag.
        assert run_request.run_key == rid
        assert run_request.tags[UPLOAD_TAG] == upload_key
        # What the daemon does with the SensorResult: add the partitions, launch the run.
        for add in result.dynamic_partitions_requests or []:
            instance.add_dynamic_partitions(add.partitions_def_name, list(add.partition_keys))
        job = build_definitions(settings).resolve_job_def(JOB_NAME)
        run = job.execute_in_process(instance=instance, partition_key=rid, raise_on_error=False)
        assert run.success
    finally:
        instance.dispose()

    store = stores.store()
    assert stores.kind == "minio"
    assert sorted(store.list_keys(request_prefix(rid))) == sorted(
        [asset_key(rid, name) for name in ASSET_NAMES] + [f"{request_prefix(rid)}submission.json"]
    )
    # Under the shared tenant's prefix: the archive and its record's copy.
    assert sorted(store.list_keys("tenants/")) == sorted(
        [capsule_key(rid), tenant_capsule_record_key(rid)]
    )
    for name in ASSET_NAMES:
        document = json.loads(store.get_bytes(asset_key(rid, name)))
        assert isinstance(document, dict) and document, name
    capsule_record = Capsule.model_validate_json(store.get_bytes(asset_key(rid, "capsule")))
    blob = store.get_bytes(capsule_key(rid))
    assert capsule_record.location == f"s3://{bucket_name}/{capsule_key(rid)}"
    assert hashlib.sha256(blob).hexdigest() == capsule_record.sha256
    assert verify_capsule(blob).ok

    out = tmp_path / "fetched"
    assert main(["fetch", rid, "-o", str(out)]) == EXIT_OK
    assert f"saved {out / f'{rid}.tar.gz'}" in capsys.readouterr().out
    assert (out / f"{rid}.tar.gz").read_bytes() == blob

    # A capsule changed in the bucket after the run no longer matches what the run recorded.
    store.put_bytes(capsule_key(rid), blob + b"\0")
    assert main(["fetch", rid, "-o", str(tmp_path / "again")]) == EXIT_FAILED
    assert "checksum mismatch" in capsys.readouterr().err
    assert not (tmp_path / "again" / f"{rid}.tar.gz").exists()
