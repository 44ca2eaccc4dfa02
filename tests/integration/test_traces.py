"""Traces of whole runs: one trace per run, a span per stage under the run's root span, a
span per LLM call, sandbox run and host tool under its stage's span; the same across the
multiprocess executor's step processes through the OTLP HTTP exporter to a local receiver;
and nothing secret, no prompt and no generated code in any span.

The in-process run uses the fake OpenAI server (so LLM calls are counted on the server side
and the API key is a real secret to look for), the multiprocess one the scripted provider.
Counts are what the run recorded, never constants of the scripted conversation."""

import io
import json
import tarfile
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from quantumlayer_cli.local_run import RunOutcome, local_instance, run_request, submit_local
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.observability import tracing
from quantumlayer_dagster.observability.trace_ids import TRACE_ID_TAG
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages.registry import ASSET_NAMES, PARTITIONS
from quantumlayer_dagster.store.keys import capsule_key
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.conftest import SCRIPTED_CONFIG
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.otlp_receiver import OtlpReceiver
from tests.fixtures import wordcount
from tests.fixtures.fake_llm import KEY_ENV, SECRET_KEY, llm_config_yaml

pytestmark = [pytest.mark.sandbox, pytest.mark.server, pytest.mark.slow]


@dataclass
class TracedRun:
    outcome: RunOutcome
    spans: list[ReadableSpan]
    server: FakeOpenAIServer
    instance: dg.DagsterInstance
    store: LocalDirStore


@pytest.fixture(scope="module")
def traced_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TracedRun]:
    """The word-count request through the whole graph in-process, on the fake server with
    the secret key, every span kept by an in-memory exporter."""
    root = tmp_path_factory.mktemp("traced")
    exporter = InMemorySpanExporter()
    with FakeOpenAIServer() as server, pytest.MonkeyPatch.context() as env:
        env.setenv(KEY_ENV, SECRET_KEY)
        config = root / "llm.yaml"
        config.write_text(llm_config_yaml(server.base_url))
        settings = Settings(
            home=root / "home", llm_config=config, test_timeout_s=60, memory_enabled=False
        )
        instance = local_instance(settings)
        tracing.use_exporter(exporter)
        try:
            outcome = run_request(
                settings,
                wordcount.PROMPT,
                RequestOptions(),
                definitions=build_definitions(settings),
                instance=instance,
            )
        finally:
            tracing.use_exporter(None)  # at once: the module's other tests trace on their own
        try:
            assert outcome.success, outcome.failure
            yield TracedRun(
                outcome,
                list(exporter.get_finished_spans()),
                server,
                instance,
                LocalDirStore(settings.artifacts_dir),
            )
        finally:
            instance.dispose()


def _by_id(spans: list[ReadableSpan]) -> dict[int, ReadableSpan]:
    return {s.context.span_id: s for s in spans}


def test_a_run_is_one_trace_whose_id_is_in_the_run_tags_and_the_capsule(traced_run):
    trace_ids = {s.context.trace_id for s in traced_run.spans}
    assert trace_ids == {uuid.UUID(traced_run.outcome.run_id).int}
    trace_id = f"{trace_ids.pop():032x}"
    run = traced_run.instance.get_run_by_id(traced_run.outcome.run_id)
    assert run is not None and run.tags[TRACE_ID_TAG] == trace_id
    archive = traced_run.store.get_bytes(capsule_key(traced_run.outcome.request_id))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        member = tar.extractfile("capsule.json")
        assert member is not None
        assert json.loads(member.read())["trace_id"] == trace_id


def test_every_stage_is_a_span_under_the_runs_root_span(traced_run):
    [root] = [s for s in traced_run.spans if s.parent is None]
    assert root.name == "run generate_project"
    steps = [s for s in traced_run.spans if s.name.startswith("step ")]
    assert sorted(s.attributes["quantumlayer.stage"] for s in steps) == sorted(ASSET_NAMES)
    assert {s.parent.span_id for s in steps if s.parent} == {root.context.span_id}
    assert all(s.parent for s in steps)


def test_every_llm_call_the_server_answered_is_a_span_under_its_stage(traced_run):
    spans = _by_id(traced_run.spans)
    calls = [s for s in traced_run.spans if s.name.startswith("llm ")]
    per_stage = Counter(str(s.attributes["quantumlayer.stage"]) for s in calls)
    assert per_stage == traced_run.server.calls_per_stage()
    for call in calls:
        assert call.parent is not None
        parent = spans[call.parent.span_id]
        assert parent.name == f"step {call.attributes['quantumlayer.stage']}"
        assert call.attributes["quantumlayer.llm.group"] == "primary"
        assert call.attributes["quantumlayer.llm.deployment"] == "primary/0"
        assert call.attributes["gen_ai.usage.input_tokens"] > 0
        assert call.attributes["quantumlayer.llm.outcome"] == "ok"
        assert call.attributes["quantumlayer.llm.cache_hit"] is False


