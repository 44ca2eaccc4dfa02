"""Each action leaves its audit record when driven through its real entry point on a local
instance: ``quantumlayer submit`` and the CLI's refusals, the upload sensor's launches and
rejections (``build_sensor_context``), cancellations the CLI did not make (the run-status
sensor), and, through ``quantumlayer run`` and ``fetch``, the in-process launch, the budget
stop, the capsule write and the fetch; no record holds the prompt's text."""

import json
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from assets.audit_trail import UNKNOWN_CANCELLER, build_cancellation_sensor
from assets.sensors import build_prompt_upload_sensor
from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from quantumlayer_dagster.artifacts.capsule import Capsule
from quantumlayer_dagster.artifacts.limits import PROMPT_MAX_BYTES
from quantumlayer_dagster.artifacts.request import prompt_digest
from quantumlayer_dagster.audit.chain import verify_chain
from quantumlayer_dagster.audit.record import AuditEvent
from quantumlayer_dagster.audit.sql_log import AUDIT_FILE, SqlAuditLog
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages.registry import JOB_NAME
from quantumlayer_dagster.store.keys import asset_key
from quantumlayer_dagster.store.local_dir import LocalDirStore
from resources.artifact_store import ArtifactStoreResource
from resources.audit_log import instance_audit_log
from tests.conftest import SCRIPTED_CONFIG
from tests.fixtures import wordcount
from tests.fixtures.upload_stores import upload_raw
from tests.security.test_intake_hostile_names import HOSTILE_NAMES

CANARY = "Codename AUDIT-CANARY-7f3a: keep this sentence out of every audit column."
PROMPT = f"{wordcount.PROMPT.rstrip()}\n{CANARY}\n"


@pytest.fixture
def home(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI in this process works against ``settings``' home and its local instance."""
    monkeypatch.setenv("QL_HOME", str(settings.home))
    monkeypatch.setenv("DAGSTER_HOME", str(settings.dagster_home))
    monkeypatch.setenv("QL_LLM_CONFIG", str(settings.llm_config))
    monkeypatch.setenv("QL_STORE", "local")
    monkeypatch.setenv("QL_MEMORY", "off")
    return settings


def trail(settings: Settings) -> list[dict[str, Any]]:
    return list(SqlAuditLog(str(settings.dagster_home / AUDIT_FILE)).rows())


def assert_no_prompt_text(settings: Settings) -> None:
    """The canary sentence is in no column of any record, nor anywhere in the file."""
    for row in trail(settings):
        for column, value in row.items():
            assert CANARY[:20] not in str(value), (column, value)
    assert CANARY[:20].encode() not in (settings.dagster_home / AUDIT_FILE).read_bytes()


def test_submit_records_the_submission_with_the_prompt_digest(home: Settings, tmp_path: Path):
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(PROMPT)
    assert main(["submit", str(prompt)]) == EXIT_OK
    [record] = trail(home)
    assert (record["action"], record["actor"], record["tenant"]) == ("submission", "cli", "shared")
    assert record["subject"].startswith("incoming/") and record["client"]
    assert json.loads(record["digests"])["prompt"] == prompt_digest(PROMPT.strip() + "\n")
    assert_no_prompt_text(home)


@pytest.mark.parametrize("command", ["submit", "run", "launch"])
def test_a_prompt_the_cli_refuses_is_recorded_as_a_rejection(
    home: Settings, tmp_path: Path, command: str
):
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(f"---\nlanguage: cobol\n---\n{CANARY}\n")
    assert main([command, str(prompt)]) == EXIT_USAGE
    [record] = trail(home)
    assert (record["action"], record["actor"]) == ("rejection", "cli")
    assert "language" in record["reason"] and "is not one of" in record["reason"]
    assert json.loads(record["digests"])["upload"]
    assert_no_prompt_text(home)


def upload_sensor_tick(
    instance: dg.DagsterInstance, stores: ArtifactStoreResource, cursor: str | None
) -> dg.SensorResult | dg.SkipReason:
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"artifact_store": stores}
    )
    return build_prompt_upload_sensor(batch=100)(context)  # type: ignore[return-value]


