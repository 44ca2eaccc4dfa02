"""The asset layer's audit records: an action a run takes about its request (the capsule
write), and cancellations made outside the CLI (the UI, a GraphQL client), which only the
run's end shows. The trail itself is ``quantumlayer_dagster/audit/``."""

import dagster as dg

from assets.jobs import generate_project
from quantumlayer_dagster.artifacts.request import REQUEST_ID_PATTERN
from quantumlayer_dagster.audit.record import Action, AuditEvent
from quantumlayer_dagster.store.submissions import stored_tenant
from quantumlayer_dagster.tenants import DEFAULT_TENANT, TENANT_TAG
from resources.artifact_store import ArtifactStoreResource
from resources.audit_log import instance_audit_log, run_audit

UNKNOWN_CANCELLER = "dagster-ui or graphql"
"""Who canceled a run that ``quantumlayer cancel`` did not: Dagster does not record it."""


def record_run_action(
    context: dg.AssetExecutionContext, action: Action, tenant: str, **fields: object
) -> None:
    """Record ``action`` of this run about its request (partition) in the instance's trail;
    nothing on an ephemeral instance, which keeps none."""
    audit = run_audit(context.instance, context.run, tenant)
    if audit is not None:
        audit.record(action, **fields)


def build_cancellation_sensor(interval_s: int = 30) -> dg.SensorDefinition:
    """A run-status sensor recording each canceled run of the main job, under the run id's
    event key: a cancellation ``quantumlayer cancel`` already recorded (with its user) is not
    recorded again."""

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.CANCELED,
        name="audit_cancellations",
        monitored_jobs=[generate_project],
        minimum_interval_seconds=interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Records every canceled request run in the audit trail.",
    )
    def audit_cancellations(
        context: dg.RunStatusSensorContext, artifact_store: ArtifactStoreResource
    ) -> None:
        log = instance_audit_log(context.instance)
        if log is None:
            return
        run = context.dagster_run
        partition = run.tags.get("dagster/partition", "")
        request_id = partition if REQUEST_ID_PATTERN.match(partition) else None
        tenant = run.tags.get(TENANT_TAG) or (
            stored_tenant(artifact_store.store(), request_id) if request_id else DEFAULT_TENANT
        )
        log.append(
            AuditEvent(
                action="cancellation",
                actor=UNKNOWN_CANCELLER,
                tenant=tenant,
                request_id=request_id,
                run_id=run.run_id,
                event_key=f"cancellation:{run.run_id}",
            )
        )

    return audit_cancellations
