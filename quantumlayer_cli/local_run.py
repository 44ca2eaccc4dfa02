"""Run the whole graph in-process for a new request on a local instance."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from quantumlayer_cli.audit_trail import cli_fields
from quantumlayer_cli.errors import innermost, root_cause
from quantumlayer_cli.progress import RunProgress
from quantumlayer_dagster.artifacts.capsule import GateResult
from quantumlayer_dagster.artifacts.request import RequestOptions, prompt_digest
from quantumlayer_dagster.audit.record import AuditEvent
from quantumlayer_dagster.observability.trace_ids import TRACE_ID_TAG
from quantumlayer_dagster.observability.tracing import run_span
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages.registry import CAPSULE, JOB_NAME, PARTITIONS
from quantumlayer_dagster.store.keys import capsule_key
from quantumlayer_dagster.store.submissions import store_submission
from quantumlayer_dagster.tenants import TENANT_TAG
from resources.artifact_store import open_artifact_store
from resources.audit_log import instance_audit_log


@dataclass
class RunOutcome:
    request_id: str
    run_id: str
    success: bool
    failure: str | None = None
    gates: list[GateResult] = field(default_factory=list)
    capsule_path: str | None = None
    stopped_by: str | None = None
    """The blocking gate that stopped the run (a verdict on the code), if that is why it failed."""

    @property
    def gates_passed(self) -> bool:
        return bool(self.gates) and all(g.passed for g in self.gates)


def local_instance(settings: Settings) -> dg.DagsterInstance:
    """The instance under ``<home>/dagster`` (SQLite), shared with ``make ui``."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.from_config(str(settings.dagster_home))


def submit_local(settings: Settings, prompt: str, options: RequestOptions, source: str) -> str:
    """Store the submission under a new request id and return the id."""
    return store_submission(open_artifact_store(settings).store(), prompt, options, source)


def run_request(
    settings: Settings,
    prompt: str,
    options: RequestOptions,
    *,
    definitions: dg.Definitions,
    instance: dg.DagsterInstance,
    emit: Callable[[str], None] | None = None,
    source: str = "cli",
) -> RunOutcome:
    """Submit ``prompt``, add its partition and execute the job in this process, following
    progress through ``emit``. Never raises for a failed run: the outcome says why."""
    request_id = submit_local(settings, prompt, options, source)
    instance.add_dynamic_partitions(PARTITIONS, [request_id])
    job = definitions.resolve_job_def(JOB_NAME)
    run_id = str(uuid.uuid4())
    audit = instance_audit_log(instance)
    if audit is not None:
        audit.append(
            AuditEvent(
                action="launch",
                tenant=options.tenant,
                request_id=request_id,
                run_id=run_id,
                subject="in-process",
                digests={"prompt": prompt_digest(prompt)},
                **cli_fields(settings),
            )
        )
    if emit:
        emit(f"request {request_id}: run {run_id}")
    with (
        RunProgress(instance, run_id, emit or (lambda _line: None)),
        # execute_in_process brings its own executor: the run's root span is opened here
        run_span(run_id, {}, job=JOB_NAME, request_id=request_id) as span,
    ):
        result = job.execute_in_process(
            instance=instance,
            partition_key=request_id,
            raise_on_error=False,
            run_id=run_id,
            # Progress is printed from the event log; the console logger would repeat it all.
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            tags={
                TENANT_TAG: options.tenant,
                **({TRACE_ID_TAG: span.trace_id} if span.trace_id else {}),
            },
        )
        if not result.success:
            span.error("run_failure")
    gates = [
        GateResult(
            name=e.check_name,
            passed=e.passed,
            detail=e.description or "",
            stops=e.severity == dg.AssetCheckSeverity.ERROR,
        )
        for e in result.get_asset_check_evaluations()
    ]
    store = open_artifact_store(settings).store()
    key = capsule_key(request_id, options.tenant)
    built = result.is_node_success(CAPSULE.name)
    failure, stopped_by = (
        (None, None) if result.success else _failure_reason(result, gates, definitions)
    )
    return RunOutcome(
        request_id=request_id,
        run_id=run_id,
        success=result.success,
        failure=failure,
        gates=gates,
        capsule_path=store.location(key) if built and store.exists(key) else None,
        stopped_by=stopped_by,
    )


def _failure_reason(
    result: dg.ExecuteInProcessResult, gates: list[GateResult], definitions: dg.Definitions
) -> tuple[str, str | None]:
    """The one-line reason the run failed, and the blocking gate that stopped it (if one did)."""
    failed_gates = [g for g in gates if not g.passed]
    graph = definitions.resolve_asset_graph()
    blocking = {k.name for k in graph.asset_check_keys if graph.get_check_spec(k).blocking}
    for event in result.get_step_failure_events():
        data = event.step_failure_data
        error = data.error if data else None
        if error is not None and innermost(error).cls_name == "DagsterAssetCheckFailedError":
            # A blocking gate failed: its own detail says why, not Dagster's wrapper (and not
            # a non-blocking gate that happened to fail earlier).
            blocked = next((g for g in failed_gates if g.name in blocking and g.stops), None)
            if blocked:
                return f"gate {blocked.name} failed: {blocked.detail}", blocked.name
        return f"stage {event.step_key} failed: {root_cause(error, event.step_key or '')}", None
    if failed_gates:
        return f"gate {failed_gates[0].name} failed: {failed_gates[0].detail}", None
    return "the run failed without a step failure; see the run in the Dagster UI", None