def test_the_upload_sensor_records_each_launch_and_rejection_once(
    instance: dg.DagsterInstance, settings: Settings
):
    stores = ArtifactStoreResource(
        root=str(settings.artifacts_dir), prompts_root=str(settings.prompts_dir)
    )
    incoming = settings.prompts_dir / "incoming"
    incoming.mkdir(parents=True)
    (incoming / "good.txt").write_text(PROMPT)
    (incoming / "bad.txt").write_bytes(b"\x00\x01binary")

    first = upload_sensor_tick(instance, stores, None)
    assert isinstance(first, dg.SensorResult)
    [run_request] = first.run_requests or []
    # The daemon died before committing the tick: the same tick is evaluated again.
    again = upload_sensor_tick(instance, stores, None)
    assert isinstance(again, dg.SensorResult)

    log = instance_audit_log(instance)
    assert log is not None
    records = list(log.records())
    launches = [r for r in records if r.action == "launch"]
    rejections = [r for r in records if r.action == "rejection"]
    assert [r.request_id for r in launches] == [run_request.partition_key]
    assert launches[0].actor == "sensor prompt_uploads"
    assert launches[0].digests["prompt"] == prompt_digest(PROMPT)
    assert len(rejections) == 1
    assert rejections[0].subject == "rejected/bad.txt"
    assert "binary" in (rejections[0].reason or "")
    assert CANARY[:20] not in str([r.model_dump() for r in records])


def canceled_run(instance: dg.DagsterInstance, request_id: str) -> tuple[dg.DagsterRun, Any]:
    """A run of the main job for ``request_id``, canceled as the UI's Terminate does."""
    run = instance.create_run_for_job(
        dg.define_asset_job(JOB_NAME).resolve(asset_graph=dg.Definitions().resolve_asset_graph()),
        tags={"dagster/partition": request_id},
    )
    instance.report_run_canceled(run, message="terminated from the UI")
    [event] = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.RUN_CANCELED
    ).records
    canceled = instance.get_run_by_id(run.run_id)
    assert canceled is not None and event.event_log_entry.dagster_event is not None
    return canceled, event.event_log_entry.dagster_event


def cancellation_tick(instance: dg.DagsterInstance, settings: Settings, run, event) -> None:  # type: ignore[no-untyped-def]
    stores = ArtifactStoreResource(root=str(settings.artifacts_dir))
    context = dg.build_run_status_sensor_context(
        sensor_name="audit_cancellations",
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=event,
        resources={"artifact_store": stores},
    )
    build_cancellation_sensor()(context)


def test_a_run_canceled_outside_the_cli_is_recorded_with_an_unknown_canceller(
    instance: dg.DagsterInstance, settings: Settings
):
    run, event = canceled_run(instance, "r20261206093000-0a1b2c3d")
    cancellation_tick(instance, settings, run, event)
    log = instance_audit_log(instance)
    assert log is not None
    [record] = list(log.records())
    assert (record.action, record.actor) == ("cancellation", UNKNOWN_CANCELLER)
    assert (record.request_id, record.run_id) == ("r20261206093000-0a1b2c3d", run.run_id)


def test_a_cancellation_the_cli_recorded_is_not_recorded_again_by_the_sensor(
    instance: dg.DagsterInstance, settings: Settings
):
    run, event = canceled_run(instance, "r20261206093000-0a1b2c3d")
    log = instance_audit_log(instance)
    assert log is not None
    log.append(
        AuditEvent(
            action="cancellation",
            actor="cli",
            user_name="alice",
            run_id=run.run_id,
            event_key=f"cancellation:{run.run_id}",
        )
    )
    cancellation_tick(instance, settings, run, event)
    [record] = list(log.records())
    assert record.user_name == "alice"


@pytest.mark.slow
@pytest.mark.sandbox
def test_run_and_fetch_record_launch_capsule_write_and_fetch_without_prompt_text(
    home: Settings, register_script, tmp_path: Path, capsys
):
    register_script()
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(PROMPT)
    assert main(["run", str(prompt)]) == EXIT_OK
    request_id = capsys.readouterr().out.split("request ", 1)[1].split(":", 1)[0]
    assert main(["fetch", request_id, "-o", str(tmp_path / "out")]) == EXIT_OK

    records = {r["action"]: r for r in trail(home)}
    assert list(records) == ["launch", "capsule_write", "fetch"]
    capsule = Capsule.model_validate_json(
        LocalDirStore(home.artifacts_dir).get_bytes(asset_key(request_id, "capsule"))
    )
    launch, write, fetch = records["launch"], records["capsule_write"], records["fetch"]
    assert (launch["actor"], launch["subject"], launch["request_id"]) == (
        "cli",
        "in-process",
        request_id,
    )
    assert (write["actor"], write["run_id"]) == ("run", launch["run_id"])
    assert json.loads(write["digests"])["capsule"] == capsule.sha256
    assert json.loads(fetch["digests"])["capsule"] == capsule.sha256
    assert fetch["user_name"] and fetch["client"]
    assert main(["audit", "verify"]) == EXIT_OK
    assert_no_prompt_text(home)