def test_sandbox_runs_and_host_tools_are_spans_under_their_stages(traced_run):
    spans = _by_id(traced_run.spans)

    def stages_of(prefix: str) -> dict[str, str]:
        found = {}
        for span in traced_run.spans:
            if span.name.startswith(prefix) and span.parent is not None:
                found[span.name] = str(spans[span.parent.span_id].name)
        return found

    sandbox = [s for s in traced_run.spans if s.name == "sandbox run"]
    parents = [spans[s.parent.span_id].name for s in sandbox if s.parent]
    # test_suite runs the tests there; generation may run examples there too
    assert len(parents) == len(sandbox) and "step test_suite" in parents
    assert all(name.startswith("step ") for name in parents)
    assert {s.attributes["quantumlayer.sandbox.isolation_mode"] for s in sandbox} == {"bwrap"}
    tools = stages_of("tool ")
    assert tools["tool bandit"] == "step security_report"
    assert tools["tool pip-audit"] == "step security_report"


def test_no_span_holds_a_secret_the_prompt_or_generated_code(traced_run):
    text = "\n".join(s.to_json() for s in traced_run.spans)
    assert SECRET_KEY not in text
    assert SECRET_KEY.rsplit("-", 1)[1] not in text
    assert wordcount.PROMPT not in text
    assert wordcount.PROMPT[:40] not in text
    archive = traced_run.store.get_bytes(capsule_key(traced_run.outcome.request_id))
    generated = []
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith("project/"):
                data = tar.extractfile(member)
                assert data is not None
                generated += [ln.strip() for ln in data.read().decode().splitlines()]
    code_lines = [line for line in generated if len(line) >= 16]
    assert code_lines  # the capsule holds the generated project
    assert [line for line in code_lines if line in text] == []
    sent = [r.body for r in traced_run.server.requests]
    assert sent  # what was sent to the provider: nothing of it is in a span
    for body in sent:
        for message in body.get("messages", []):
            content = str(message.get("content") or "")
            assert content[:60] not in text


FORKSERVER = {"forkserver": {"preload_modules": ["tests.fixtures.traced_location"]}}


@pytest.mark.timeout(1200)
def test_spans_of_step_processes_join_the_runs_trace_through_otlp(tmp_path, monkeypatch):
    """The multiprocess executor: the run worker (this process) holds the root span, each
    step runs in a process of its own; every span reaches a local OTLP receiver over HTTP."""
    config = tmp_path / "llm.scripted.yaml"
    config.write_text(SCRIPTED_CONFIG)
    with OtlpReceiver() as receiver:
        for name, value in {
            "QL_HOME": str(tmp_path / "home"),
            "QL_LLM_CONFIG": str(config),
            "QL_EXECUTOR": "multiprocess",
            "QL_TEST_TIMEOUT_S": "60",
            "QL_MEMORY": "off",
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.endpoint,
            "OTEL_SERVICE_NAME": "quantumlayer-test",
        }.items():
            monkeypatch.setenv(name, value)
        settings = Settings.from_env()
        instance = local_instance(settings)
        try:
            request_id = submit_local(settings, wordcount.PROMPT, RequestOptions(), "cli")
            instance.add_dynamic_partitions(PARTITIONS, [request_id])
            from tests.fixtures import traced_location

            result = dg.execute_job(
                dg.reconstructable(traced_location.generate_project_job),
                instance=instance,
                tags={"dagster/partition": request_id},
                # Step processes fork from a server that imported the location once
                # (spawning each would import Dagster and litellm again: seconds a step).
                run_config={"execution": {"config": {"start_method": FORKSERVER}}},
            )
            assert result.success
            materialized = [
                e.step_materialization_data.materialization.metadata
                for e in result.get_asset_materialization_events()
            ]
            recorded_calls = sum(
                int(m["llm_calls"].value) for m in materialized if "llm_calls" in m
            )
        finally:
            instance.dispose()
            tracing.configure(Settings().telemetry.tracing)
        spans = list(receiver.spans)

    assert {s.trace_id for s in spans} == {uuid.UUID(result.run_id).hex}
    assert {s.resource["service.name"] for s in spans} == {"quantumlayer-test"}
    [root] = [s for s in spans if not s.parent_span_id]
    steps = {
        str(s.attributes["quantumlayer.stage"]): s for s in spans if s.name.startswith("step ")
    }
    assert sorted(steps) == sorted(ASSET_NAMES)
    assert {s.parent_span_id for s in steps.values()} == {root.span_id}
    step_pids = {s.resource["process.pid"] for s in steps.values()}
    assert root.resource["process.pid"] not in step_pids and len(step_pids) == len(steps)
    calls = [s for s in spans if s.name.startswith("llm ")]
    assert len(calls) == recorded_calls
    by_id = {s.span_id: s for s in spans}
    assert all(
        by_id[c.parent_span_id].name == f"step {c.attributes['quantumlayer.stage']}" for c in calls
    )