@pytest.mark.slow
def test_a_run_stopped_by_its_budget_records_the_budget_stop(
    home: Settings, register_script, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    register_script()
    config = tmp_path / "llm.budget.yaml"
    config.write_text(SCRIPTED_CONFIG + "budget:\n  max_tokens: 5\n")
    monkeypatch.setenv("QL_LLM_CONFIG", str(config))
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(PROMPT)
    assert main(["run", str(prompt)]) == EXIT_FAILED
    launch, stop = trail(home)
    assert (stop["action"], stop["actor"], stop["subject"]) == (
        "budget_stop",
        "run",
        "enhanced_prompt",
    )
    assert stop["request_id"] == launch["request_id"] and stop["run_id"] == launch["run_id"]
    assert "over budget.max_tokens=5" in stop["reason"]
    assert_no_prompt_text(home)


def test_show_lists_one_tenants_records_since_a_time_as_json(
    home: Settings, capsys: pytest.CaptureFixture[str]
):
    from datetime import UTC, datetime, timedelta

    log = SqlAuditLog(str(home.dagster_home / AUDIT_FILE))
    old = datetime.now(UTC) - timedelta(hours=3)
    for tenant, at in [("acme", old), ("acme", None), ("globex", None)]:
        fields = {"at": at} if at else {}
        log.append(AuditEvent(action="launch", actor="cli", tenant=tenant, **fields))
    assert main(["audit", "show", "--tenant", "acme", "--since", "1h", "--json"]) == EXIT_OK
    [shown] = json.loads(capsys.readouterr().out)
    assert (shown["seq"], shown["tenant"]) == (2, "acme")
    assert main(["audit", "show"]) == EXIT_OK
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "tenant=globex" in lines[2]


def test_hostile_upload_names_each_leave_one_valid_record_and_never_stall_intake(
    instance: dg.DagsterInstance, settings: Settings
):
    stores = ArtifactStoreResource(
        root=str(settings.artifacts_dir), prompts_root=str(settings.prompts_dir)
    )
    oversized = b"x" * (PROMPT_MAX_BYTES + 1)
    for name in HOSTILE_NAMES:
        upload_raw(stores, name, PROMPT.encode())
        upload_raw(stores, f"big {name}", oversized)
    result = upload_sensor_tick(instance, stores, None)
    assert isinstance(result, dg.SensorResult)
    log = instance_audit_log(instance)
    assert log is not None
    records = list(log.records())
    assert [r.action for r in records].count("launch") == len(result.run_requests or [])
    assert [r.action for r in records].count("rejection") >= len(HOSTILE_NAMES)
    assert len(records) == 2 * len(HOSTILE_NAMES), "every upload launched or rejected"
    assert verify_chain(log.rows(), log.seq_of).ok


@pytest.mark.slow
def test_a_run_stopped_by_its_tenants_window_records_the_budget_stop_for_the_tenant(
    home: Settings, register_script, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    register_script()
    monkeypatch.setenv("QL_TENANT_BUDGETS", '{"acme": {"max_tokens": 50}}')
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(PROMPT)
    assert main(["run", str(prompt), "--tenant", "acme"]) == EXIT_FAILED
    launch, stop = trail(home)
    assert (launch["action"], launch["tenant"]) == ("launch", "acme")
    assert (stop["action"], stop["tenant"], stop["request_id"]) == (
        "budget_stop",
        "acme",
        launch["request_id"],
    )
    assert "budget exceeded" in stop["reason"] and "over its limit of 50 tokens" in stop["reason"]


def test_the_cli_actor_names_the_store_credential_by_its_fingerprint_only(
    home: Settings, monkeypatch: pytest.MonkeyPatch
):
    from quantumlayer_cli.audit_trail import cli_fields
    from quantumlayer_dagster.audit.content import fingerprint

    access_key = "AKIAIOSFODNN7EXAMPLE"
    monkeypatch.setenv("QL_STORE", "minio")
    monkeypatch.setenv("QL_S3_ACCESS_KEY", access_key)
    fields = cli_fields(Settings.from_env(), "http://127.0.0.1:3000")
    record = AuditEvent(action="submission", **fields)
    assert record.credential == fingerprint(access_key, "s3-access-key")
    assert access_key not in str(record.row())
    assert record.client is not None and record.client.endswith("/127.0.0.1")


def test_a_trail_that_cannot_be_written_refuses_submit_before_anything_is_uploaded(
    home: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("DAGSTER_HOME", str(blocker / "dagster"))
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(PROMPT)
    assert main(["submit", str(prompt)]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "audit trail" in err and "unavailable" in err, err
    assert not (home.prompts_dir / "incoming").exists()
